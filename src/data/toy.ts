/**
 * The shape shared by the 2-D toy distributions (FFJORD / torchcfm benchmarks). They live on the host as plain
 * Float64Arrays so that a seed reproduces a data stream exactly and tests need no accelerator.
 */
import type { Rng } from "../engine/rng.js";
import { ShapeError } from "../errors.js";

/** A 2-D toy distribution: a seeded sampler and, where a closed form exists, its exact log density. */
export interface ToyDistribution {
  /** Registry name, e.g. "8gaussians". */
  readonly name: string;
  readonly dim: 2;
  /** `n` samples, row-major `[n, 2]` (x of row i at `2i`, y at `2i + 1`). Draws only from `rng`. */
  sample(n: number, rng: Rng): Float64Array;
  /**
   * Exact log density in nats at row-major `[m, 2]` points; `-Infinity` outside the support. Present only where a
   * closed form exists (8gaussians, checkerboard, gaussian), so metrics can test `logProb !== undefined`.
   */
  logProb?(x: ArrayLike<number>): Float64Array;
  /** One line: what the distribution looks like and where its definition comes from. */
  readonly description: string;
}

/** Throws unless `n` is a non-negative integer sample count. */
export function checkCount(n: number, name: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ShapeError(`${name}.sample: expected a non-negative integer sample count, got ${n}`);
  }
}

/** Throws unless `x` holds whole rows of 2 numbers; returns the number of rows. */
export function checkPoints(x: ArrayLike<number>, name: string): number {
  if (x.length % 2 !== 0) {
    throw new ShapeError(`${name}.logProb: expected row-major [n, 2] points, got ${x.length} numbers (odd)`);
  }
  return x.length / 2;
}

/** Fisher–Yates shuffle of the rows of a row-major `[n, 2]` array in place (the references shuffle samples). */
export function shuffleRows2(data: Float64Array, rng: Rng): void {
  for (let i = data.length / 2 - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const ax = data[2 * i];
    const ay = data[2 * i + 1];
    data[2 * i] = data[2 * j];
    data[2 * i + 1] = data[2 * j + 1];
    data[2 * j] = ax;
    data[2 * j + 1] = ay;
  }
}

/** log(2π), used by the Gaussian densities. */
export const LOG_2PI = Math.log(2 * Math.PI);
