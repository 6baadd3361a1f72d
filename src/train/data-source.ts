/**
 * Where training batches come from: a named toy distribution (fresh samples every step) or a numeric table in
 * memory (rows drawn with replacement), always in standardized units. CSV files open through `openDataSource` from
 * `flowmatch/node`, which reads the file and hands the parsed table to this one.
 *
 * @example
 * ```ts
 * const toy = openDataSource("8gaussians");
 * const table = openDataSource(parseCsv("x,y\n0,1\n2,3\n", "points.csv"), { name: "points.csv" });
 * ```
 */
import type { Rng } from "../engine/rng.js";
import { getToy, isToyName, toyNames } from "../data/registry.js";
import type { ToyDistribution } from "../data/toy.js";
import type { CsvTable } from "../data/csv.js";
import { fitStandardizer, standardize, type Standardizer } from "../data/normalize.js";
import { DataError } from "../errors.js";
import type { CondConfig } from "../model/conditioning.js";

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
  /** The full table in original units, when kind is "csv". */
  table?: { data: Float64Array; rows: number };
  /** With conditioning: rows plus their label indices or context vectors (same rng use as `sample` plus nothing). */
  sampleCond?(n: number, rng: Rng): { x: Float64Array; labels?: Int32Array; context?: Float64Array };
  /** The conditioning this source provides (labels' values in index order, or the context width). */
  cond?: CondConfig;
  /** Fixed (noise, data) pairs (reflow): draws n pairs, rows with replacement, in model units. */
  samplePairs?(n: number, rng: Rng): { x0: Float64Array; x1: Float64Array };
}

export interface CondSpec {
  /** CSV column names/indices holding the condition, or "mode" for toys with modes (8gaussians). */
  columns: string[];
  /** "class" (default for one integer-valued column) or "context". */
  kind?: "class" | "context";
  /** Class-embedding width (default 16). */
  embedDim?: number;
}

export interface DataSourceOptions {
  /** Reuse a saved standardizer (resume, evaluation) instead of fitting one. */
  standardizer?: Standardizer;
  /** Table columns to keep (0-based), when there is no condition. */
  columns?: number[];
  /** Condition columns (or "mode" for toys with modes). */
  cond?: CondSpec;
  /** The saved condition of a resumed run (keeps label order and embedding width). */
  condConfig?: CondConfig;
  /** The table's name in error messages and in `DataSource.spec` (default "table"). */
  name?: string;
}

/**
 * Opens a toy by name, or a parsed table (see `parseCsv`); unknown names list the valid ones. (flowmatch/node's
 * `openDataSource` also takes CSV paths and built-in data sets such as "digits".)
 *
 * @example
 * ```ts
 * const data = openDataSource("8gaussians");
 * const table = openDataSource(parseCsv(text, "points.csv"), { cond: { columns: ["label"] } }); // class-conditional
 * ```
 */
export function openDataSource(spec: string | CsvTable, opts: DataSourceOptions = {}): DataSource {
  if (typeof spec !== "string") return tableSource(spec, opts.name ?? "table", opts);
  if (isToyName(spec)) {
    const toy = getToy(spec);
    const src: DataSource = { spec, kind: "toy", dim: toy.dim, toy, sample: (n, rng) => toy.sample(n, rng) };
    if (opts.cond) attachModeLabels(src, toy, opts.cond);
    return src;
  }
  throw new DataError(
    `unknown data "${spec}": give one of: ${toyNames.join(", ")}, or a table from parseCsv (CSV files open with openDataSource from flowmatch/node)`,
  );
}

function tableSource(table: CsvTable, spec: string, opts: DataSourceOptions): DataSource {
  if (opts.cond) return openConditionalCsv(table, spec, opts.cond, opts.standardizer, opts.condConfig);
  const t = opts.columns ? selectColumns(table, opts.columns, spec) : table;
  if (t.rows < 2) throw new DataError(`${spec}: need at least 2 data rows, found ${t.rows}`);
  const s = opts.standardizer ?? fitStandardizer(t.data, t.rows, t.cols);
  const z = standardize(t.data, s);
  const dim = t.cols;
  return {
    spec,
    kind: "csv",
    dim,
    standardizer: s,
    table: { data: t.data, rows: t.rows },
    sample(n, rng) {
      const out = new Float64Array(n * dim);
      for (let i = 0; i < n; i++) {
        const r = rng.int(t.rows);
        for (let j = 0; j < dim; j++) out[i * dim + j] = z[r * dim + j];
      }
      return out;
    },
  };
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

/** The table's `columns` (0-based), in that order. */
function selectColumns(t: CsvTable, columns: number[], spec: string): CsvTable {
  for (const c of columns) {
    if (!Number.isInteger(c) || c < 0 || c >= t.cols) {
      throw new DataError(`${spec}: column index ${c} is out of range (the file has ${t.cols} columns, 0-based)`);
    }
  }
  const data = new Float64Array(t.rows * columns.length);
  for (let i = 0; i < t.rows; i++) columns.forEach((j, k) => (data[i * columns.length + k] = t.data[i * t.cols + j]!));
  return { data, rows: t.rows, cols: columns.length, ...(t.header ? { header: columns.map((j) => t.header![j]!) } : {}) };
}

/** A table whose condition columns (by header name or 0-based index) are split off the data columns. */
function openConditionalCsv(t: CsvTable, spec: string, c: CondSpec, standardizer?: Standardizer, known?: CondConfig): DataSource {
  const names = t.header ?? Array.from({ length: t.cols }, (_, j) => String(j));
  const condCols = c.columns.map((name) => {
    let j = names.indexOf(name);
    if (j < 0 && /^\d+$/.test(name)) j = Number(name);
    if (j < 0 || j >= t.cols) throw new DataError(`${spec}: no column "${name}"; columns: ${names.join(", ")}`);
    return j;
  });
  const dataCols = names.map((_, j) => j).filter((j) => !condCols.includes(j));
  if (dataCols.length === 0) throw new DataError(`${spec}: no data columns left after taking the condition columns`);
  const pick = (cols: number[]) => {
    const out = new Float64Array(t.rows * cols.length);
    for (let i = 0; i < t.rows; i++) cols.forEach((j, k) => (out[i * cols.length + k] = t.data[i * t.cols + j]!));
    return out;
  };
  const raw = pick(dataCols);
  const condRaw = pick(condCols);
  const dim = dataCols.length;
  const kind = c.kind ?? (condCols.length === 1 && condRaw.every(Number.isInteger) ? "class" : "context");
  let cond: CondConfig;
  let labels: Int32Array | undefined;
  if (kind === "class") {
    if (condCols.length !== 1) throw new DataError(`${spec}: class labels come from exactly one column, got ${condCols.length}`);
    const values = Array.from(condRaw, (v) => String(v));
    const classes = known?.kind === "class" ? known.classes : [...new Set(values)].sort((a, b) => Number(a) - Number(b));
    labels = Int32Array.from(values, (v, i) => {
      const k = classes.indexOf(v);
      if (k < 0) throw new DataError(`${spec}:${i + 2}: label ${v} was not seen in training; known labels: ${classes.join(", ")}`);
      return k;
    });
    cond = { kind: "class", classes, embedDim: known?.kind === "class" ? known.embedDim : c.embedDim ?? 16, source: c.columns.join(",") };
  } else {
    cond = { kind: "context", dim: condCols.length, source: c.columns.join(",") };
  }
  const s = standardizer ?? fitStandardizer(raw, t.rows, dim);
  const z = standardize(raw, s);
  const draw = (n: number, rng: Rng) => {
    const x = new Float64Array(n * dim);
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const r = rng.int(t.rows);
      rows[i] = r;
      for (let j = 0; j < dim; j++) x[i * dim + j] = z[r * dim + j]!;
    }
    return { x, rows };
  };
  return {
    spec, kind: "csv", dim, standardizer: s, table: { data: raw, rows: t.rows }, cond,
    sample: (n, rng) => draw(n, rng).x,
    sampleCond(n, rng) {
      const { x, rows } = draw(n, rng);
      if (labels) return { x, labels: Int32Array.from(rows, (r) => labels![r]!) };
      const C = condCols.length;
      const context = new Float64Array(n * C);
      rows.forEach((r, i) => context.set(condRaw.subarray(r * C, (r + 1) * C), i * C));
      return { x, context };
    },
  };
}
