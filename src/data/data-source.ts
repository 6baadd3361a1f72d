/**
 * Flow matching's name for the one data layer (data.ts): `openDataSource` is `openData` with flow matching's
 * defaults (no test split unless `testFraction` is given, no dequantization, table rows in file order), so existing
 * runs draw exactly the rows they drew before. CSV files open through `openDataSource` from `flowmatch/node`.
 *
 * @example
 * ```ts
 * const toy = openDataSource("8gaussians");
 * const table = openDataSource(parseCsv("x,y\n0,1\n2,3\n4,5\n", "points.csv"), { name: "points.csv" });
 * ```
 */
import type { CsvTable } from "./csv.js";
import { openData, type DataOptions, type DataSource } from "./source.js";

export type { DataSource, CondSpec, Conds } from "./source.js";

export type DataSourceOptions = Omit<DataOptions, "family">;

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
  return openData(spec, { ...opts, family: "flow-matching" });
}
