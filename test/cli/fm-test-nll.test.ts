/**
 * Flow-matching runs report a held-out test NLL at the end, as flow runs do: fresh points for a toy, the rows that
 * --test-fraction holds out for a CSV (recorded in the config, so a resumed run scores the same rows), nothing but a
 * hint when every row trains. The printed NLL is checked against the library's exact likelihood of the saved model.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox } from "../util/cli.js";
import { initEngine, Rng, testReport } from "../../src/index.js";
import { loadModel, openDataSource } from "../../src/node/index.js";

const { dir, cli } = cliSandbox("fm-test-nll-");
const small = ["--steps", "40", "--batch", "64", "--hidden", "16,16", "--workers", "1"];

test("train on a toy prints the test NLL of fresh points; a CSV needs --test-fraction, kept on resume", async () => {
  let r = cli("train", "--data", "moons", ...small, "--test-points", "300", "--out", "toy", "-q");
  assert.equal(r.code, 0, r.err);
  const m = /test NLL ([-+0-9.e]+) ± ([-+0-9.e]+) nats, ([-+0-9.e]+) bits\/dim \(300 fresh moons points; exact likelihood, dopri5\)/.exec(r.out);
  assert.ok(m, r.out);
  // The same number from the library: the saved model's exact likelihood of the toy's first 300 held-out points.
  await initEngine();
  const data = openDataSource("moons");
  using model = loadModel(join(dir, "toy"));
  const lib = testReport(model, { ...data, test: data.test!.subarray(0, 600) }, { logProb: { method: "dopri5", rtol: 1e-5, atol: 1e-5 } });
  assert.ok(Math.abs(lib.nll - Number(m[1])) <= 5e-4 * Math.max(1, Math.abs(lib.nll)), `${lib.nll} vs ${m[1]} (4 significant digits)`);

  const rng = new Rng(3);
  const rows = Array.from({ length: 100 }, () => `${rng.normal()},${2 * rng.normal() + 1}`);
  writeFileSync(join(dir, "t.csv"), `a,b\n${rows.join("\n")}\n`);
  r = cli("train", "--data", "t.csv", ...small, "--out", "all");
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /test NLL/);
  assert.match(r.err, /no test NLL: every row of t\.csv trains \(hold some out with --test-fraction 0\.1\)/);

  r = cli("train", "--data", "t.csv", ...small, "--test-fraction", "0.2", "--out", "held", "-q");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /test NLL [-+0-9.e]+ ± [-+0-9.e]+ nats, [-+0-9.e]+ bits\/dim \(20 held-out rows; exact likelihood, dopri5\)/);
  assert.equal(JSON.parse(readFileSync(join(dir, "held", "config.json"), "utf8")).model.testFraction, 0.2);
  const first = /test NLL ([-+0-9.e]+)/.exec(r.out)![1];
  r = cli("train", "--data", "t.csv", "--resume", "--steps", "40", "--out", "held", "-q");
  assert.equal(r.code, 0, r.err);
  assert.equal(/test NLL ([-+0-9.e]+)/.exec(r.out)![1], first, "a resume at the same step scores the same held-out rows");
});
