// Normalizing flows through the CLI entry point: tiny `train --model realnvp` → sample → plot (with the density
// heatmap) → eval → resume; one-line errors for bad input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodePng } from "../../src/plot/index.js";

const { dir, cli } = cliSandbox("fm-flow-cli-");


test("train --model realnvp → sample → plot → eval → resume", () => {
  let r = cli("train", "--model", "realnvp", "--data", "moons", "--steps", "20", "--batch", "64", "--layers", "2", "--hidden", "8", "--out", "m", "-q");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /test NLL [-+0-9.e]+ ± [-+0-9.e]+ nats, [-+0-9.e]+ bits\/dim/);
  const cfg = JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8"));
  assert.equal(cfg.model.kind, "normalizing-flow");
  assert.equal(cfg.model.arch, "realnvp");
  assert.equal(cfg.model.actnormInitialized, true);
  assert.equal(cfg.train.step, 20);
  assert.ok(existsSync(join(dir, "m", "weights.safetensors")));

  r = cli("sample", "--model", "m", "--n", "30", "--out", "s.csv", "--temperature", "0.8");
  assert.equal(r.code, 0, r.err);
  const rows = readFileSync(join(dir, "s.csv"), "utf8").trim().split("\n");
  assert.equal(rows[0], "x0,x1");
  assert.equal(rows.length, 31);
  assert.ok(rows.slice(1).every((l) => l.split(",").length === 2 && l.split(",").every((c) => Number.isFinite(Number(c)))));

  r = cli("plot", "--model", "m", "--n", "200", "--out", "fig.png");
  assert.equal(r.code, 0, r.err);
  const png = decodePng(readFileSync(join(dir, "fig.png")));
  assert.ok(png.width >= 3 * png.height * 0.9, `three panels expected, got ${png.width}x${png.height}`);

  r = cli("eval", "--model", "m", "--data", "moons", "--n", "300", "--samples", "100", "--json");
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  assert.equal(rep.arch, "realnvp");
  assert.equal(rep.n, 300);
  assert.ok(Number.isFinite(rep.nll.mean) && Number.isFinite(rep.mmd2));

  r = cli("train", "--model", "realnvp", "--data", "moons", "--steps", "25", "--batch", "64", "--out", "m", "--resume", "-q");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(readFileSync(join(dir, "m", "config.json"), "utf8")).train.step, 25);
  assertOneLineError(cli("train", "--model", "nice", "--data", "moons", "--out", "m", "--resume", "-q"), /--model nice conflicts with the checkpoint in m, saved with realnvp/);
});

test("train --model glow on the 8×8 digits: image [8, 8, 1], label dropped, dequantized, test bits/dim", () => {
  const r = cli("train", "--model", "glow", "--data", "digits", "--steps", "3", "--batch", "32", "--layers", "1", "--hidden", "16", "--out", "g");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /test NLL [-+0-9.e]+ ± [-+0-9.e]+ nats, [-+0-9.e]+ bits\/dim \(179 held-out rows, dequantized, 17 levels\)/);
  const cfg = JSON.parse(readFileSync(join(dir, "g", "config.json"), "utf8"));
  assert.deepEqual(cfg.model.eventShape, [8, 8, 1]);
  assert.equal(cfg.model.columns.length, 64);
  assert.deepEqual(cfg.model.dequantize, { levels: 17 });
  const bpd = Number(/([0-9.]+) bits\/dim/.exec(r.out)![1]);
  assert.ok(bpd > 0 && bpd < 8, `bits/dim ${bpd}`);
});

test("bad flow input is a one-line error", () => {
  assertOneLineError(cli("train", "--model", "realnvpp", "--data", "moons"), /unknown --model "realnvpp"; valid: fm, nice, realnvp, glow, maf, iaf, nsf, planar, radial/);
  assertOneLineError(cli("train", "--model", "nsf", "--data", "moons", "--variant", "twisty"), /--variant must be coupling or autoregressive/);
  assertOneLineError(cli("train", "--model", "maf", "--data", "8gausians", "-q"), /unknown data "8gausians"/);
  assertOneLineError(cli("train", "--model", "realnvp", "--data", "moons", "--image", "2,2,1"), /--image H,W,C is for --model glow/);
  writeFileSync(join(dir, "one.csv"), "1\n2\n3\n4\n");
  assertOneLineError(cli("train", "--model", "realnvp", "--data", "one.csv", "-q"), /coupling layers need dimension ≥ 2/);
});
