/**
 * A pairing decides which noise sample x0 goes with which data sample x1 in a training minibatch (t = 0 is
 * noise, t = 1 is data) — the minibatch coupling of OT-CFM, named "pairing" here so it cannot be confused with
 * the coupling layers of normalizing flows. Pairings work on host batches — row-major Float64Array [n, dim] —
 * because the trainer draws batches on the host and the pairing algorithms (assignment, Sinkhorn) are sequential host code.
 */
import type { Rng } from "../engine/index.js";
import { DataError, ShapeError } from "../errors.js";

/**
 * Paired batches: row i of `x0` goes with row i of `x1`; both row-major [n, dim]. `rows`/`cols` say which input
 * rows were taken (pair i = input x0 row rows[i] and input x1 row cols[i]; absent: the identity), so whatever
 * belongs to a data row — its class label or context vector — can travel with it.
 */
export interface PairedBatch {
  x0: Float64Array;
  x1: Float64Array;
  rows?: Int32Array;
  cols?: Int32Array;
}

export interface Pairing {
  /** The name the CLI uses (`--coupling NAME`). */
  readonly name: string;
  /**
   * Pair noise `x0` [n, dim] with data `x1` [n, dim] (same n). Never modifies its inputs; may return them as they
   * are (independent). `rng` is used only by pairings that sample.
   */
  pair(x0: Float64Array, x1: Float64Array, dim: number, rng: Rng): PairedBatch;
}

/** Validates two host batches of equal size and returns n. */
export function batchSize(who: string, x0: Float64Array, x1: Float64Array, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1) throw new ShapeError(`${who}: expected an integer dim >= 1, got ${dim}`);
  if (x0.length % dim !== 0 || x1.length % dim !== 0) {
    throw new ShapeError(`${who}: expected x0 and x1 of shape [n, ${dim}], got ${x0.length} and ${x1.length} values`);
  }
  const n = x0.length / dim;
  if (x1.length / dim !== n) {
    throw new ShapeError(`${who}: expected x0 and x1 with the same number of rows, got ${n} and ${x1.length / dim}`);
  }
  return n;
}

/** The row-major n×n matrix C[i, j] = |x0_i − x1_j|² (squared Euclidean cost); throws DataError on non-finite input. */
export function squaredDistances(x0: Float64Array, x1: Float64Array, n: number, dim: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = x0[i * dim + k] - x1[j * dim + k];
        s += d * d;
      }
      if (!Number.isFinite(s)) throw new DataError(`pairing: non-finite value in x0 row ${i} or x1 row ${j}`);
      c[i * n + j] = s;
    }
  }
  return c;
}

/** Rows `idx` of a row-major [·, dim] array, in that order. */
export function gatherRows(x: Float64Array, idx: ArrayLike<number>, dim: number): Float64Array {
  const out = new Float64Array(idx.length * dim);
  for (let r = 0; r < idx.length; r++) out.set(x.subarray(idx[r] * dim, idx[r] * dim + dim), r * dim);
  return out;
}
