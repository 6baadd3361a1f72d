/**
 * train's --standardize and --time-embedding (issue 13's plain recipe): saved in the checkpoint, the likelihood in
 * data units still a density (exp(log q) from `eval --logp-out` integrates to ≈ 1 on a grid, for the global and the
 * identity scaling), refused on a --resume conflict and, for --standardize, with a toy.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toCsv } from "../../src/data/index.js";
import { Rng } from "../../src/engine/rng.js";
import { cliSandbox, assertOneLineError } from "../util/cli.js";

const { dir, cli } = cliSandbox("fm-switches-");

// Anisotropic data off the origin: column std 2 and 0.5, so the three scalings differ.
const r = new Rng(5);
const rows = 3000;
const data = new Float64Array(2 * rows);
for (let i = 0; i < rows; i++) [data[2 * i], data[2 * i + 1]] = [1 + 2 * r.normal(), -1 + 0.5 * r.normal()];
writeFileSync(join(dir, "d.csv"), toCsv(data, 2, ["x", "y"]));
const colStd = [0, 1].map((j) => {
  let m = 0, v = 0;
  for (let i = 0; i < rows; i++) m += data[2 * i + j]! / rows;
  for (let i = 0; i < rows; i++) v += (data[2 * i + j]! - m) ** 2 / rows;
  return Math.sqrt(v);
});

// A midpoint grid over [−8, 10] × [−10, 8], step 0.3: wide enough for an early model, fine for its smooth density.
const H = 0.3, K = 60;
const grid = new Float64Array(2 * K * K);
for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) [grid[2 * (i * K + j)], grid[2 * (i * K + j) + 1]] = [-8 + (i + 0.5) * H, -10 + (j + 0.5) * H];
writeFileSync(join(dir, "grid.csv"), toCsv(grid, 2, ["x", "y"]));

function trainedMass(out: string): number {
  const e = cli("eval", "--model", out, "--data", "grid.csv", "--logp-out", `${out}.logq.csv`, "--samples", "0");
  assert.equal(e.code, 0, e.err);
  const lq = readFileSync(join(dir, `${out}.logq.csv`), "utf8").trim().split("\n").slice(1).map(Number);
  assert.equal(lq.length, K * K);
  return lq.reduce((s, v) => s + Math.exp(v), 0) * H * H;
}

const config = (out: string) => JSON.parse(readFileSync(join(dir, out, "config.json"), "utf8"));

test("--standardize global --time-embedding none: saved, one RMS std, density integrates to 1", () => {
  const t = cli("train", "--data", "d.csv", "--steps", "30", "--batch", "128", "--hidden", "32,32", "--standardize", "global", "--data-scale", "1", "--time-embedding", "none", "--out", "g", "--test-points", "0", "-q");
  assert.equal(t.code, 0, t.err);
  const c = config("g");
  assert.equal(c.model.standardize, "global");
  assert.deepEqual(c.model.net.time, { kind: "none" });
  const rms = Math.sqrt((colStd[0]! ** 2 + colStd[1]! ** 2) / 2);
  for (const s of c.model.standardizer.std) assert.ok(Math.abs(s / rms - 1) < 1e-9, `${s} vs ${rms}`);
  const z = trainedMass("g");
  assert.ok(Math.abs(z - 1) < 0.02, `∫q = ${z}`);
});

test("--standardize none --data-scale 1: the identity standardizer, density integrates to 1; column 1 writes the 0.1 config", () => {
  const t = cli("train", "--data", "d.csv", "--steps", "30", "--batch", "128", "--hidden", "32,32", "--standardize", "none", "--data-scale", "1", "--out", "n", "--test-points", "0", "-q");
  assert.equal(t.code, 0, t.err);
  const c = config("n");
  assert.deepEqual(c.model.standardizer, { mean: [0, 0], std: [1, 1] });
  assert.equal(c.model.net.time.kind, "sinusoidal");
  const z = trainedMass("n");
  assert.ok(Math.abs(z - 1) < 0.02, `∫q = ${z}`);
  // The 0.1 scaling, asked for: no standardize/dataScale fields, the per-column fit itself.
  const k = cli("train", "--data", "d.csv", "--steps", "2", "--batch", "64", "--hidden", "8", "--standardize", "column", "--data-scale", "1", "--out", "c1", "--test-points", "0", "-q");
  assert.equal(k.code, 0, k.err);
  const c1 = config("c1").model;
  assert.deepEqual([c1.standardize, c1.dataScale], [undefined, undefined]);
  c1.standardizer.std.forEach((s: number, j: number) => assert.ok(Math.abs(s / colStd[j]! - 1) < 1e-9, `${s} vs ${colStd[j]}`));
});

test("--resume refuses a different --standardize or --time-embedding, naming the saved value, and keeps the saved ones", () => {
  const a = cli("train", "--data", "d.csv", "--resume", "--out", "g", "--steps", "40", "--standardize", "column", "-q");
  assertOneLineError(a, /--standardize "?column"? conflicts with the checkpoint in g, saved with "?global"?/);
  const b = cli("train", "--data", "d.csv", "--resume", "--out", "g", "--steps", "40", "--time-embedding", "sinusoidal", "-q");
  assertOneLineError(b, /--time-embedding "?sinusoidal"? conflicts .* saved with "?none"?/);
  // Left out, both are taken from the checkpoint: the run continues with the saved standardizer and time input.
  const before = config("g");
  const c = cli("train", "--data", "d.csv", "--resume", "--out", "g", "--steps", "35", "-q");
  assert.equal(c.code, 0, c.err);
  const after = config("g");
  assert.equal(after.train.step, 35);
  assert.deepEqual([after.model.standardize, after.model.standardizer, after.model.net.time], [before.model.standardize, before.model.standardizer, before.model.net.time]);
});

test("the default CSV scaling (column, --data-scale 2): half of each column's std saved, density integrates to 1; a toy is refused", () => {
  const t = cli("train", "--data", "d.csv", "--steps", "30", "--batch", "128", "--hidden", "32,32", "--out", "s2", "--test-points", "0", "-q");
  assert.equal(t.code, 0, t.err);
  const c = config("s2");
  assert.deepEqual([c.model.standardize, c.model.dataScale], [undefined, 2]);
  c.model.standardizer.std.forEach((s: number, j: number) => assert.ok(Math.abs((2 * s) / colStd[j]! - 1) < 1e-9, `${s} vs ${colStd[j]} / 2`));
  const z = trainedMass("s2");
  assert.ok(Math.abs(z - 1) < 0.02, `∫q = ${z}`);
  assertOneLineError(cli("train", "--data", "moons", "--data-scale", "2", "--out", "t"), /--data-scale 2: moons is a toy/);
  assertOneLineError(cli("train", "--data", "d.csv", "--data-scale", "0", "--out", "t"), /--data-scale must be a number > 0/);
});

test("--standardize with a toy is refused (toys are used as drawn); a bad value names the choices", () => {
  assertOneLineError(cli("train", "--data", "moons", "--standardize", "global", "--out", "t"), /--standardize global: moons is a toy/);
  assertOneLineError(cli("train", "--data", "moons", "--standardize", "column", "--out", "t"), /--standardize column: moons is a toy/);
  assertOneLineError(cli("train", "--data", "d.csv", "--standardize", "robust", "--out", "t"), /--standardize must be one of column, global, none, got "robust"/);
});
