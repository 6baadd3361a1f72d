/**
 * Training data for both families: a named toy (fresh samples every step, plus a fixed held-out sample) or a
 * numeric table in memory (parsed CSV; files open through `flowmatch/node`), always drawn in model units from the
 * rng passed in, so a resumed run continues exactly. One module gives both families:
 *  - column selection (e.g. dropping a label column) and conditions — class labels or context vectors from CSV
 *    columns (split off the data columns, kept with their rows through the test split), or the mode of 8gaussians;
 *  - a held-out test split (a seeded shuffle; the standardizer is fitted on the training rows only): `test`,
 *    `testCond`, `train`;
 *  - uniform dequantization of integer data: each draw adds u ~ U[0, 1) to every value (levels 0…L−1 become the
 *    continuous [0, L)), then standardizes by mean L/2 and std L, so model units are (x + u)/L − ½; bits/dim use
 *    `bitsPerDim(..., { dequantization: { levels: L, range: L } })`.
 *
 * The families differ only in defaults (`family`): flow matching (`openDataSource`) holds out no rows
 * (`testFraction` 0: held-out rows would leave the training pool and change which rows existing runs draw; opt in
 * with `testFraction`), does not dequantize, and draws rows of the table in file order; normalizing flows
 * (`openFlowData`) hold out 10%, dequantize integer data ("auto") and always shuffle with `seed`.
 *
 * ```ts
 * const toy = openData("8gaussians");                                   // test: 5000 held-out points
 * const table = openData(parseCsv(text, "points.csv"), { testFraction: 0.1, name: "points.csv" });
 * const batch = table.sample(256, new Rng(0));                          // model units
 * ```
 */
import { Rng } from "../engine/rng.js";
import { getToy, isToyName, toyNames } from "./registry.js";
import type { ToyDistribution } from "./toy.js";
import { columnByName, nameList, shortName, type CsvTable } from "./csv.js";
import { fitStandardizer, standardize, standardizerFor, type Standardizer, type StandardizeMode } from "./normalize.js";
import { DataError, OptionError, ShapeError } from "../errors.js";
import type { CondConfig } from "../fm/conditioning.js";
import type { ModelKind } from "../model/density-model.js";

/** Conditions of some rows: label indices (class) or context rows [n, C]. */
export interface Conds {
  labels?: Int32Array;
  context?: Float64Array;
}

export interface DataSource {
  /** The spec it was opened from: a toy name, a file path, or the name given to a table. */
  spec: string;
  kind: "toy" | "csv";
  dim: number;
  /** Maps data to model units; undefined for toys (used as they are). */
  standardizer?: Standardizer;
  /** `n` rows in model (standardized) units, row-major [n, dim]; draws only from `rng`. */
  sample(n: number, rng: Rng): Float64Array;
  /** The toy, when kind is "toy". */
  toy?: ToyDistribution;
  /** The full table (data columns) in original units, when kind is "csv". */
  table?: { data: Float64Array; rows: number };
  /** With conditioning: rows plus their label indices or context vectors (the same rng use as `sample`). */
  sampleCond?(n: number, rng: Rng): { x: Float64Array } & Conds;
  /** The conditioning this source provides (labels' values in index order, or the context width). */
  cond?: CondConfig;
  /** Fixed (noise, data) pairs (reflow): draws n pairs, rows with replacement, in model units. */
  samplePairs?(n: number, rng: Rng): { x0: Float64Array; x1: Float64Array };
  /** Held-out points in data units (integers when dequantized), row-major [n, dim]; empty when none are held out. */
  test?: Float64Array;
  /** Conditions of the held-out points (conditional data). */
  testCond?: Conds;
  /** Training rows in data units (CSV). */
  train?: Float64Array;
  /** Table columns used (CSV). */
  columns?: number[];
  dequantize?: { levels: number };
  /** Event shape [H, W, C] of image data (rows are H·W·C pixels, row-major, channels last). */
  image?: [number, number, number];
}

export interface CondSpec {
  /** CSV column names/indices holding the condition, or "mode" for toys with modes (8gaussians). */
  columns: string[];
  /** "class" (default for one integer-valued column) or "context". */
  kind?: "class" | "context";
  /** Class-embedding width (flow matching; default 16). */
  embedDim?: number;
}

export interface DataOptions {
  /** Whose defaults apply (see the module comment); default "flow-matching". */
  family?: ModelKind;
  /** Table columns to keep (0-based). Default: all but the condition columns (and the last, with `dropLabel`). */
  columns?: number[];
  /** Drop the last column (the 8×8 digits' label); default false. */
  dropLabel?: boolean;
  /** "auto" (integer data with values 0…L−1, L ≤ 256: dequantize with that L), "off", or a level count. */
  dequantize?: "auto" | "off" | number;
  /** Width of the model-unit interval dequantized data fills: 1 (default, [−½, ½)) or 2 for images ([−1, 1)). */
  dequantizeSpan?: number;
  /** Fraction of table rows held out for testing (default 0 for flow matching, 0.1 for flows). */
  testFraction?: number;
  /** Seed of the train/test shuffle and of the toy test sample (default 0). */
  seed?: number;
  /** A saved standardizer to reuse (resume / evaluation), instead of fitting one. */
  standardizer?: Standardizer;
  /** How a table is scaled when no standardizer is given (default "column"); toys are used as drawn. */
  standardize?: StandardizeMode;
  /** Model units are this many times the `standardize` units (default 1; see standardizerFor). */
  dataScale?: number;
  /** Points in a toy's held-out sample (default 5000). */
  toyTestSize?: number;
  /** The table's name in error messages and in `spec` (default "table"). */
  name?: string;
  /** Condition columns (CSV: header names or 0-based indices; toys: "mode") and their kind. */
  cond?: CondSpec;
  /** A saved condition (resume / evaluation): its class list fixes the label indices. */
  condConfig?: CondConfig;
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

/** Opens a toy by name or a parsed table for either family; unknown names list the valid ones. */
export function openData(data: string | CsvTable, o: DataOptions = {}): DataSource {
  if (typeof data !== "string") return openTable(data, o);
  if (!isToyName(data)) {
    throw new DataError(
      `unknown data "${data}": give one of: ${toyNames.join(", ")}, or a table from parseCsv (CSV files open with openDataSource from flowmatch/node)`,
    );
  }
  const toy = getToy(data);
  const src: DataSource = { spec: data, kind: "toy", dim: toy.dim, toy, sample: (n, rng) => toy.sample(n, rng) };
  if (o.cond) attachModeLabels(src, toy, o.cond);
  // The held-out sample comes from its own rng: it changes nothing in the training stream.
  const testRng = new Rng((0x7f4a7c15 ^ ((o.seed ?? 0) + 991)) >>> 0);
  const nTest = o.toyTestSize ?? 5000;
  if (src.sampleCond) {
    const { x, ...testCond } = src.sampleCond(nTest, testRng);
    return { ...src, test: x, testCond };
  }
  return { ...src, test: toy.sample(nTest, testRng) };
}

/** Toys with modes (8gaussians): each sample's label is its nearest mode, 0…M−1 (the modes barely overlap). */
function attachModeLabels(src: DataSource, toy: ToyDistribution, c: CondSpec): void {
  const centers = (toy as { centers?: readonly (readonly [number, number])[] }).centers;
  if (c.columns.length !== 1 || c.columns[0] !== "mode" || !centers) {
    throw new DataError(`${toy.name}: the only condition a toy offers is "mode"${centers ? "" : ", and this toy has no modes"}`);
  }
  src.cond = { kind: "class", classes: centers.map((_, k) => String(k)), embedDim: c.embedDim ?? 16, source: "mode" };
  src.sampleCond = (n, rng) => {
    const x = toy.sample(n, rng);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0, bd = Infinity;
      centers.forEach(([cx, cy], k) => {
        const d = (x[2 * i]! - cx) ** 2 + (x[2 * i + 1]! - cy) ** 2;
        if (d < bd) [bd, best] = [d, k];
      });
      labels[i] = best;
    }
    return { x, labels };
  };
}

function openTable(t: CsvTable, o: DataOptions): DataSource {
  const flow = o.family === "normalizing-flow";
  const spec = o.name ?? "table";
  const condCols = o.cond ? condColumns(spec, t.header, t.cols, o.cond.columns) : [];
  const columns = o.columns ?? Array.from({ length: o.dropLabel ? t.cols - 1 : t.cols }, (_, i) => i).filter((j) => !condCols.includes(j));
  const both = columns.find((j) => condCols.includes(j));
  if (both !== undefined) throw new OptionError(`--columns: column ${both} is also a condition column (--cond)`);
  for (const c of columns)
    if (!Number.isInteger(c) || c < 0 || c >= t.cols) throw new DataError(`${spec}: column index ${c} is out of range (the file has ${t.cols} columns, 0-based)`);
  if (columns.length === 0) throw new DataError(`${spec}: no data columns left after taking the condition columns`);
  const D = columns.length;
  const rows = t.rows;
  const all = pickColumns(t, columns);
  const tf = o.testFraction ?? (flow ? 0.1 : 0);
  if (!(tf >= 0 && tf < 1)) throw new OptionError(`--test-fraction must be in [0, 1), got ${tf}`);
  const nTest = Math.floor(rows * tf);
  const nTrain = rows - nTest;
  if (nTrain < 2) throw new DataError(`${spec}: need at least 2 training rows, found ${nTrain}`);
  // Flow matching without a test split keeps file order, so existing runs draw the same rows as before.
  const order = Array.from({ length: rows }, (_, i) => i);
  if (flow || nTest > 0) {
    const rng = new Rng((0x1b873593 ^ (o.seed ?? 0)) >>> 0);
    for (let i = rows - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  }
  const pick = (idx: number[]) => {
    const out = new Float64Array(idx.length * D);
    idx.forEach((r, i) => out.set(all.subarray(r * D, (r + 1) * D), i * D));
    return out;
  };
  const trainRows = order.slice(0, nTrain);
  const train = pick(trainRows);
  const test = pick(order.slice(nTrain));
  // A saved standardizer (a model's) fixes the dimension: data of another width is refused before any arithmetic.
  if (o.standardizer && o.standardizer.mean.length !== D)
    throw new ShapeError(`${spec} has ${D} data column${D === 1 ? "" : "s"} but the model has dimension ${o.standardizer.mean.length}`);
  const levels = dequantLevels(spec, all, o.dequantize ?? (flow ? "auto" : "off"));
  const standardizer = o.standardizer ?? (levels > 0
    ? { mean: new Array<number>(D).fill(levels / 2), std: new Array<number>(D).fill(levels / (o.dequantizeSpan ?? 1)) }
    : standardizerFor(o.standardize ?? "column", fitStandardizer(train, nTrain, D, { source: spec, columns: t.header ? columns.map((j) => t.header![j]!) : undefined }), o.dataScale ?? 1));
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
  const src: DataSource = {
    spec, kind: "csv", dim: D, standardizer, columns, ...(levels > 0 ? { dequantize: { levels } } : {}),
    table: { data: all, rows }, train, test, sample: (n, r) => draw(n, r).x,
  };
  if (!o.cond) return src;
  const conds = readConds(spec, t, condCols, o.cond, o.condConfig, flow);
  const condRows = (idx: ArrayLike<number>): Conds => {
    if (conds.labels) return { labels: Int32Array.from(idx, (r) => conds.labels![r]!) };
    const C = condCols.length;
    const ctx = new Float64Array(idx.length * C);
    Array.from(idx).forEach((r, i) => ctx.set(conds.context!.subarray(r * C, (r + 1) * C), i * C));
    return { context: ctx };
  };
  return {
    ...src, cond: conds.config, testCond: condRows(order.slice(nTrain)),
    sampleCond(n, r) {
      const { x, rows: picked } = draw(n, r);
      return { x, ...condRows(Int32Array.from(picked, (i) => trainRows[i]!)) };
    },
  };
}

/** The level count to dequantize with (0: none). */
function dequantLevels(spec: string, all: Float64Array, mode: "auto" | "off" | number): number {
  if (mode === "off") return 0;
  if (mode === "auto") {
    const l = integerLevels(all);
    return l >= 2 ? l : 0; // a constant-zero table is not quantized data worth dequantizing
  }
  if (!Number.isInteger(mode) || mode < 2) throw new OptionError(`--dequantize must be auto, off or a level count ≥ 2, got ${mode}`);
  const seen = integerLevels(all);
  if (seen === 0 || seen > mode) throw new DataError(`${spec}: --dequantize ${mode} needs integer values in 0…${mode - 1}`);
  return mode;
}

/** Columns `cols` of the first `t.rows` rows of a row-major table, row-major [rows, cols.length]. */
export function pickColumns(t: { data: Float64Array; rows: number; cols: number }, cols: number[]): Float64Array {
  const out = new Float64Array(t.rows * cols.length);
  for (let i = 0; i < t.rows; i++) cols.forEach((j, k) => (out[i * cols.length + k] = t.data[i * t.cols + j]!));
  return out;
}

/** The 0-based indices of condition columns given by header name or index. */
export function condColumns(spec: string, header: string[] | undefined, cols: number, names: string[]): number[] {
  const all = header ?? Array.from({ length: cols }, (_, j) => String(j));
  return names.map((name) => {
    let j = columnByName(spec, all, name);
    if (j < 0 && /^\d+$/.test(name)) j = Number(name);
    if (j < 0 || j >= cols) throw new DataError(`${spec}: no column "${shortName(name)}"; columns: ${nameList(all)}`);
    return j;
  });
}

/**
 * Every row's condition: label indices (one integer column, or kind "class") or context rows. A saved `known`
 * condition fixes the kind and the label order. Class embeddings: `embedDim` (default 16) for flow matching; flows
 * one-hot encode, so their width is the class count.
 */
export function readConds(spec: string, t: { data: Float64Array; rows: number; cols: number }, condCols: number[], c: CondSpec, known?: CondConfig, flow = true) {
  const raw = pickColumns(t, condCols);
  const kind = known?.kind ?? c.kind ?? (condCols.length === 1 && raw.every(Number.isInteger) ? "class" : "context");
  const source = c.columns.join(",");
  if (kind === "context") return { config: { kind, dim: condCols.length, source } as CondConfig, context: raw };
  if (condCols.length !== 1) throw new DataError(`${spec}: class labels come from exactly one column, got ${condCols.length}`);
  const values = Array.from(raw, String);
  const classes = known?.kind === "class" ? known.classes : [...new Set(values)].sort((a, b) => Number(a) - Number(b));
  const labels = Int32Array.from(values, (v, i) => {
    const k = classes.indexOf(v);
    if (k < 0) throw new DataError(`${spec}:${i + 2}: label ${v} was not seen in training; known labels: ${classes.join(", ")}`);
    return k;
  });
  const embedDim = flow ? classes.length : known?.kind === "class" ? known.embedDim : c.embedDim ?? 16;
  return { config: { kind: "class", classes, embedDim, source } as CondConfig, labels };
}
