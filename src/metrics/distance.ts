/**
 * Shared helpers for sample metrics: validation of row-major point sets (n×dim Float64Array) and Euclidean
 * distances. Host-side on purpose: metrics run once per evaluation on a few thousand points, and float64 host loops
 * are exact and deterministic.
 */
import { ShapeError } from "../errors.js";

/** Number of points in a row-major `[n, dim]` set; throws ShapeError when `dim` or the length does not fit. */
export function pointCount(x: ArrayLike<number>, dim: number, fn: string, name = "x"): number {
  if (!Number.isInteger(dim) || dim < 1) throw new ShapeError(`${fn}: expected an integer dim >= 1, got ${dim}`);
  if (x.length % dim !== 0) {
    throw new ShapeError(`${fn}: ${name} has ${x.length} values, not a multiple of dim=${dim} (expected [n, ${dim}])`);
  }
  return x.length / dim;
}

/** Squared Euclidean distance between row i of `a` and row j of `b`. */
export function sqDist(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let s = 0;
  const ia = i * dim;
  const jb = j * dim;
  for (let k = 0; k < dim; k++) {
    const d = a[ia + k] - b[jb + k];
    s += d * d;
  }
  return s;
}

/** Row-major `[na, nb]` matrix of squared Euclidean distances ‖a_i − b_j‖² (the exact-OT cost matrix). */
export function pairwiseSqDist(a: ArrayLike<number>, b: ArrayLike<number>, dim: number): Float64Array {
  const na = pointCount(a, dim, "pairwiseSqDist", "a");
  const nb = pointCount(b, dim, "pairwiseSqDist", "b");
  const out = new Float64Array(na * nb);
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < nb; j++) out[i * nb + j] = sqDist(a, i, b, j, dim);
  }
  return out;
}
