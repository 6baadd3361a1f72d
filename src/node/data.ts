/**
 * Data sources that may be files (Node): the core's `openDataSource`/`openFlowData` (toys, parsed tables) plus CSV
 * paths and built-in data set names, read with `loadCsv`. `spec` is what a user types after `--data`.
 *
 * @example
 * ```ts
 * import { openDataSource } from "flowmatch/node";
 * const data = openDataSource("points.csv.gz"); // or "moons", or "digits"
 * ```
 */
import { DataError } from "../errors.js";
import { toyNames, isToyName } from "../data/registry.js";
import type { CsvTable } from "../data/csv.js";
import { openDataSource as openCore, type DataSource, type DataSourceOptions } from "../data/data-source.js";
import { openFlowData as openFlowCore, type FlowDataOptions, type FlowDataSource } from "../data/flow-data.js";
import { isCsvSpec, loadCsv } from "./csv.js";

/** The error for a --data that is neither a toy nor a CSV file: it lists the toys. */
export function unknownDataError(spec: string): DataError {
  return new DataError(`unknown data "${spec}": give a CSV file path or one of: ${toyNames.join(", ")}`);
}

/** Opens a toy, a CSV file (path or built-in name) or a parsed table; unknown names list the valid ones. */
export function openDataSource(spec: string | CsvTable, opts: DataSourceOptions = {}): DataSource {
  if (typeof spec !== "string" || isToyName(spec)) return openCore(spec, opts);
  if (!isCsvSpec(spec)) throw unknownDataError(spec);
  // Column selection while parsing lets unselected columns hold text (a condition picks by header instead).
  const select = opts.columns && !opts.cond;
  const table = loadCsv(spec, select ? { columns: opts.columns! } : {});
  return openCore(table, { ...opts, columns: undefined, name: spec });
}

/** `openFlowData` for toys, CSV files (path or built-in name) and parsed tables. */
export function openFlowData(spec: string | CsvTable, o: FlowDataOptions = {}): FlowDataSource {
  if (typeof spec !== "string" || isToyName(spec)) return openFlowCore(spec, o);
  if (!isCsvSpec(spec)) throw unknownDataError(spec);
  return openFlowCore(loadCsv(spec), { ...o, name: spec });
}
