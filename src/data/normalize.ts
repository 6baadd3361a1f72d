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

/** What `fitStandardizer` names in its errors: the data's source (a file or toy) and its column names. */
export interface FitNames {
  source?: string;
  columns?: readonly string[];
}

function columnName(j: number, names: FitNames): string {
  const c = names.columns?.[j];
  const col = c !== undefined && c !== "" ? `column "${c}" (${j + 1})` : `column ${j + 1}`;
  return names.source ? `${names.source}: ${col}` : col;
}

/**
 * Mean and population std (ddof = 0) of each column of row-major `[rows, cols]` data. Each column is scaled by its
 * largest |value| first, so finite data up to ±1.8e308 gives finite statistics (a naive sum overflows). A column
 * holding ±Inf or NaN, or whose spread is too small to divide by (1/std not representable), is a DataError naming
 * `names.source` and the column.
 */
export function fitStandardizer(data: ArrayLike<number>, rows: number, cols: number, names: FitNames = {}): Standardizer {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new ShapeError(`fitStandardizer: expected rows >= 1 and cols >= 1, got rows=${rows}, cols=${cols}`);
  }
  if (data.length !== rows * cols) {
    throw new ShapeError(`fitStandardizer: expected ${rows}x${cols} = ${rows * cols} values, got ${data.length}`);
  }
  const mean = new Array<number>(cols).fill(0);
  const std = new Array<number>(cols).fill(0);
  const maxAbs = new Array<number>(cols).fill(0);
  const first = Array.from({ length: cols }, (_, j) => data[j]);
  const varies = new Array<boolean>(cols).fill(false);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      if (!Number.isFinite(v)) throw new DataError(`${columnName(j, names)}: row ${i + 1} holds ${v}, not a finite number`);
      maxAbs[j] = Math.max(maxAbs[j], Math.abs(v));
      if (v !== first[j]) varies[j] = true;
    }
  }
  // Plain sums (bit-identical to earlier versions) unless they overflow, or underflow to a zero spread for values
  // that differ; then sums of values scaled by the column's largest |value|, every term in [−1, 1].
  const sums = (scale: number[]) => {
    mean.fill(0);
    std.fill(0);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j] += scale[j] === 1 ? data[i * cols + j] : data[i * cols + j] / scale[j];
    for (let j = 0; j < cols; j++) mean[j] /= rows;
    // Two-pass variance: accurate when |mean| ≫ std.
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const d = (scale[j] === 1 ? data[i * cols + j] : data[i * cols + j] / scale[j]) - mean[j];
        std[j] += d * d;
      }
    }
  };
  let scale = new Array<number>(cols).fill(1);
  sums(scale);
  if (mean.some((m) => !Number.isFinite(m)) || std.some((v, j) => !Number.isFinite(v) || (v === 0 && varies[j]))) {
    scale = maxAbs.map((m) => (m > 0 ? m : 1));
    sums(scale);
  }
  for (let j = 0; j < cols; j++) {
    const s = Math.sqrt(std[j] / rows);
    mean[j] *= scale[j];
    const sd = s * scale[j];
    if (!Number.isFinite(mean[j]) || !Number.isFinite(sd)) {
      throw new DataError(`${columnName(j, names)}: its mean or spread cannot be represented (largest |value| ${maxAbs[j]})`);
    }
    // Constant columns (std 0, or below the relative tolerance) get std 1: shifted only, never divided by ~0.
    const constant = !(sd > CONSTANT_COLUMN_RTOL * maxAbs[j] && sd > 0);
    if (!constant && !Number.isFinite(1 / sd)) {
      throw new DataError(`${columnName(j, names)}: its spread (std ${sd}) is too small to standardize by (1/std overflows); rescale the column`);
    }
    std[j] = constant ? 1 : sd;
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
    if (forward) {
      // x − mean can overflow for data near ±1.8e308 where the standardized value is small: divide first then.
      const d = data[k] - s.mean[j];
      out[k] = Number.isFinite(d) ? d / s.std[j] : data[k] / s.std[j] - s.mean[j] / s.std[j];
    } else {
      const y = data[k] * s.std[j];
      out[k] = Number.isFinite(y) ? y + s.mean[j] : s.std[j] * (data[k] + s.mean[j] / s.std[j]);
    }
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

/**
 * How data is scaled against the N(0, I) source: "column" (each column to mean 0, std 1: the default), "global"
 * (centred, one std for every column, the root mean square of the column stds, so shapes keep their aspect ratio
 * and tight modes stay tight relative to the source) or "none" (the data's own units).
 */
export type StandardizeMode = "column" | "global" | "none";

/**
 * How `flowmatch train` scales a CSV by default (issue 13): each column to mean 0 and std 2 against the N(0, I)
 * source. The built-in toys, on which the recipe was tuned, sit at that scale as drawn (8gaussians has column std
 * ≈ 2). Std 1 made every mode 1.4–2.3× tighter relative to the source than in the data's own units, and the flow has
 * to contract that much harder: after 5,000 steps (seed 0, bench/quality) the 5×5 grid of tight Gaussians went
 * 1.15 → 0.96 nats of KL(p‖q) with SiLU and 0.37 → 0.070 with ReLU; the checkerboard 0.38 → 0.37. Per column, not
 * one global std ("global", measured equal on sets whose columns share a std): columns in different units (metres
 * and ratios) would otherwise leave the small one a near-constant the flow cannot resolve. The library's
 * `openDataSource` keeps std 1 unless told otherwise; a checkpoint records its scaling (absent: column, 1, 0.1's).
 */
export const CSV_SCALING: { readonly standardize: StandardizeMode; readonly dataScale: number } = { standardize: "column", dataScale: 2 };
export const STANDARDIZE_MODES: readonly StandardizeMode[] = ["column", "global", "none"];

/**
 * The standardizer of `mode` from a per-column fit (its means and stds), then multiplied by `scale` (the CLI's
 * --data-scale): model units are `scale` × the mode's units, so scale 2 with "global" gives data of RMS std 2
 * against the N(0, I) source.
 */
export function standardizerFor(mode: StandardizeMode, fitted: Standardizer, scale = 1): Standardizer {
  if (!(scale > 0 && Number.isFinite(scale))) throw new ShapeError(`standardizerFor: scale must be a finite number > 0, got ${scale}`);
  const s = standardizerForMode(mode, fitted);
  return scale === 1 ? s : { mean: s.mean, std: s.std.map((v) => v / scale) };
}

function standardizerForMode(mode: StandardizeMode, fitted: Standardizer): Standardizer {
  const D = fitted.mean.length;
  if (mode === "none") return { mean: new Array<number>(D).fill(0), std: new Array<number>(D).fill(1) };
  if (mode === "global") {
    // Each std is scaled by the largest first so that the sum of squares cannot overflow.
    const big = Math.max(...fitted.std);
    const rms = big * Math.sqrt(fitted.std.reduce((s, x) => s + (x / big) ** 2, 0) / D);
    return { mean: [...fitted.mean], std: new Array<number>(D).fill(rms) };
  }
  return { mean: [...fitted.mean], std: [...fitted.std] };
}
