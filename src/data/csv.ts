/**
 * Numeric CSV loading for training data. Strict on purpose: a bad cell is reported as `file:line:column` with the
 * offending text instead of silently becoming NaN or 0 (JavaScript's `Number("")` is 0), because one bad value
 * poisons a whole training run. Supported: comma separators, whitespace around cells, one pair of double quotes
 * around a cell (no commas inside quotes), `\n` or `\r\n`, blank lines (skipped), a UTF-8 BOM. Files (and gzip) are
 * read by `loadCsv` from `flowmatch/node`; this module parses text and runs anywhere.
 */
import { DataError } from "../errors.js";

export interface CsvOptions {
  /**
   * Whether the first non-blank line names the columns. "auto" (default): it does if any of its selected cells is
   * text, i.e. neither a number, nor empty, nor a NaN/Infinity spelling (those are reported as bad data instead).
   */
  header?: boolean | "auto";
  /**
   * Columns to keep, in this order: 0-based indices, or header names when the file has a header. Cells of the other
   * columns are not parsed (so a text label column can be skipped) but every row must still have all columns.
   */
  columns?: readonly (number | string)[];
}

/** A numeric table, row-major `[rows, cols]`. */
export interface CsvTable {
  data: Float64Array;
  rows: number;
  cols: number;
  /** Names of the kept columns, present when the file had a header. */
  header?: string[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

function cellText(raw: string): string {
  const t = raw.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

/** True for header-like text: not a number, not empty, not a NaN/Infinity spelling. */
function isText(cell: string): boolean {
  return cell !== "" && !NUMBER.test(cell) && !NON_FINITE.test(cell);
}

/** Parses CSV `text`; `fileName` is used only in error messages. */
export function parseCsv(text: string, fileName: string, opts: CsvOptions = {}): CsvTable {
  const lines = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r?\n/);
  const firstIdx = lines.findIndex((l) => l.trim() !== "");
  if (firstIdx < 0) throw new DataError(`${fileName}: no data (the file is empty)`);

  const first = lines[firstIdx].split(",").map(cellText);
  const ncols = first.length;
  const headerOpt = opts.header ?? "auto";
  let hasHeader: boolean;
  if (headerOpt !== "auto") hasHeader = headerOpt;
  else if (opts.columns?.some((c) => typeof c === "string")) hasHeader = true; // names imply a header
  else {
    const looked = (opts.columns as readonly number[] | undefined) ?? first.map((_, j) => j);
    hasHeader = looked.some((j) => j >= 0 && j < ncols && isText(first[j]));
  }
  const names = hasHeader ? first : undefined;
  const keep = resolveColumns(opts.columns, ncols, names, fileName);
  const cols = keep.length;

  const values: number[] = [];
  let rows = 0;
  for (let i = hasHeader ? firstIdx + 1 : firstIdx; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const lineNo = i + 1;
    const cells = line.split(",");
    if (cells.length !== ncols) {
      throw new DataError(`${fileName}:${lineNo}: expected ${ncols} columns, found ${cells.length}`);
    }
    for (const j of keep) values.push(parseCell(cells[j], fileName, lineNo, j, names));
    rows++;
  }
  if (rows === 0) throw new DataError(`${fileName}: no data rows${hasHeader ? " after the header" : ""}`);
  const table: CsvTable = { data: Float64Array.from(values), rows, cols };
  if (names) table.header = keep.map((j) => names[j]);
  return table;
}

function parseCell(raw: string, file: string, line: number, j: number, names: string[] | undefined): number {
  const cell = cellText(raw);
  const where = `${file}:${line}:${j + 1}: column ${j + 1}${names ? ` ("${names[j]}")` : ""}`;
  if (cell === "") throw new DataError(`${where} is empty`);
  if (NON_FINITE.test(cell)) throw new DataError(`${where} must be a finite number, found "${cell}"`);
  if (!NUMBER.test(cell)) throw new DataError(`${where} is not a number: "${cell}"`);
  const v = Number(cell);
  if (!Number.isFinite(v)) throw new DataError(`${where} overflows to infinity: "${cell}"`);
  return v;
}

function resolveColumns(
  columns: readonly (number | string)[] | undefined,
  ncols: number,
  names: string[] | undefined,
  file: string,
): number[] {
  if (columns === undefined) return Array.from({ length: ncols }, (_, j) => j);
  if (columns.length === 0) throw new DataError(`${file}: the column selection is empty`);
  return columns.map((c) => {
    if (typeof c === "number") {
      if (!Number.isInteger(c) || c < 0 || c >= ncols) {
        throw new DataError(`${file}: column index ${c} is out of range (the file has ${ncols} columns, 0-based)`);
      }
      return c;
    }
    if (names === undefined) throw new DataError(`${file}: column "${c}" selected by name but the file has no header`);
    const j = columnByName(file, names, c);
    if (j < 0) throw new DataError(`${file}: no column named "${shortName(c)}"; the header has: ${nameList(names)}`);
    return j;
  });
}

/**
 * The index of header name `name` in `names` (−1 if absent). A name the header holds more than once is a
 * DataError: picking the first would silently train on a column the user may not have meant.
 */
export function columnByName(file: string, names: readonly string[], name: string): number {
  const j = names.indexOf(name);
  const count = names.filter((n) => n === name).length;
  if (count > 1) throw new DataError(`${file}: the header names column "${shortName(name)}" ${count} times (columns ${names.flatMap((n, k) => (n === name ? [k] : [])).join(", ")}, 0-based); select it by index or rename it`);
  return j;
}

/** A header name for a message: at most 40 characters (a 200 kB header cell must not become a 200 kB line). */
export function shortName(name: string): string {
  return name.length > 40 ? `${name.slice(0, 37)}…` : name;
}

/** Header names for a message: the first 20, each shortened, and how many more. */
export function nameList(names: readonly string[]): string {
  const shown = names.slice(0, 20).map(shortName).join(", ");
  return names.length > 20 ? `${shown}, … (${names.length - 20} more)` : shown;
}

/**
 * Row-major `[n, dim]` values as CSV text: a header (`x0,x1,…` unless `header` names the columns), then one line per
 * row with each value printed in full (`String(x)`, so parsing it back gives the same float64).
 *
 * @example
 * ```ts
 * toCsv(Float64Array.from([1, 2, 3, 4]), 2); // "x0,x1\n1,2\n3,4\n"
 * ```
 */
export function toCsv(data: Float64Array, dim: number, header?: readonly string[]): string {
  if (!Number.isInteger(dim) || dim < 1 || data.length % dim !== 0) throw new DataError(`toCsv: ${data.length} values do not make rows of ${dim}`);
  if (header && header.length !== dim) throw new DataError(`toCsv: ${header.length} column names for ${dim} columns`);
  const rows: string[] = [(header ?? Array.from({ length: dim }, (_, j) => `x${j}`)).join(",")];
  for (let i = 0; i < data.length / dim; i++) rows.push(Array.from(data.subarray(i * dim, (i + 1) * dim), String).join(","));
  return rows.join("\n") + "\n";
}
