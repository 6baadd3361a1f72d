// Image data: the IDX reader (a file written here), the digits as images, and the [−1, 1) pixel scaling with
// dequantization, its test split and class labels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Rng } from "../../src/engine/rng.js";
import { parseIdx, writeIdx } from "../../src/data/idx.js";
import { openImageData, imageTable } from "../../src/data/image.js";
import { unstandardize } from "../../src/data/normalize.js";
import { loadImageSet, labelFileFor, isImageSpec } from "../../src/node/images.js";
import { DataError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "fm-idx-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** n images of H×W with pixel (i, j) of image k = (k·7 + i·W + j) mod 256, labels k mod 3. */
function writeSet(name: string, n: number, H: number, W: number, gz: boolean): { images: string; pixels: number[] } {
  const pixels = Array.from({ length: n * H * W }, (_, p) => (Math.floor(p / (H * W)) * 7 + (p % (H * W))) % 256);
  const images = join(dir, `${name}-images-idx3-ubyte${gz ? ".gz" : ""}`);
  const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
  writeFileSync(images, enc(writeIdx([n, H, W], pixels)));
  writeFileSync(join(dir, `${name}-labels-idx1-ubyte${gz ? ".gz" : ""}`), enc(writeIdx([n], Array.from({ length: n }, (_, k) => k % 3))));
  return { images, pixels };
}

test("IDX: write → parse round trip; bad headers and sizes are DataErrors naming the file", () => {
  const bytes = writeIdx([2, 3], [1, 2, 3, 4, 5, 255]);
  assert.deepEqual([...bytes.subarray(0, 12)], [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]);
  const r = parseIdx(bytes, "x");
  assert.deepEqual(r.dims, [2, 3]);
  assert.deepEqual([...r.data], [1, 2, 3, 4, 5, 255]);
  assert.throws(() => parseIdx(bytes.subarray(0, bytes.length - 1), "cut.idx"), (e: Error) => e instanceof DataError && /cut\.idx: the header promises 2×3 = 6 values but the file holds 5/.test(e.message));
  const float = Uint8Array.from(bytes);
  float[2] = 0x0d;
  assert.throws(() => parseIdx(float, "f.idx"), /IDX type 0xd is not supported/);
  assert.throws(() => parseIdx(Uint8Array.from([1, 0, 8, 1]), "csv.idx"), /not an IDX file/);
});

test("loadImageSet reads idx3 images with the matching idx1 labels, gzipped or not", () => {
  for (const gz of [false, true]) {
    const { images, pixels } = writeSet(gz ? "gz" : "raw", 5, 4, 6, gz);
    assert.ok(isImageSpec(images));
    assert.equal(labelFileFor(images), join(dir, `${gz ? "gz" : "raw"}-labels-idx1-ubyte${gz ? ".gz" : ""}`));
    const set = loadImageSet(images);
    assert.deepEqual(set.shape, [4, 6, 1]);
    assert.equal(set.levels, 256);
    assert.deepEqual([...set.pixels], pixels);
    assert.deepEqual([...set.labels!], [0, 1, 2, 0, 1]);
  }
  // No label file next to it: images only.
  const lone = join(dir, "lone-images-idx3-ubyte");
  writeFileSync(lone, writeIdx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]));
  assert.equal(loadImageSet(lone).labels, undefined);
  assert.throws(() => openImageData(loadImageSet(lone), { cond: true }), /no labels to condition on/);
});

test("the built-in digits as images: 1,797 8×8 images of 17 levels, labels 0–9", () => {
  const set = loadImageSet("digits");
  assert.deepEqual(set.shape, [8, 8, 1]);
  assert.equal(set.pixels.length, 1797 * 64);
  assert.equal(Math.max(...set.pixels), 16);
  assert.deepEqual([...new Set(set.labels)].sort(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // The first image of the CSV, row 0: 0,0,5,13,9,1,0,0,…, label 0.
  assert.deepEqual([...set.pixels.subarray(0, 8)], [0, 0, 5, 13, 9, 1, 0, 0]);
  assert.equal(set.labels![0], 0);
});

test("pixels are dequantized into [−1, 1) model units; the standardizer maps samples back to [x, x + 1) pixels", () => {
  const { images } = writeSet("scale", 40, 4, 4, false);
  const set = loadImageSet(images);
  const data = openImageData(set, { cond: true, testFraction: 0.25 });
  assert.deepEqual(data.image, [4, 4, 1]);
  assert.equal(data.dim, 16, "the label column is a condition, not a pixel");
  assert.equal(data.standardizer!.mean[0], 128);
  assert.equal(data.standardizer!.std[0], 128);
  assert.equal(data.test!.length, 10 * 16);
  assert.deepEqual(data.cond && data.cond.kind === "class" ? data.cond.classes : [], ["0", "1", "2"]);
  const { x, labels } = data.sampleCond!(200, new Rng(3));
  assert.ok(x.every((v) => v >= -1 && v < 1), "model units in [−1, 1)");
  // Back in pixel units every value is an integer training pixel plus u ∈ [0, 1), and the label is that image's.
  const px = unstandardize(x, data.standardizer!);
  const train = data.train!;
  for (let i = 0; i < 200; i++) {
    const row = px.subarray(i * 16, (i + 1) * 16).map(Math.floor);
    const k = [...Array(30).keys()].find((r) => row.every((v, j) => v === train[r * 16 + j]));
    assert.ok(k !== undefined, `sample ${i} floors to a training image`);
    const original = set.pixels.findIndex((_, p) => p % 16 === 0 && row.every((v, j) => v === set.pixels[p + j]));
    assert.equal(labels![i], set.labels![original / 16]);
  }
  // Unconditional: the labels are dropped, not scaled as a pixel.
  assert.equal(openImageData(set).dim, 16);
  assert.equal(imageTable(set).header!.at(-1), "label");
});
