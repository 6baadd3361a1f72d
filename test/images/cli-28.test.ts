// Fashion-MNIST's shape on the command line, on tiny gzipped IDX files written here (8 training and 3 test images,
// 28×28, 2 classes, named like the real `train-…`/`t10k-…` files): `train --net unet --cond label --net-depth 3`
// builds the three levels 28 → 14 → 7 and trains 2 steps, `sample --label` writes 784-pixel rows in pixel units,
// and `eval --data t10k-…` scores every image of the separate test file (the README's Fashion-MNIST recipe, small).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { cliSandbox } from "../util/cli.js";
import { writeIdx } from "../../src/data/idx.js";

const { dir, cli } = cliSandbox("fm-images28-");
const D = 28 * 28;

/** n images: class k is a bright square in the top-left (k = 0) or bottom-right (k = 1) quarter, dark elsewhere. */
function writeSet(prefix: string, n: number): void {
  const pixels = Array.from({ length: n * D }, (_, p) => {
    const img = Math.floor(p / D), i = Math.floor((p % D) / 28), j = p % 28;
    const k = img % 2, inside = k === 0 ? i < 14 && j < 14 : i >= 14 && j >= 14;
    return (inside ? 220 : 15) + (img % 7);
  });
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(writeIdx([n, 28, 28], pixels)));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(writeIdx([n], Array.from({ length: n }, (_, k) => k % 2))));
}
writeSet("train", 8);
writeSet("t10k", 3);

test("28×28 IDX: a three-level U-Net trains 2 steps, samples 784-pixel rows and scores the t10k file", () => {
  const t = cli("train", "--data", "train-images-idx3-ubyte.gz", "--net", "unet", "--cond", "label", "--net-width", "4", "--net-depth", "3",
    "--steps", "2", "--batch", "4", "--workers", "1", "--test-points", "0", "-q", "--out", "run");
  assert.equal(t.code, 0, t.err);
  const config = JSON.parse(readFileSync(join(dir, "run", "config.json"), "utf8"));
  const model = config.model ?? config;
  assert.deepEqual(model.net.image, [28, 28, 1]);
  assert.deepEqual(model.net.mults, [1, 2, 2], "three levels: 28×28, 14×14, 7×7");

  const s = cli("sample", "--model", "run", "--n", "2", "--label", "1", "--guidance", "1", "--method", "euler", "--steps", "2", "--out", "s.csv");
  assert.equal(s.code, 0, s.err);
  const rows = readFileSync(join(dir, "s.csv"), "utf8").trim().split("\n");
  assert.equal(rows.length, 3, "a header and two samples");
  const vals = rows.slice(1).map((r) => r.split(",").map(Number));
  assert.ok(vals.every((r) => r.length === D), `rows of ${D} pixels, got ${vals.map((r) => r.length).join(", ")}`);
  assert.ok(vals.flat().every(Number.isFinite));
  // Pixel units (the checkpoint's [−1, 1) scaling undone): centred near 128, not near 0 as model units would be.
  const mean = vals.flat().reduce((a, b) => a + b, 0) / (2 * D);
  assert.ok(mean > 30 && mean < 230, `pixel units, mean ${mean}`);

  const e = cli("eval", "--model", "run", "--data", "t10k-images-idx3-ubyte.gz", "--method", "euler", "--steps", "2", "--json");
  assert.equal(e.code, 0, e.err);
  const r = JSON.parse(e.out);
  assert.equal(r.n, 3, "every image of the separate test file");
  assert.equal(r.dim, D);
  assert.equal(r.split, "every image of the file");
  assert.ok(Math.abs(r.bitsPerDim.mean - r.nll.mean / (D * Math.LN2)) < 1e-9, "bits/dim = NLL / (D ln 2) in pixel units");
});
