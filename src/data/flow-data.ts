/**
 * Normalizing flows' names for the one data layer (data.ts): `openFlowData` is `openData` with the flows' defaults
 * (a 10% test split, dequantization of integer data, a seeded shuffle), plus helpers for images and evaluation.
 * Files open through `openFlowData` from `flowmatch/node`.
 */
import type { Rng } from "../engine/rng.js";
import type { CsvTable } from "./csv.js";
import { DataError } from "../errors.js";
import type { CondConfig } from "../fm/conditioning.js";
import { openData, condColumns, readConds, pickColumns, type DataOptions, type DataSource, type Conds } from "./source.js";

export { integerLevels } from "./source.js";

export type FlowDataOptions = Omit<DataOptions, "family">;
/** Conditions of some rows (the shared `Conds`). */
export type FlowConds = Conds;
/** A data source with its held-out points. */
export type FlowDataSource = DataSource & { test: Float64Array };

/** Opens a toy by name or a parsed table for flow training; unknown names list the valid ones. */
export function openFlowData(data: string | CsvTable, o: FlowDataOptions = {}): FlowDataSource {
  return openData(data, { ...o, family: "normalizing-flow" }) as FlowDataSource;
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
export function flowTableRows(t: CsvTable, spec: string, o: { columns?: number[]; cond?: CondConfig; n?: number } = {}): { points: Float64Array; conds?: FlowConds; dim: number } {
  const condCols = o.cond ? condColumns(spec, t.header, t.cols, (o.cond.source ?? "").split(",")) : [];
  const cols = o.columns ?? Array.from({ length: t.cols }, (_, j) => j).filter((j) => !condCols.includes(j));
  const bad = cols.find((c) => c >= t.cols);
  if (bad !== undefined) throw new DataError(`${spec} has ${t.cols} column${t.cols === 1 ? "" : "s"} but the model reads ${cols.length} (columns ${cols.join(",")}, 0-based)`);
  // Saved data columns that land on this file's condition column: a file laid out otherwise than the training one.
  const clash = cols.find((c) => condCols.includes(c));
  if (clash !== undefined) throw new DataError(`${spec}: column ${clash + 1} (${JSON.stringify(t.header?.[clash] ?? String(clash))}) is the condition column, but the model reads it as data (columns ${cols.join(",")}, 0-based, as in training)`);
  const rows = o.n === undefined ? t.rows : Math.min(o.n, t.rows);
  const points = pickColumns({ data: t.data, rows, cols: t.cols }, cols);
  const dim = cols.length;
  if (!o.cond) return { points, dim };
  const all = readConds(spec, t, condCols, { columns: (o.cond.source ?? "").split(","), kind: o.cond.kind }, o.cond);
  return { points, dim, conds: all.labels ? { labels: all.labels.slice(0, rows) } : { context: all.context!.slice(0, rows * condCols.length) } };
}
