/**
 * Per-column standardization z = (x − mean) / std, fitted on the training data and stored in a checkpoint's
 * config.json (plain numbers, so JSON round-trips it), so that samples can be mapped back and densities reported in
 * the data's own units.
 */
import { DataError, ShapeError } from "../errors.js";

/** Column means and standard deviations; JSON-serializable as is. */
export interface Standardizer {
  mean: number[];
  std: number[];
}

/**
 * A column whose std is at most this fraction of its largest |value| is treated as constant and gets std 1 (as
 * scikit-learn's StandardScaler does), so constant columns are only shifted, never divided by ~0.
 */
export const CONSTANT_COLUMN_RTOL = 1e-8;

/** Mean and population std (ddof = 0) of each column of row-major `[rows, cols]` data. */
export function fitStandardizer(data: ArrayLike<number>, rows: number, cols: number): Standardizer {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new ShapeError(`fitStandardizer: expected rows >= 1 and cols >= 1, got rows=${rows}, cols=${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(`fitStandardizer: expected ${rows}x${cols} = ${rows * cols} values, got ${data.length}`);
  }
  const mean = new Array<number>(cols).fill(0);
  const std = new Array<number>(cols).fill(0);
  const maxAbs = new Array<number>(cols).fill(0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      mean[j] += v;
      maxAbs[j] = Math.max(maxAbs[j], Math.abs(v));
    }
  }
  for (let j = 0; j < cols; j++) mean[j] /= rows;
  // Two-pass variance: accurate when |mean| ≫ std.
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const d = data[i * cols + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < cols; j++) {
    if (!Number.isFinite(mean[j]) || !Number.isFinite(std[j])) {
      throw new DataError(`fitStandardizer: column ${j + 1} contains a non-finite value`);
    }
    const s = Math.sqrt(std[j] / rows);
    std[j] = s > CONSTANT_COLUMN_RTOL * maxAbs[j] && s > 0 ? s : 1;
  }
  return { mean, std };
}

function apply(data: ArrayLike<number>, s: Standardizer, forward: boolean, fn: string): Float64Array {
  const cols = s.mean.length;
  if (s.std.length !== cols || cols === 0) {
    throw new ShapeError(`${fn}: standardizer has ${cols} means but ${s.std.length} stds`);
  }
  if (data.length % cols !== 0) {
    throw new ShapeError(`${fn}: expected rows of ${cols} values, got ${data.length} values (not a multiple)`);
  }
  const out = new Float64Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const j = k % cols;
    out[k] = forward ? (data[k] - s.mean[j]) / s.std[j] : data[k] * s.std[j] + s.mean[j];
  }
  return out;
}

/** (x − mean) / std per column; returns a new array (row-major, `cols = s.mean.length`). */
export function standardize(data: ArrayLike<number>, s: Standardizer): Float64Array {
  return apply(data, s, true, "standardize");
}

/** Inverse of `standardize`: z · std + mean per column; returns a new array. */
export function unstandardize(data: ArrayLike<number>, s: Standardizer): Float64Array {
  return apply(data, s, false, "unstandardize");
}

/**
 * log|det ∂z/∂x| of x ↦ z = standardize(x), i.e. −Σ log std. Change of variables gives
 * log p_x(x) = log p_z(z) + standardizerLogDet(s): add it to a log density computed in standardized units to get
 * the log density in the data's original units (for bits/dim, divide the result by D·ln 2 as usual).
 */
export function standardizerLogDet(s: Standardizer): number {
  let acc = 0;
  for (const v of s.std) acc -= Math.log(v);
  return acc;
}

/** Checks a parsed config value is a usable Standardizer (finite numbers, positive stds, equal lengths). */
export function parseStandardizer(value: unknown, where = "standardizer"): Standardizer {
  const v = value as Partial<Standardizer> | null;
  const ok = (a: unknown): a is number[] => Array.isArray(a) && a.every((x) => typeof x === "number" && Number.isFinite(x));
  if (v === null || typeof v !== "object" || !ok(v.mean) || !ok(v.std)) {
    throw new DataError(`${where}: expected {"mean": number[], "std": number[]} with finite numbers`);
  }
  if (v.mean.length !== v.std.length || v.mean.length === 0) {
    throw new DataError(`${where}: mean has ${v.mean.length} entries but std has ${v.std.length}`);
  }
  if (v.std.some((x) => x <= 0)) throw new DataError(`${where}: every std must be > 0`);
  return { mean: [...v.mean], std: [...v.std] };
}
