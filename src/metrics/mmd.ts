/**
 * Maximum mean discrepancy between two sample sets with a sum of Gaussian (RBF) kernels
 * k(a, b) = Σ_h exp(−‖a − b‖² / (2h²)). A sum over several bandwidths keeps the test sensitive at several length
 * scales without tuning one. The estimate is the unbiased U-statistic MMD², so it is ≈ 0 (and can be slightly
 * negative) when the two sets come from the same distribution.
 */
import { OptionError, ShapeError } from "../errors.js";
import { pointCount, sqDist } from "./distance.js";

/** Multipliers of the median pairwise distance used when no bandwidths are given. */
export const MEDIAN_BANDWIDTH_FACTORS: readonly number[] = [0.5, 1, 2];
/** The median heuristic looks at most this many pooled points (an evenly strided, deterministic subset). */
export const MEDIAN_MAX_POINTS = 1000;

export interface MmdOptions {
  /**
   * Kernel bandwidths h (positive). Default: the median heuristic — m = the median Euclidean distance between
   * distinct points of the pooled sample (x then y, strided down to {@link MEDIAN_MAX_POINTS} points), times
   * {@link MEDIAN_BANDWIDTH_FACTORS}; m = 1 if that median is 0. Pass fixed bandwidths to compare MMDs across runs.
   */
  bandwidths?: number[];
}

/**
 * Unbiased MMD² = mean_{i≠i'} k(x_i, x_i') + mean_{j≠j'} k(y_j, y_j') − 2 mean_{i,j} k(x_i, y_j), with k the sum of
 * RBF kernels. Both sets are row-major `[n, dim]` with at least 2 points each. O((nx + ny)² · dim).
 */
export function mmd(
  x: Float64Array,
  y: Float64Array,
  dim: number,
  options: MmdOptions = {},
): { mmd2: number; bandwidths: number[] } {
  const nx = pointCount(x, dim, "mmd", "x");
  const ny = pointCount(y, dim, "mmd", "y");
  if (nx < 2 || ny < 2) throw new ShapeError(`mmd: expected at least 2 points in each set, got ${nx} and ${ny}`);
  const bandwidths = options.bandwidths ? [...options.bandwidths] : medianBandwidths(x, nx, y, ny, dim);
  if (bandwidths.length === 0 || bandwidths.some((h) => !(h > 0) || !Number.isFinite(h))) {
    throw new OptionError(`mmd: bandwidths must be a non-empty list of positive finite numbers, got [${bandwidths}]`);
  }
  const gammas = bandwidths.map((h) => -1 / (2 * h * h));
  const k = (a: Float64Array, i: number, b: Float64Array, j: number): number => {
    const d2 = sqDist(a, i, b, j, dim);
    let s = 0;
    for (const g of gammas) s += Math.exp(g * d2);
    return s;
  };
  let kxx = 0;
  for (let i = 0; i < nx; i++) for (let j = i + 1; j < nx; j++) kxx += k(x, i, x, j);
  let kyy = 0;
  for (let i = 0; i < ny; i++) for (let j = i + 1; j < ny; j++) kyy += k(y, i, y, j);
  let kxy = 0;
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) kxy += k(x, i, y, j);
  const mmd2 = (2 * kxx) / (nx * (nx - 1)) + (2 * kyy) / (ny * (ny - 1)) - (2 * kxy) / (nx * ny);
  return { mmd2, bandwidths };
}

/** The default bandwidths: median pooled pairwise distance × {@link MEDIAN_BANDWIDTH_FACTORS}. */
export function medianBandwidths(x: Float64Array, nx: number, y: Float64Array, ny: number, dim: number): number[] {
  const total = nx + ny;
  const m = Math.min(total, MEDIAN_MAX_POINTS);
  const pick = (t: number): [Float64Array, number] => {
    const p = Math.floor((t * total) / m);
    return p < nx ? [x, p] : [y, p - nx];
  };
  const d = new Float64Array((m * (m - 1)) / 2);
  let c = 0;
  for (let s = 0; s < m; s++) {
    const [a, i] = pick(s);
    for (let t = s + 1; t < m; t++) {
      const [b, j] = pick(t);
      d[c++] = sqDist(a, i, b, j, dim);
    }
  }
  d.sort();
  // Sorting squared distances orders the distances too; take square roots before averaging the middle two.
  const mid = d.length >> 1;
  const medDist = d.length % 2 === 1 ? Math.sqrt(d[mid]) : (Math.sqrt(d[mid - 1]) + Math.sqrt(d[mid])) / 2;
  const med = medDist > 0 ? medDist : 1;
  return MEDIAN_BANDWIDTH_FACTORS.map((f) => f * med);
}
