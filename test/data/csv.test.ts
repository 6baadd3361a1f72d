/** CSV loading: header modes, CRLF/blank lines/whitespace, column selection, gzip, and located error messages. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataError } from "../../src/errors.js";
import { parseCsv } from "../../src/data/index.js";
import { loadCsv, builtinDataPath } from "../../src/node/csv.js";

const dir = mkdtempSync(join(tmpdir(), "flowmatch-csv-"));

/** Asserts `fn` throws a DataError whose message contains every one of `parts`. */
function throwsWith(fn: () => unknown, ...parts: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `not a DataError: ${e}`);
    for (const p of parts) assert.ok(e.message.includes(p), `"${e.message}" lacks "${p}"`);
    return true;
  });
}

test("header: true / false / auto", () => {
  const withHeader = "x,y\n1,2\n3.5,-4e-1\n";
  const t = parseCsv(withHeader, "a.csv", { header: true });
  assert.deepEqual(t, { data: Float64Array.from([1, 2, 3.5, -0.4]), rows: 2, cols: 2, header: ["x", "y"] });
  assert.deepEqual(parseCsv(withHeader, "a.csv"), t, "auto detects the text header");
  const plain = "1,2\n3,4";
  const u = parseCsv(plain, "b.csv", { header: false });
  assert.deepEqual(u, { data: Float64Array.from([1, 2, 3, 4]), rows: 2, cols: 2 });
  assert.deepEqual(parseCsv(plain, "b.csv", { header: "auto" }), u, "auto: numeric first row is data");
  // header: true on a numeric first row uses it as names.
  assert.deepEqual(parseCsv(plain, "b.csv", { header: true }).header, ["1", "2"]);
  // header: false on a text first row reports the text cell.
  throwsWith(() => parseCsv(withHeader, "a.csv", { header: false }), "a.csv:1:1", '"x"');
});

test("CRLF, blank lines, surrounding whitespace, quotes, BOM, missing trailing newline", () => {
  const text = '\uFEFF "a" , b\r\n\r\n 1 ,\t2 \r\n   \r\n"3",4\r\n\r\n';
  const t = parseCsv(text, "w.csv");
  assert.deepEqual(t, { data: Float64Array.from([1, 2, 3, 4]), rows: 2, cols: 2, header: ["a", "b"] });
  assert.deepEqual(parseCsv("1,2\r\n3,4", "w.csv").data, Float64Array.from([1, 2, 3, 4]));
  assert.deepEqual(parseCsv(".5,-.25\n+1E2,7.", "n.csv").data, Float64Array.from([0.5, -0.25, 100, 7]));
});

test("column selection by index and by name; unselected text columns are not parsed", () => {
  const text = "x,label,y\n1,cat,2\n3,dog,4\n";
  const byIndex = parseCsv(text, "c.csv", { columns: [2, 0] });
  assert.deepEqual(byIndex, { data: Float64Array.from([2, 1, 4, 3]), rows: 2, cols: 2, header: ["y", "x"] });
  assert.deepEqual(parseCsv(text, "c.csv", { columns: ["y", "x"] }), byIndex);
  // Without a header, auto looks only at the selected columns.
  const noHeader = parseCsv("1,cat,2\n3,dog,4", "d.csv", { columns: [0, 2] });
  assert.deepEqual(noHeader, { data: Float64Array.from([1, 2, 3, 4]), rows: 2, cols: 2 });
  throwsWith(() => parseCsv(text, "c.csv", { columns: [3] }), "c.csv", "3", "3 columns");
  throwsWith(() => parseCsv(text, "c.csv", { columns: ["z"] }), "c.csv", '"z"', "x, label, y");
  throwsWith(() => parseCsv("1,2", "e.csv", { columns: ["x"], header: false }), "e.csv", "no header");
  throwsWith(() => parseCsv(text, "c.csv", { columns: [0, 1] }), "c.csv:2:2", '"cat"');
});

test("bad cells name file, line, column and the text", () => {
  // Line numbers count the header and blank lines: the bad row below is line 5.
  const bad = (cell: string) => `x,y\n1,2\n\n3,4\n5,${cell}\n`;
  throwsWith(() => parseCsv(bad("abc"), "f.csv"), "f.csv:5:2", "column 2", '"y"', '"abc"');
  throwsWith(() => parseCsv(bad("1.2.3"), "f.csv"), "f.csv:5:2", '"1.2.3"');
  throwsWith(() => parseCsv(bad("0x10"), "f.csv"), "f.csv:5:2", '"0x10"');
  for (const nonFinite of ["nan", "NaN", "inf", "-Infinity"]) {
    throwsWith(() => parseCsv(bad(nonFinite), "f.csv"), "f.csv:5:2", "finite", `"${nonFinite}"`);
  }
  throwsWith(() => parseCsv(bad("1e999"), "f.csv"), "f.csv:5:2", '"1e999"');
  throwsWith(() => parseCsv(bad(" "), "f.csv"), "f.csv:5:2", "empty");
  throwsWith(() => parseCsv("1,2\n,4\n", "g.csv"), "g.csv:2:1", "column 1", "empty");
});

test("ragged rows and empty files", () => {
  const text = "x,y\n1,2\n3,4\n\n\n\n1,2,3\n";
  throwsWith(() => parseCsv(text, "file.csv"), "file.csv:7: expected 2 columns, found 3");
  throwsWith(() => parseCsv("1,2\n3\n", "r.csv"), "r.csv:2: expected 2 columns, found 1");
  throwsWith(() => parseCsv("\n \n", "empty.csv"), "empty.csv", "empty");
  throwsWith(() => parseCsv("x,y\n", "h.csv"), "h.csv", "no data rows");
});

test("loadCsv reads plain and gzipped files and names a missing path", () => {
  const text = "a,b\n1,2\n3,4\n";
  const plain = join(dir, "t.csv");
  writeFileSync(plain, text);
  const gz = join(dir, "t.csv.gz");
  writeFileSync(gz, gzipSync(Buffer.from(text)));
  const expected = { data: Float64Array.from([1, 2, 3, 4]), rows: 2, cols: 2, header: ["a", "b"] };
  assert.deepEqual(loadCsv(plain), expected);
  assert.deepEqual(loadCsv(gz), expected);
  writeFileSync(join(dir, "bad.csv"), "a,b\n1,2\n3,x\n");
  throwsWith(() => loadCsv(join(dir, "bad.csv")), `${join(dir, "bad.csv")}:3:2`, '"x"');
  const missing = join(dir, "nope.csv");
  throwsWith(() => loadCsv(missing), missing, "no such file");
  writeFileSync(join(dir, "fake.csv.gz"), "not gzip");
  throwsWith(() => loadCsv(join(dir, "fake.csv.gz")), "fake.csv.gz", "gzip");
});

test("the built-in digits (data/digits8x8.csv.gz): 1797 rows x 65 columns, pixels 0..16, labels 0..9", () => {
  const path = builtinDataPath("digits")!;
  assert.ok(path && existsSync(path), "data/digits8x8.csv.gz ships with the repository");
  const t = loadCsv(path);
  assert.equal(t.rows, 1797);
  assert.equal(t.cols, 65);
  assert.equal(t.header, undefined);
  const labels = new Set<number>();
  for (let i = 0; i < t.rows; i++) {
    for (let j = 0; j < 64; j++) {
      const v = t.data[i * 65 + j];
      assert.ok(Number.isInteger(v) && v >= 0 && v <= 16);
    }
    labels.add(t.data[i * 65 + 64]);
  }
  assert.deepEqual([...labels].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const pixels = loadCsv(path, { columns: Array.from({ length: 64 }, (_, j) => j) });
  assert.equal(pixels.cols, 64);
  assert.equal(pixels.data[64], t.data[65]);
});
