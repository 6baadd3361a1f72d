/**
 * CSV files (Node): read, gunzip when the name ends in `.gz`, and parse with the core's `parseCsv`. Built-in data
 * set names (`digits`) resolve to files shipped in the package's data/ folder.
 *
 * @example
 * ```ts
 * import { loadCsv } from "flowmatch/node";
 * const t = loadCsv("digits"); // { data: Float64Array, rows: 1797, cols: 65 }
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { DataError } from "../errors.js";
import { parseCsv, type CsvOptions, type CsvTable } from "../data/csv.js";

/** Data sets that ship with the package (in its data/ folder), usable by name wherever a CSV path is accepted. */
export const BUILTIN_DATASETS: Readonly<Record<string, string>> = Object.freeze({ digits: "digits8x8.csv.gz" });

/** The file behind a built-in data set name (e.g. "digits"), or undefined for any other string. */
export function builtinDataPath(name: string): string | undefined {
  const file = BUILTIN_DATASETS[name];
  // src/node/ and dist/node/ both sit two levels below the package root.
  return file === undefined ? undefined : fileURLToPath(new URL(`../../data/${file}`, import.meta.url));
}

/** Whether `spec` names a CSV file: a built-in data set, a .csv(.gz) name, a path, or an existing file. */
export function isCsvSpec(spec: string): boolean {
  return builtinDataPath(spec) !== undefined || /\.csv(\.gz)?$/i.test(spec) || spec.includes("/") || existsSync(spec);
}

/** Reads and parses a CSV file; a path ending in `.gz` is gunzipped first. Errors name `path`. */
export function loadCsv(spec: string, opts: CsvOptions = {}): CsvTable {
  const path = builtinDataPath(spec) ?? spec;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new DataError(`${path}: no such file`);
    if (code === "EISDIR") throw new DataError(`${path}: is a folder, not a CSV file`);
    throw new DataError(`${path}: cannot read the file (${(err as Error).message})`);
  }
  if (path.endsWith(".gz")) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataError(`${path}: not a valid gzip file (${(err as Error).message})`);
    }
  }
  return parseCsv(bytes.toString("utf8"), path, opts);
}
