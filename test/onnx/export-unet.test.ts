/**
 * ONNX export of the U-Net (`--net unet`: im2col convolutions, GroupNorm, attention, sinusoidal time embedding):
 * a tiny randomly initialized U-Net on 4×4 images, its velocity field and fixed-step samplers run in
 * onnxruntime-node at batch sizes it was not traced at, against the library — class-conditional with labels
 * cycling through the classes and ∅ and guidance w = 1.5 (verifyExport), and unconditional with a standardizer
 * folded into the sampler. Also: the sampler is one Loop, so the file does not grow with the steps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { sample } from "../../src/fm/sample.js";
import { defaultUnetConfig } from "../../src/nets/unet.js";
import { velocityOnnx, samplerOnnx } from "../../src/onnx/export.js";
import { verifyExport, runOnnx, maxRelDiff } from "../../src/onnx/verify.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const net = { ...defaultUnetConfig([4, 4, 1], { width: 8 }) }; // two levels, attention at 2×2

test("class-conditional U-Net: velocity (labels and ∅, guidance) and a midpoint sampler equal the library", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...net, condWidth: 3 }, path: "condot", cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 1);
  const ev = await verifyExport(m, velocityOnnx(m));
  assert.ok(ev <= 1e-5, `velocity: relative difference ${ev}`);
  const es = await verifyExport(m, samplerOnnx(m, "midpoint", 3), { method: "midpoint", steps: 3 });
  assert.ok(es <= 1e-5, `sampler: relative difference ${es}`);
});

test("unconditional U-Net with a standardizer: an RK4 sampler equals `sample`; its file does not grow with the steps", { skip: ORT_SKIP }, async () => {
  const std = Array.from({ length: 16 }, (_, i) => 0.5 + i / 16);
  const mean = Array.from({ length: 16 }, (_, i) => i / 8 - 1);
  using m = VelocityModel.init({ kind: "flow-matching", net, path: "condot", standardizer: { mean, std } }, 2);
  const noise = new Rng(9).normals(4 * 16);
  const bytes = samplerOnnx(m, "rk4", 2);
  const got = await runOnnx(bytes, { noise: { data: noise, dims: [4, 16] } });
  const want = sample(m, 4, { method: "rk4", steps: 2, noise }).samples;
  assert.ok(maxRelDiff(got, want) <= 1e-5, `relative difference ${maxRelDiff(got, want)}`);
  // K = 40 differs from K = 2 in constants only (trip count, step size, names); unrolled it would be ~20× the size.
  const big = samplerOnnx(m, "rk4", 40).length;
  assert.ok(Math.abs(big - bytes.length) < 200, `${bytes.length} bytes at K = 2, ${big} at K = 40`);
});
