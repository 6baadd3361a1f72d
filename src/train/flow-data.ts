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
 * Batches come back in model units, drawn only from the rng passed in (so a resumed run continues exactly).
 */
import { Rng } from "../engine/rng.js";
import { getToy, isToyName, toyNames } from "../data/registry.js";
import type { CsvTable } from "../data/csv.js";
import { fitStandardizer, standardize, type Standardizer } from "../data/normalize.js";
import { DataError, OptionError } from "../errors.js";
import type { DataSource } from "./data-source.js";

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
}

export interface FlowDataSource extends DataSource {
  /** Columns used (CSV). */
  columns?: number[];
  dequantize?: { levels: number };
  /** Held-out points in data units (integers when dequantized), row-major [n, dim]. */
  test: Float64Array;
  /** Training rows in data units (CSV). */
  train?: Float64Array;
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
    const test = toy.sample(o.toyTestSize ?? 5000, new Rng((0x7f4a7c15 ^ (seed + 991)) >>> 0));
    return { spec, kind: "toy", dim: toy.dim, toy, sample: (n, rng) => toy.sample(n, rng), test };
  }
  const spec = o.name ?? "table";
  const probe = data;
  let columns = o.columns;
  if (!columns) {
    const n = probe.cols;
    columns = globalThis.Array.from({ length: o.dropLabel ? n - 1 : n }, (_, i) => i);
  }
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
    sample(n, r) {
      const out = new Float64Array(n * D);
      for (let i = 0; i < n; i++) {
        const row = r.int(nTrain);
        if (z) out.set(z.subarray(row * D, (row + 1) * D), i * D);
        else for (let j = 0; j < D; j++) out[i * D + j] = (train[row * D + j]! + r.uniform() - standardizer.mean[j]!) / standardizer.std[j]!;
      }
      return out;
    },
  };
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
