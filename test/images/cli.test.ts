// The image workflow end to end on a tiny IDX file written here (24 8×8 images, 3 classes): train --net unet
// --cond label, sample --label --guidance (pixel units), plot (an image grid, a row per class), eval (bits/dim of
// the held-out images), and the one-line refusals of flags that do not fit a U-Net.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { writeIdx } from "../../src/data/idx.js";
import { decodePng } from "../../src/plot/png.js";

const { dir, cli } = cliSandbox("fm-images-");
const n = 24;
// Class k: a bright k-th row band on a dark background, plus a little per-image variation.
const pixels = Array.from({ length: n * 64 }, (_, p) => {
  const img = Math.floor(p / 64), i = Math.floor((p % 64) / 8);
  return (i === 2 * (img % 3) + 1 ? 200 : 10) + (img % 5);
});
writeFileSync(join(dir, "tiny-images-idx3-ubyte"), writeIdx([n, 8, 8], pixels));
writeFileSync(join(dir, "tiny-labels-idx1-ubyte"), writeIdx([n], Array.from({ length: n }, (_, k) => k % 3)));
const data = "tiny-images-idx3-ubyte";
const small = ["--net-width", "4", "--steps", "3", "--batch", "8", "--workers", "1", "-q"];

test("train → sample → plot → eval with a class-conditional U-Net", () => {
  const t = cli("train", "--data", data, "--net", "unet", "--cond", "label", "--out", "run", ...small);
  assert.equal(t.code, 0, t.err);
  const config = JSON.parse(readFileSync(join(dir, "run", "config.json"), "utf8"));
  const model = config.model ?? config;
  assert.equal(model.net.kind, "unet");
  assert.deepEqual(model.net.image, [8, 8, 1]);
  assert.equal(model.net.width, 4);
  assert.deepEqual(model.standardizer.mean.slice(0, 2), [128, 128], "pixels scaled by the checkpoint's standardizer");
  assert.equal(model.testFraction, 0.1, "images hold out 10% by default");

  const s = cli("sample", "--model", "run", "--n", "3", "--label", "2", "--guidance", "1", "--method", "euler", "--steps", "4", "--out", "s.csv");
  assert.equal(s.code, 0, s.err);
  const rows = readFileSync(join(dir, "s.csv"), "utf8").trim().split("\n");
  assert.equal(rows.length, 4);
  assert.equal(rows[1]!.split(",").length, 64);
  // Pixel units: the model's [−1, 1) scale mapped back is centred on 128 with a spread of ~128 per unit.
  const vals = rows.slice(1).flatMap((r) => r.split(",").map(Number));
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  assert.ok(Math.abs(mean - 128) < 128 && Math.max(...vals.map(Math.abs)) > 10, `pixel units, mean ${mean}`);
  const unknown = cli("sample", "--model", "run", "--n", "1", "--label", "7");
  assertOneLineError(unknown, /label "7" was not seen in training; known labels: 0, 1, 2/);

  const p = cli("plot", "--model", "run", "--out", "grid.png", "--n", "4", "--method", "euler", "--steps", "2");
  assert.equal(p.code, 0, p.err);
  const png = decodePng(readFileSync(join(dir, "grid.png")));
  // 3 rows of 4 images of 8×8 at 4 px: 3·(32 + 2) + margins and title; 4 columns of 34 px plus the label column.
  assert.ok(png.height > 3 * 34 && png.height < 3 * 34 + 40, `height ${png.height}`);
  assert.ok(png.width > 4 * 34 && png.width < 4 * 34 + 40, `width ${png.width}`);

  const e = cli("eval", "--model", "run", "--data", data, "--method", "euler", "--steps", "2", "--json");
  assert.equal(e.code, 0, e.err);
  const r = JSON.parse(e.out);
  assert.equal(r.n, 2, "the 10% of 24 images held out in training");
  assert.equal(r.divergence, "hutchinson");
  assert.ok(Number.isFinite(r.bitsPerDim.mean) && r.bitsPerDim.stderr >= 0);
  assert.ok(Math.abs(r.bitsPerDim.mean - r.nll.mean / (64 * Math.LN2)) < 1e-9, "bits/dim = NLL / (D ln 2) in pixel units");
});

test("one-line refusals: non-image data, MLP flags, other conditions, a too-deep net", () => {
  assertOneLineError(cli("train", "--data", "moons", "--net", "unet", "--out", "r1", ...small), /--net unet trains on images: --data digits or an IDX file/);
  assertOneLineError(cli("train", "--data", data, "--net", "unet", "--hidden", "8,8", "--out", "r2", ...small), /--hidden applies to --net mlp/);
  assertOneLineError(cli("train", "--data", data, "--net", "unet", "--cond", "p3", "--out", "r3", ...small), /image data is conditioned on its class, --cond label/);
  assertOneLineError(cli("train", "--data", data, "--net", "unet", "--net-depth", "5", "--out", "r4", ...small), /--net-depth 5: a 8×8 image halves only 3 times \(at most --net-depth 4\)/);
  assertOneLineError(cli("train", "--data", "moons", "--net-width", "8", "--out", "r5", "-q"), /--net-width sizes --net unet/);
  assertOneLineError(cli("train", "--data", data, "--net", "cnn", "--out", "r6", "-q"), /--net must be mlp or unet, got "cnn"/);
  for (const r of ["r1", "r2", "r3", "r4", "r5", "r6"]) assert.ok(!existsSync(join(dir, r, "config.json")), `${r}: nothing saved`);
});

test("--resume continues a U-Net run; a conflicting --net-width is refused", () => {
  const args = ["--data", data, "--net", "unet", "--net-width", "4", "--batch", "8", "--workers", "1", "-q", "--out", "res"];
  assert.equal(cli("train", ...args, "--steps", "2").code, 0);
  const r = cli("train", ...args, "--steps", "4", "--resume");
  assert.equal(r.code, 0, r.err);
  const state = JSON.parse(readFileSync(join(dir, "res", "config.json"), "utf8"));
  assert.equal(state.step ?? state.train?.step ?? state.state?.step, 4);
  assertOneLineError(cli("train", "--data", data, "--net", "unet", "--net-width", "8", "--out", "res", "--resume", "-q"), /--resume: --net-width 8 conflicts with the checkpoint in res, saved with 4/);
});
