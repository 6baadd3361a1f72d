// `flowmatch eval` end to end: report fields, --logp-out row order and units, and the dimension-mismatch error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

const { dir, cli } = cliSandbox("fm-eval-");


test("eval on a CSV: JSON report, one log q per row in input order, in the data's original units", () => {
  // A 2-column table with very different scales, so standardization matters.
  const rows: string[] = ["a,b"];
  for (let i = 0; i < 200; i++) rows.push(`${(100 + 10 * Math.sin(i)).toFixed(4)},${(0.01 * Math.cos(3 * i)).toFixed(6)}`);
  writeFileSync(join(dir, "t.csv"), rows.join("\n") + "\n");
  // Std 1 per column (0.1's scaling): the 40-step model is then near N(0, I) on data of std 1, so its mean log q
  // in model units is ≈ −2.8 and the Jacobian (+3.0 here) shows as a positive mean in data units.
  let r = cli("train", "--data", "t.csv", "--steps", "40", "--batch", "64", "--hidden", "16,16", "--data-scale", "1", "--out", "m", "-q");
  assert.equal(r.code, 0, r.err);
  r = cli("eval", "--model", "m", "--data", "t.csv", "--json", "--samples", "50", "--logp-out", "lp.csv", "--method", "rk4", "--steps", "20");
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  assert.equal(rep.n, 200);
  assert.equal(rep.dim, 2);
  assert.ok(Number.isFinite(rep.nll.mean) && Number.isFinite(rep.bitsPerDim) && Number.isFinite(rep.w2));
  assert.equal(rep.kl, undefined, "no KL without a known density");
  const lp = readFileSync(join(dir, "lp.csv"), "utf8").trim().split("\n");
  assert.equal(lp[0], "logp");
  assert.equal(lp.length, 201);
  const vals = lp.slice(1).map(Number);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  assert.ok(Math.abs(-mean - rep.nll.mean) < 1e-9, "the file holds the per-row values the NLL averages");
  // Evaluating rows 0..9 alone (fixed-step solver: rows are independent) gives the same values: order preserved.
  writeFileSync(join(dir, "head.csv"), rows.slice(0, 11).join("\n") + "\n");
  r = cli("eval", "--model", "m", "--data", "head.csv", "--samples", "0", "--logp-out", "lp10.csv", "--method", "rk4", "--steps", "20");
  assert.equal(r.code, 0, r.err);
  const lp10 = readFileSync(join(dir, "lp10.csv"), "utf8").trim().split("\n").slice(1).map(Number);
  lp10.forEach((v, i) => assert.ok(Math.abs(v - vals[i]!) < 1e-5, `row ${i}: ${v} vs ${vals[i]}`));
  // Original units: the std of column b is ~0.007, so densities are large (log q ≫ 0 relative to standardized units).
  assert.ok(mean > 0, `mean log q ${mean} should include the −Σ log std Jacobian`);
});

test("eval on a toy reports KL; a CSV of another dimension is a one-line error (exit 2)", () => {
  let r = cli("train", "--data", "8gaussians", "--steps", "30", "--batch", "64", "--hidden", "16,16", "--out", "g", "-q");
  assert.equal(r.code, 0, r.err);
  r = cli("eval", "--model", "g", "--data", "8gaussians", "--n", "100", "--samples", "50", "--method", "rk4", "--steps", "10");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /KL\(p‖q\)\s+\d/);
  assert.match(r.out, /bits\/dim/);
  writeFileSync(join(dir, "three.csv"), "1,2,3\n4,5,6\n7,8,9\n");
  r = cli("eval", "--model", "g", "--data", "three.csv");
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0]!, /three\.csv has 3 columns.*dimension 2/);
});
