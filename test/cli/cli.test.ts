// The CLI end to end through its entry point: help, misuse (one line, exit 2), and a tiny train → sample → plot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { decodePng } from "../../src/plot/index.js";

const { dir, cli } = cliSandbox("fm-cli-");


test("--help on every command", () => {
  for (const c of ["demo", "train", "sample", "plot"]) {
    const r = cli(c, "--help");
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: flowmatch/);
  }
  assert.match(cli("--help").out, /Commands:/);
});

test("unknown data name lists the valid ones", () => {
  assertOneLineError(cli("train", "--data", "8gausians", "--out", "m", "-q"), /unknown data "8gausians".*8gaussians.*checkerboard/);
});

test("bad CSV cells name file, row and column", () => {
  writeFileSync(join(dir, "nan.csv"), "a,b\n1,2\n3,NaN\n");
  assertOneLineError(cli("train", "--data", "nan.csv", "--out", "m", "-q"), /nan\.csv:3:.*NaN/);
  writeFileSync(join(dir, "ragged.csv"), "1,2\n3,4,5\n");
  assertOneLineError(cli("train", "--data", "ragged.csv", "--out", "m", "-q"), /ragged\.csv:2: expected 2 columns, found 3/);
  writeFileSync(join(dir, "text.csv"), "1,2\n3,x\n");
  assertOneLineError(cli("train", "--data", "text.csv", "--out", "m", "-q"), /text\.csv:2:2/);
});

test("bad options and missing checkpoints are one-line errors", () => {
  assertOneLineError(cli("train", "--data", "moons", "--steps", "2.5"), /--steps must be an integer/);
  assertOneLineError(cli("train", "--bogus"), /bogus/);
  assertOneLineError(cli("train", "--data", "moons", "--time-sampling", "logit-normal", "--t-std", "-1", "-q"), /--t-std must be a number > 0, got "-1"/);
  assertOneLineError(cli("train", "--data", "moons", "--workers", "0", "-q"), /--workers must be an integer ≥ 1/);
  assertOneLineError(cli("train", "--data", "moons", "--workers", "2", "--objective", "mle", "-q"), /flow matching/);
  assertOneLineError(cli("train", "--data", "moons", "--activation", "swish9", "-q"), /unknown activation "swish9"; valid: silu, tanh, relu/);
  assertOneLineError(cli("sample", "--model", "nowhere"), /nowhere/);
  assertOneLineError(cli("sample", "--model", "nowhere", "--method", "rk5"), /nowhere|rk5/);
});

test("tiny train → sample → plot; resume with other data dimension is refused", () => {
  let r = cli("train", "--data", "moons", "--steps", "30", "--batch", "64", "--hidden", "16,16", "--out", "m", "-q",
    "--time-sampling", "logit-normal", "--t-mean", "-0.5", "--t-std", "0.8", "--workers", "2", "--activation", "relu", "--clip-norm", "0.5"); // a negative value after its flag
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(dir, "m", "config.json")) && existsSync(join(dir, "m", "weights.safetensors")));
  const config = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
  assert.equal(config.model.net.activation, "relu");
  const saved = config.train.options;
  assert.deepEqual([saved.timeSampling, saved.logitNormal, saved.workers, saved.clipNorm], ["logit-normal", { mean: -0.5, std: 0.8, uniform: 0.2 }, 2, 0.5]);
  r = cli("sample", "--model", "m", "--n", "50", "--method", "euler", "--steps", "5", "--out", "s.csv");
  assert.equal(r.code, 0, r.err);
  const rows = readFileSync(join(dir, "s.csv"), "utf8").trim().split("\n");
  assert.equal(rows[0], "x0,x1");
  assert.equal(rows.length, 51);
  assert.ok(rows.slice(1).every((l) => l.split(",").length === 2 && l.split(",").every((c) => Number.isFinite(Number(c)))));
  r = cli("plot", "--model", "m", "--n", "300", "--trajectories", "5", "--out", "fig.png", "--method", "euler", "--steps", "5");
  assert.equal(r.code, 0, r.err);
  const png = decodePng(readFileSync(join(dir, "fig.png")));
  assert.ok(png.width > png.height && png.height >= 300);
  writeFileSync(join(dir, "three.csv"), "1,2,3\n4,5,6\n7,8,9\n");
  assertOneLineError(cli("train", "--data", "three.csv", "--out", "m", "--resume", "--steps", "40", "-q"), /dimension 3.*dimension 2/);
});
