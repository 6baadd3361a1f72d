/**
 * Sliced 2-Wasserstein distance: project both sets onto random unit directions, where optimal transport is just
 * sorting, and average the 1-D squared W2 over directions. O(P · n log n), so it scales to sets far larger than
 * exact OT (see wasserstein.ts) can handle.
 */
import { Rng } from "../engine/index.js";
import { OptionError, ShapeError } from "../errors.js";
import { pointCount } from "./distance.js";

export interface SlicedOptions {
  /** Number of random directions (default 128). */
  projections?: number;
  /** Seed of the directions (default 0); the same seed gives the same directions and the same result. */
  seed?: number;
}

/**
 * `count` unit vectors in R^dim, uniform on the sphere (normalized Gaussians from `Rng(seed)`), row-major
 * `[count, dim]`. Exported so callers and tests can reproduce the directions slicedWasserstein2 used.
 */
export function unitDirections(dim: number, count: number, seed = 0): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(count * dim);
  for (let p = 0; p < count; p++) {
    let norm = 0;
    while (norm === 0) {
      norm = 0;
      for (let k = 0; k < dim; k++) {
        const g = rng.normal();
        out[p * dim + k] = g;
        norm += g * g;
      }
    }
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < dim; k++) out[p * dim + k] *= inv;
  }
  return out;
}

/**
 * Exact squared W2 between two 1-D empirical distributions given as SORTED arrays (sizes may differ): the integral
 * over t ∈ [0, 1] of (F_a⁻¹(t) − F_b⁻¹(t))², computed by merging the two step quantile functions. Masses are counted
 * in integer units of 1/(na·nb), so the merge is exact. For equal sizes it is mean((a_i − b_i)²).
 */
export function w2sq1dSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = a.length;
  const nb = b.length;
  if (na === 0 || nb === 0) throw new ShapeError(`w2sq1dSorted: expected non-empty sets, got ${na} and ${nb}`);
  if (na === nb) {
    let s = 0;
    for (let i = 0; i < na; i++) s += (a[i] - b[i]) ** 2;
    return s / na;
  }
  let i = 0;
  let j = 0;
  let ra = nb; // remaining mass of a[i], in units of 1/(na·nb)
  let rb = na;
  let s = 0;
  while (i < na && j < nb) {
    const w = Math.min(ra, rb);
    s += w * (a[i] - b[j]) ** 2;
    ra -= w;
    rb -= w;
    if (ra === 0) {
      i++;
      ra = nb;
    }
    if (rb === 0) {
      j++;
      rb = na;
    }
  }
  return s / (na * nb);
}

/**
 * Sliced W2 = sqrt(mean over P random unit directions θ of W2²(θ·X, θ·Y)) between row-major `[n, dim]` sets.
 * Unequal sizes are handled exactly by 1-D quantile matching ({@link w2sq1dSorted}), with no subsampling. In 1-D the
 * directions are ±1, so the result is the exact 1-D W2. For y = x + c it equals ‖c‖·sqrt(mean_θ cos²∠(θ, c)),
 * ≈ ‖c‖/√dim for many projections.
 */
export function slicedWasserstein2(x: Float64Array, y: Float64Array, dim: number, options: SlicedOptions = {}): number {
  const nx = pointCount(x, dim, "slicedWasserstein2", "x");
  const ny = pointCount(y, dim, "slicedWasserstein2", "y");
  if (nx === 0 || ny === 0) throw new ShapeError(`slicedWasserstein2: expected non-empty sets, got ${nx} and ${ny}`);
  const projections = options.projections ?? 128;
  if (!Number.isInteger(projections) || projections < 1) {
    throw new OptionError(`slicedWasserstein2: projections must be an integer >= 1, got ${projections}`);
  }
  const seed = options.seed ?? 0;
  const dirs = unitDirections(dim, projections, seed);
  const px = new Float64Array(nx);
  const py = new Float64Array(ny);
  let total = 0;
  for (let p = 0; p < projections; p++) {
    project(x, nx, dirs, p, dim, px);
    project(y, ny, dirs, p, dim, py);
    px.sort();
    py.sort();
    total += w2sq1dSorted(px, py);
  }
  return Math.sqrt(total / projections);
}

function project(x: Float64Array, n: number, dirs: Float64Array, p: number, dim: number, out: Float64Array): void {
  const o = p * dim;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += x[i * dim + k] * dirs[o + k];
    out[i] = s;
  }
}
