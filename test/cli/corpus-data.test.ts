// The bad-input corpus (issue 12), data files: broken CSVs given as --data to train (flow matching and several flow
// architectures), eval and plot. Each case: the exit code, one stderr line naming the file and the row, column or
// shape at fault, no internal error, no hang, and the protected files (checkpoints, data) byte-identical afterwards.
// CRLF line ends and a BOM must work (exit 0).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox } from "../util/cli.js";
import { runCli, runCorpus, type CorpusCase } from "../util/corpus.js";

const { dir } = cliSandbox("flowmatch-corpus-data-");
const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join("\n") + "\n";
const good = (i: number) => `${Math.sin(i).toFixed(4)},${Math.cos(3 * i).toFixed(4)}`;

const FILES: Record<string, string | Buffer> = {
  "d.csv": "x,y\n" + rows(64, good),
  "d3.csv": "a,b,c\n" + rows(64, (i) => `${good(i)},${i % 3}`),
  "ragged.csv": "x,y\n" + rows(10, good) + "1,2,3\n" + rows(5, good),
  "short.csv": "x,y\n" + rows(10, good) + "7\n",
  "text.csv": "x,y\n" + rows(10, good) + "1,abc\n",
  "emptycell.csv": "x,y\n" + rows(10, good) + "1,\n",
  "empty.csv": "",
  "blank.csv": "\n\n  \n",
  "header.csv": "x,y\n",
  "one.csv": "x\n" + rows(20, (i) => String(Math.sin(i))),
  "nan.csv": "x,y\n" + rows(10, good) + "NaN,1\n",
  "inf.csv": "x,y\n" + rows(10, good) + "1,-Infinity\n",
  "e400.csv": "x,y\n" + rows(10, good) + "1e400,1\n",
  "e308.csv": "x,y\n" + rows(10, (i) => `${i % 2 ? 1.7e308 : -1.7e308},${i}`),
  "const.csv": "x,y\n" + rows(20, (i) => `1,${i}`),
  "bom.csv": "\ufeffx,y\n" + rows(64, good),
  "crlf.csv": ("x,y\n" + rows(64, good)).replace(/\n/g, "\r\n"),
  "dup.csv": "x,x\n" + rows(64, good),
  "huge-header.csv": "x".repeat(200_000) + ",y\n" + rows(20, good),
  "garbage.bin": Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % 251)),
  "garbage.csv": Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 40503 + 7) % 256)),
  "quoted.csv": '"x","y"\n' + rows(30, (i) => `"${Math.sin(i).toFixed(3)}","${Math.cos(i).toFixed(3)}"`),
  "semicolon.csv": "x;y\n" + rows(20, (i) => `${i};${i * 2}`),
  "label-text.csv": "x,y,c\n" + rows(30, (i) => `${good(i)},${["a", "b"][i % 2]}`),
  "d3-3d.csv": "a,b,c\n" + rows(40, (i) => `${good(i)},${Math.sin(5 * i).toFixed(4)}`),
};
const PROTECTED = ["ck", "fk", "tk", ...Object.keys(FILES)];

let outs = 0; // every training case writes to its own --out
const fm = (data: string, ...rest: string[]) => ["train", "--data", data, "--steps", "2", "--batch", "8", "--hidden", "4", "--test-points", "0", "--workers", "1", "-q", "--out", `out${++outs}`, ...rest];
const flow = (arch: string, data: string, ...rest: string[]) => ["train", "--model", arch, "--data", data, "--steps", "2", "--batch", "8", "--layers", "1", "--hidden", "4", "-q", "--out", `out${++outs}`, ...rest];
const evalFm = (data: string) => ["eval", "--model", "ck", "--data", data, "--samples", "0", "--method", "rk4", "--steps", "2"];
const evalFlow = (data: string) => ["eval", "--model", "fk", "--data", data, "--samples", "0"];
const plotFm = (data: string) => ["plot", "--model", "ck", "--data", data, "--n", "20", "--trajectories", "2", "--method", "euler", "--steps", "2", "--out", `p-${data}.png`];
const plotFlow = (data: string) => ["plot", "--model", "fk", "--data", data, "--n", "20", "--out", `pf-${data}.png`];

const at = (file: string, line: number, col: number) => new RegExp(`${file.replace(".", "\\.")}:${line}:${col}`);
const cases: CorpusCase[] = [
  // A ragged row: the file, the line and the counts.
  ["train: ragged row", fm("ragged.csv"), 2, /ragged\.csv:12: expected 2 columns, found 3/],
  ["realnvp: ragged row", flow("realnvp", "ragged.csv"), 2, /ragged\.csv:12: expected 2 columns, found 3/],
  ["eval: ragged row", evalFm("ragged.csv"), 2, /ragged\.csv:12: expected 2 columns/],
  ["flow eval: ragged row", evalFlow("ragged.csv"), 2, /ragged\.csv:12: expected 2 columns/],
  ["plot: ragged row", plotFm("ragged.csv"), 2, /ragged\.csv:12: expected 2 columns/],
  ["train: a short last row", fm("short.csv"), 2, /short\.csv:12: expected 2 columns, found 1/],
  ["maf: a short last row", flow("maf", "short.csv"), 2, /short\.csv:12: expected 2 columns, found 1/],
  // A text cell, an empty cell.
  ["train: text cell", fm("text.csv"), 2, /text\.csv:12:2: column 2 \("y"\) is not a number: "abc"/],
  ["nsf: text cell", flow("nsf", "text.csv"), 2, at("text.csv", 12, 2)],
  ["eval: text cell", evalFm("text.csv"), 2, at("text.csv", 12, 2)],
  ["flow plot: text cell", plotFlow("text.csv"), 2, at("text.csv", 12, 2)],
  ["train: empty cell", fm("emptycell.csv"), 2, /emptycell\.csv:12:2: column 2 \("y"\) is empty/],
  ["flow eval: empty cell", evalFlow("emptycell.csv"), 2, /emptycell\.csv:12:2: .* is empty/],
  // Empty, blank, header only.
  ["train: empty file", fm("empty.csv"), 2, /empty\.csv: no data \(the file is empty\)/],
  ["glow: empty file", flow("glow", "empty.csv"), 2, /empty\.csv: no data/],
  ["realnvp: empty file", flow("realnvp", "empty.csv"), 2, /empty\.csv: no data/],
  ["eval: empty file", evalFm("empty.csv"), 2, /empty\.csv: no data/],
  ["flow plot: empty file", plotFlow("empty.csv"), 2, /empty\.csv: no data/],
  ["train: blank lines only", fm("blank.csv"), 2, /blank\.csv: no data/],
  ["train: header only", fm("header.csv"), 2, /header\.csv: no data rows after the header/],
  ["maf: header only", flow("maf", "header.csv"), 2, /header\.csv: no data rows after the header/],
  ["eval: header only", evalFm("header.csv"), 2, /header\.csv: no data rows/],
  ["flow eval: header only", evalFlow("header.csv"), 2, /header\.csv: no data rows/],
  // One column where the model is 2-D; three columns where it is 2-D.
  ["eval: one column for a 2-D model", evalFm("one.csv"), 2, /one\.csv has 1 columns? but the model in ck has dimension 2/],
  ["flow eval: one column for a 2-D flow", evalFlow("one.csv"), 2, /one\.csv has 1 column but the model reads 2 \(columns 0,1, 0-based\)/],
  ["plot: one column for a 2-D model", plotFm("one.csv"), 2, /one\.csv has 1 data column but the model has dimension 2/],
  ["flow plot: one column for a 2-D flow", plotFlow("one.csv"), 2, /one\.csv has 1 column but the model reads 2/],
  ["eval: three columns for a 2-D model", evalFm("d3-3d.csv"), 2, /d3-3d\.csv has 3 columns but the model in ck has dimension 2/],
  ["plot: three columns for a 2-D model", plotFm("d3-3d.csv"), 2, /d3-3d\.csv has 3 data columns but the model has dimension 2/],
  // A model trained on a toy stores no standardizer: the file's width is still checked against the model's.
  ["plot: three columns for a toy-trained 2-D model", ["plot", "--model", "tk", "--data", "d3-3d.csv", "--n", "20", "--out", "p-tk.png"], 2, /d3-3d\.csv has 3 columns but the model has dimension 2/],
  ["plot: one column for a toy-trained 2-D model", ["plot", "--model", "tk", "--data", "one.csv", "--n", "20", "--out", "p-tk1.png"], 2, /one\.csv has 1 columns? but the model has dimension 2/],
  ["eval: three columns for a toy-trained 2-D model", ["eval", "--model", "tk", "--data", "d3-3d.csv", "--samples", "0", "--method", "rk4", "--steps", "2"], 2, /d3-3d\.csv has 3 columns but the model .* has dimension 2/],
  // A flow reads the columns its config saved (glow on digits drops the label column), so wider files work.
  ["flow plot: three columns, the saved two read", plotFlow("d3-3d.csv"), 0, /wrote pf-d3-3d\.csv\.png/],
  ["flow eval: three columns, the saved two read", evalFlow("d3-3d.csv"), 0, /points +40 \(dim 2\)/],
  // NaN, Inf, 1e400 cells.
  ["train: NaN cell", fm("nan.csv"), 2, /nan\.csv:12:1: column 1 \("x"\) must be a finite number, found "NaN"/],
  ["realnvp: NaN cell", flow("realnvp", "nan.csv"), 2, at("nan.csv", 12, 1)],
  ["eval: NaN cell", evalFm("nan.csv"), 2, at("nan.csv", 12, 1)],
  ["flow eval: NaN cell", evalFlow("nan.csv"), 2, at("nan.csv", 12, 1)],
  ["train: -Infinity cell", fm("inf.csv"), 2, /inf\.csv:12:2: .*must be a finite number, found "-Infinity"/],
  ["nsf: -Infinity cell", flow("nsf", "inf.csv"), 2, at("inf.csv", 12, 2)],
  ["plot: -Infinity cell", plotFm("inf.csv"), 2, at("inf.csv", 12, 2)],
  ["train: 1e400 cell", fm("e400.csv"), 2, /e400\.csv:12:1: .*overflows to infinity: "1e400"/],
  ["maf: 1e400 cell", flow("maf", "e400.csv"), 2, at("e400.csv", 12, 1)],
  ["eval: 1e400 cell", evalFm("e400.csv"), 2, at("e400.csv", 12, 1)],
  ["flow plot: 1e400 cell", plotFlow("e400.csv"), 2, at("e400.csv", 12, 1)],
  // Finite values near the float64 limit: the statistics are taken on scaled columns, so these train.
  ["train: ±1.7e308 values", fm("e308.csv"), 0, /^/],
  ["realnvp: ±1.7e308 values", flow("realnvp", "e308.csv"), 0, /test NLL/],
  // A constant column trains (its std is floored), it does not crash.
  ["train: a constant column", fm("const.csv"), 0, /^/],
  // A BOM and CRLF line ends work.
  ["train: BOM", fm("bom.csv"), 0, /^/],
  ["realnvp: BOM", flow("realnvp", "bom.csv"), 0, /test NLL/],
  ["eval: BOM", evalFm("bom.csv"), 0, /points +64 \(dim 2\)/],
  ["train: CRLF", fm("crlf.csv"), 0, /^/],
  ["maf: CRLF", flow("maf", "crlf.csv"), 0, /test NLL/],
  ["eval: CRLF", evalFm("crlf.csv"), 0, /points +64 \(dim 2\)/],
  ["flow eval: CRLF", evalFlow("crlf.csv"), 0, /points +64 \(dim 2\)/],
  ["plot: CRLF", plotFm("crlf.csv"), 0, /wrote p-crlf\.csv\.png/],
  ["train: quoted cells", fm("quoted.csv"), 0, /^/],
  // Duplicate header names: refused where columns are picked by name, fine where they are not.
  ["train --cond on a duplicate name", fm("dup.csv", "--cond", "x"), 2, /dup\.csv: the header names column "x" 2 times \(columns 0, 1, 0-based\)/],
  ["realnvp --cond on a duplicate name", flow("realnvp", "dup.csv", "--cond", "x"), 2, /dup\.csv: the header names column "x" 2 times/],
  ["train on duplicate names", fm("dup.csv"), 0, /^/],
  // A huge header (200 kB name): one line, no echo of the whole name.
  ["train --cond on a huge header", fm("huge-header.csv", "--cond", "z"), 2, /^flowmatch train: huge-header\.csv: no column "z"; columns: x{37}…, y$/],
  ["train on a huge header", fm("huge-header.csv"), 0, /^/],
  // Binary garbage.
  ["train: binary garbage (.bin)", fm("garbage.bin"), 2, /garbage\.bin/],
  ["train: binary garbage (.csv)", fm("garbage.csv"), 2, /garbage\.csv:\d+/],
  ["realnvp: binary garbage", flow("realnvp", "garbage.csv"), 2, /garbage\.csv:\d+/],
  ["eval: binary garbage", evalFm("garbage.csv"), 2, /garbage\.csv:\d+/],
  ["flow eval: binary garbage", evalFlow("garbage.bin"), 2, /garbage\.bin/],
  // Other separators, text labels.
  ["train: semicolons", fm("semicolon.csv"), 2, /semicolon\.csv:\d+(:\d+)?: .*(not a number|separator|comma)/],
  ["train: a text label column", fm("label-text.csv"), 2, /label-text\.csv:2:3: column 3 \("c"\) is not a number: "a"/],
  ["train --cond on a text label column", fm("label-text.csv", "--cond", "c"), 2, /label-text\.csv:2:3: .*not a number/],
  // A folder, a missing file, a name that is neither a toy nor a file.
  ["train --data a folder", fm("adir"), 2, /adir: is a folder, not a CSV file/],
  ["realnvp --data a folder", flow("realnvp", "adir"), 2, /adir: is a folder/],
  ["eval --data a folder", evalFm("adir"), 2, /adir: is a folder/],
  ["flow plot --data a folder", plotFlow("adir"), 2, /adir: is a folder/],
  ["train --data a missing file", fm("missing.csv"), 2, /missing\.csv: no such file/],
  ["glow --data a missing file", flow("glow", "missing.csv"), 2, /missing\.csv: no such file/],
  ["eval --data a missing file", evalFm("missing.csv"), 2, /missing\.csv: no such file/],
  ["flow eval --data a missing file", evalFlow("missing.csv"), 2, /missing\.csv: no such file/],
  ["plot --data a missing file", plotFm("missing.csv"), 2, /missing\.csv: no such file/],
  ["train --data an unknown toy", fm("moonz"), 2, /unknown data "moonz": give a CSV file path or one of: .*moons/],
  ["eval --data an unknown toy", evalFm("moonz"), 2, /moonz.*moons/],
  ["flow train --data ''", flow("realnvp", ""), 2, /--data/],
  ["train --data ''", fm(""), 2, /--data/],
];

test(`data corpus: ${cases.length} broken files across train, eval and plot`, async () => {
  for (const [name, body] of Object.entries(FILES)) writeFileSync(join(dir, name), body);
  mkdirSync(join(dir, "adir"));
  writeFileSync(join(dir, "adir", "x.csv"), "x,y\n1,2\n");
  let r = await runCli(dir, ["train", "--data", "d.csv", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "ck"]);
  assert.equal(r.code, 0, r.err);
  r = await runCli(dir, ["train", "--data", "8gaussians", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "tk"]);
  assert.equal(r.code, 0, r.err);
  r = await runCli(dir, ["train", "--model", "realnvp", "--data", "d.csv", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q", "--out", "fk"]);
  assert.equal(r.code, 0, r.err);
  await runCorpus(dir, PROTECTED, cases);
});
