/**
 * Training data for discrete normalizing flows: a toy (fresh samples every step, plus a fixed held-out sample) or a
 * table (parsed CSV; files open through `openFlowData` from `flowmatch/node`) split into train and test rows. On top of `openDataSource` it adds what likelihood training of tables
 * and images needs:
 *  - column selection (e.g. dropping a label column) and an image shape [H, W, C] for multi-scale Glow;
 *  - a held-out test split (a seeded shuffle; the standardizer is fitted on the training rows only);
 *  - uniform dequantization of integer data: each draw adds u ~ U[0, 1) to every value (levels 0…L−1 become the
 *    continuous [0, L)), then standardizes by mean L/2 and std L, so model units are (x + u)/L − ½. The model
 *    density of dequantized data in data units bounds the discrete probability (bins of width 1), so bits/dim use
 *    `bitsPerDim(..., { dequantization: { levels: L, range: L } })` (offset log Δ = log(L/L) = 0).
 *  - conditions (`cond`, as for flow matching's data layer): class labels or context vectors from CSV columns
 *    (split off the data columns, kept with their rows through the test split), or the mode of 8gaussians;
 *    `sampleCond` draws rows with their conditions, `testCond` holds the held-out rows' conditions.
 * Batches come back in model units, drawn only from the rng passed in (so a resumed run continues exactly).
 */
import { Rng } from "../engine/rng.js";
import { getToy, isToyName, toyNames } from "../data/registry.js";
import type { CsvTable } from "../data/csv.js";
import { fitStandardizer, standardize, type Standardizer } from "../data/normalize.js";
import { DataError, OptionError } from "../errors.js";
import { openDataSource, type CondSpec, type DataSource } from "./data-source.js";
import type { CondConfig } from "../model/conditioning.js";

export interface FlowDataOptions {
  /** Columns to keep (0-based). Default: all, except that `dropLabel` drops the last. */
  columns?: number[];
  /** Drop the last column when the others form a square image (the 8×8 digits' label); default false. */
  dropLabel?: boolean;
  /** "auto" (integer data with values 0…L−1, L ≤ 256: dequantize with that L), "off", or a level count. */
  dequantize?: "auto" | "off" | number;
  /** Fraction of CSV rows held out for testing (default 0.1). */
  testFraction?: number;
  /** Seed of the train/test shuffle and of the toy test sample. */
  seed?: number;
  /** A saved standardizer to reuse (resume / evaluation), instead of fitting one. */
  standardizer?: Standardizer;
  /** Points in the toy's held-out sample (default 5000). */
  toyTestSize?: number;
  /** The table's name in error messages and in `spec` (default "table"). */
  name?: string;
  /** Condition columns (CSV: header names or 0-based indices; toys: "mode") and their kind. */
  cond?: CondSpec;
  /** A saved condition (resume / evaluation): its class list fixes the label indices. */
  condConfig?: CondConfig;
}

/** Conditions of some rows: label indices (class) or context rows [n, C]. */
export interface FlowConds {
  labels?: Int32Array;
  context?: Float64Array;
}

export interface FlowDataSource extends DataSource {
  /** Columns used (CSV). */
  columns?: number[];
  dequantize?: { levels: number };
  /** Held-out points in data units (integers when dequantized), row-major [n, dim]. */
  test: Float64Array;
  /** Training rows in data units (CSV). */
  train?: Float64Array;
  /** Conditions of the held-out points (conditional data). */
  testCond?: FlowConds;
}

/** Whether every value is an integer in 0…255; returns max + 1 (the level count) or 0. */
export function integerLevels(v: Float64Array): number {
  let max = 0;
  for (const x of v) {
    if (!Number.isInteger(x) || x < 0 || x > 255) return 0;
    if (x > max) max = x;
  }
  return max + 1;
}

/** Opens a toy by name or a parsed table for flow training; unknown names list the valid ones. */
export function openFlowData(data: string | CsvTable, o: FlowDataOptions = {}): FlowDataSource {
  const seed = o.seed ?? 0;
  if (typeof data === "string") {
    const spec = data;
    if (!isToyName(spec)) {
      throw new DataError(
        `unknown data "${spec}": give one of: ${toyNames.join(", ")}, or a table from parseCsv (CSV files open with openFlowData from flowmatch/node)`,
      );
    }
    const toy = getToy(spec);
    const testRng = new Rng((0x7f4a7c15 ^ (seed + 991)) >>> 0);
    const nTest = o.toyTestSize ?? 5000;
    if (o.cond) {
      const src = openDataSource(spec, { cond: o.cond });
      const { x, ...testCond } = src.sampleCond!(nTest, testRng);
      return { ...src, test: x, testCond };
    }
    return { spec, kind: "toy", dim: toy.dim, toy, sample: (n, rng) => toy.sample(n, rng), test: toy.sample(nTest, testRng) };
  }
  const spec = o.name ?? "table";
  const probe = data;
  const condCols = o.cond ? condColumns(spec, probe.header, probe.cols, o.cond.columns) : [];
  let columns = o.columns;
  if (!columns) {
    const n = probe.cols;
    columns = globalThis.Array.from({ length: o.dropLabel ? n - 1 : n }, (_, i) => i).filter((j) => !condCols.includes(j));
  }
  const both = columns.find((j) => condCols.includes(j));
  if (both !== undefined) throw new OptionError(`--columns: column ${both} is also a condition column (--cond)`);
  for (const c of columns)
    if (!Number.isInteger(c) || c < 0 || c >= probe.cols) throw new OptionError(`--columns: ${spec} has columns 0…${probe.cols - 1}, got ${c}`);
  const D = columns.length;
  const all = new Float64Array(probe.rows * D);
  for (let r = 0; r < probe.rows; r++) for (let j = 0; j < D; j++) all[r * D + j] = probe.data[r * probe.cols + columns[j]!]!;
  const rows = probe.rows;
  const tf = o.testFraction ?? 0.1;
  if (!(tf >= 0 && tf < 1)) throw new OptionError(`--test-fraction must be in [0, 1), got ${tf}`);
  const nTest = Math.floor(rows * tf);
  if (rows - nTest < 2) throw new DataError(`${spec}: need at least 2 training rows, found ${rows - nTest}`);
  const order = globalThis.Array.from({ length: rows }, (_, i) => i);
  const rng = new Rng((0x1b873593 ^ seed) >>> 0);
  for (let i = rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const pick = (idx: number[]) => {
    const out = new Float64Array(idx.length * D);
    idx.forEach((r, i) => out.set(all.subarray(r * D, (r + 1) * D), i * D));
    return out;
  };
  const train = pick(order.slice(0, rows - nTest));
  const test = pick(order.slice(rows - nTest));
  const nTrain = rows - nTest;
  const conds = o.cond ? readConds(spec, probe, condCols, o.cond, o.condConfig) : undefined;
  const condRows = (idx: ArrayLike<number>): FlowConds => {
    if (!conds) return {};
    if (conds.labels) return { labels: Int32Array.from(idx, (r) => conds.labels![r]!) };
    const C = condCols.length;
    const ctx = new Float64Array(idx.length * C);
    globalThis.Array.from(idx).forEach((r, i) => ctx.set(conds.context!.subarray(r * C, (r + 1) * C), i * C));
    return { context: ctx };
  };
  const trainRows = order.slice(0, rows - nTest);

  let levels = 0;
  if (o.dequantize === "auto" || o.dequantize === undefined) levels = integerLevels(all);
  else if (typeof o.dequantize === "number") {
    levels = o.dequantize;
    if (!Number.isInteger(levels) || levels < 2) throw new OptionError(`--dequantize must be auto, off or a level count ≥ 2, got ${levels}`);
    const seen = integerLevels(all);
    if (seen === 0 || seen > levels) throw new DataError(`${spec}: --dequantize ${levels} needs integer values in 0…${levels - 1}`);
  }
  if (levels > 0 && levels < 2) levels = 0; // a constant-zero table is not quantized data worth dequantizing
  const standardizer = o.standardizer ?? (levels > 0
    ? { mean: new globalThis.Array<number>(D).fill(levels / 2), std: new globalThis.Array<number>(D).fill(levels) }
    : fitStandardizer(train, nTrain, D));
  const z = levels > 0 ? undefined : standardize(train, standardizer);
  /** n training rows (model units) and which training rows they are; the same rng use with or without conditions. */
  const draw = (n: number, r: Rng) => {
    const out = new Float64Array(n * D);
    const picked = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const row = (picked[i] = r.int(nTrain));
      if (z) out.set(z.subarray(row * D, (row + 1) * D), i * D);
      else for (let j = 0; j < D; j++) out[i * D + j] = (train[row * D + j]! + r.uniform() - standardizer.mean[j]!) / standardizer.std[j]!;
    }
    return { x: out, rows: picked };
  };
  return {
    spec,
    kind: "csv",
    dim: D,
    standardizer,
    columns,
    ...(levels > 0 ? { dequantize: { levels } } : {}),
    table: { data: all, rows },
    train,
    test,
    sample: (n, r) => draw(n, r).x,
    ...(conds
      ? {
          cond: conds.config,
          testCond: condRows(order.slice(rows - nTest)),
          sampleCond(n: number, r: Rng) {
            const { x, rows: picked } = draw(n, r);
            return { x, ...condRows(Int32Array.from(picked, (i) => trainRows[i]!)) };
          },
        }
      : {}),
  };
}

/** The 0-based indices of condition columns given by header name or index. */
function condColumns(spec: string, header: string[] | undefined, cols: number, names: string[]): number[] {
  const all = header ?? globalThis.Array.from({ length: cols }, (_, j) => String(j));
  return names.map((name) => {
    let j = all.indexOf(name);
    if (j < 0 && /^\d+$/.test(name)) j = Number(name);
    if (j < 0 || j >= cols) throw new DataError(`${spec}: no column "${name}" for --cond; columns: ${all.join(", ")}`);
    return j;
  });
}

/** Every row's condition: label indices (one integer column, or kind "class") or context rows. */
function readConds(spec: string, t: { data: Float64Array; rows: number; cols: number }, condCols: number[], c: CondSpec, known?: CondConfig) {
  const raw = new Float64Array(t.rows * condCols.length);
  for (let r = 0; r < t.rows; r++) condCols.forEach((j, k) => (raw[r * condCols.length + k] = t.data[r * t.cols + j]!));
  const kind = known?.kind ?? c.kind ?? (condCols.length === 1 && raw.every(Number.isInteger) ? "class" : "context");
  const source = c.columns.join(",");
  if (kind === "context") return { config: { kind, dim: condCols.length, source } as CondConfig, context: raw };
  if (condCols.length !== 1) throw new DataError(`${spec}: class labels come from exactly one column, got ${condCols.length}`);
  const values = globalThis.Array.from(raw, String);
  const classes = known?.kind === "class" ? known.classes : [...new Set(values)].sort((a, b) => Number(a) - Number(b));
  const labels = Int32Array.from(values, (v, i) => {
    const k = classes.indexOf(v);
    if (k < 0) throw new DataError(`${spec}:${i + 2}: label ${v} was not seen in training; known labels: ${classes.join(", ")}`);
    return k;
  });
  return { config: { kind: "class", classes, embedDim: classes.length, source } as CondConfig, labels };
}

/** Dequantized copy of integer data (data units): x + u, u ~ U[0, 1) from `rng`. */
export function dequantize(x: Float64Array, rng: Rng): Float64Array {
  return x.map((v) => v + rng.uniform());
}

/** The image shape for D values: [s, s, 1] when D = s² with s divisible by 4, else undefined. */
export function squareImageShape(D: number): number[] | undefined {
  const s = Math.round(Math.sqrt(D));
  return s * s === D && s % 4 === 0 ? [s, s, 1] : undefined;
}

/**
 * The first `n` rows (all by default) of a parsed CSV table `t` (named `spec` in messages) in data units, in file
 * order, with a model's data columns and, for a conditional model, each row's condition (labels mapped through the
 * saved class list). For evaluation and plots.
 */
export function flowTableRows(t: CsvTable, spec: string, o: { columns?: number[]; cond?: CondConfig; n?: number } = {}): { points: Float64Array; conds?: FlowConds } {
  const condCols = o.cond ? condColumns(spec, t.header, t.cols, (o.cond.source ?? "").split(",")) : [];
  const cols = o.columns ?? globalThis.Array.from({ length: t.cols }, (_, j) => j).filter((j) => !condCols.includes(j));
  const bad = cols.find((c) => c >= t.cols);
  if (bad !== undefined) throw new DataError(`${spec} has ${t.cols} columns but the model uses column ${bad}`);
  const rows = o.n === undefined ? t.rows : Math.min(o.n, t.rows);
  const D = cols.length;
  const points = new Float64Array(rows * D);
  for (let r = 0; r < rows; r++) cols.forEach((c, j) => (points[r * D + j] = t.data[r * t.cols + c]!));
  if (!o.cond) return { points };
  const all = readConds(spec, t, condCols, { columns: (o.cond.source ?? "").split(","), kind: o.cond.kind }, o.cond);
  return { points, conds: all.labels ? { labels: all.labels.slice(0, rows) } : { context: all.context!.slice(0, rows * condCols.length) } };
}
