/**
 * `sampleOnnx` (the onnx backend's sampler) against the library's `sample` on the same seed: unconditional with a
 * standardizer, and class-conditional with a label and guidance; and its refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { sample } from "../../src/fm/sample.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sampleOnnx, releaseOnnxSessions, ROWS_PER_CALL } from "../../src/onnx/sample.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { OptionError } from "../../src/errors.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

test("unconditional, with a standardizer: the same samples as `sample` for each fixed-step method", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(3), hidden: [24, 24] }, path: "condot", standardizer: { mean: [1, -2, 0.5], std: [2, 0.5, 3] } }, 4);
  for (const method of ["euler", "midpoint", "rk4"]) {
    const got = await sampleOnnx(m, 11, { method, steps: 6, seed: 9 });
    const want = sample(m, 11, { method, steps: 6, seed: 9 });
    assert.deepEqual(got.noise, want.noise);
    assert.equal(got.nfe, want.nfe);
    assert.ok(maxRelDiff(got.samples, want.samples) <= 1e-5, `${method}: ${maxRelDiff(got.samples, want.samples)}`);
  }
  await releaseOnnxSessions(m);
});

test("class-conditional with guidance, and ∅ without a label", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16], condWidth: 3 }, path: "condot", cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 2);
  for (const o of [{ label: "b", guidance: 2 }, {}]) {
    const got = await sampleOnnx(m, 7, { method: "rk4", steps: 4, seed: 1, ...o });
    const want = sample(m, 7, { method: "rk4", steps: 4, seed: 1, ...o });
    assert.ok(maxRelDiff(got.samples, want.samples) <= 1e-5, `${JSON.stringify(o)}: ${maxRelDiff(got.samples, want.samples)}`);
  }
  await releaseOnnxSessions(m);
});

test("more rows than one graph call takes (ROWS_PER_CALL): every chunk, the short last one, and its labels line up", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8], condWidth: 3 }, path: "condot", cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 5);
  const n = ROWS_PER_CALL + 13;
  const got = await sampleOnnx(m, n, { method: "euler", steps: 3, seed: 4, label: "a", guidance: 1.5 });
  const want = sample(m, n, { method: "euler", steps: 3, seed: 4, label: "a", guidance: 1.5 });
  assert.equal(got.samples.length, n * 2);
  assert.ok(maxRelDiff(got.samples, want.samples) <= 1e-5, `${maxRelDiff(got.samples, want.samples)}`);
  await releaseOnnxSessions(m);
});

test("methods without an onnx sampler (heun) and conditions on an unconditional model are refused", async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [4] }, path: "condot" }, 0);
  await assert.rejects(sampleOnnx(m, 2, { method: "heun" }), (e) => e instanceof OptionError && /fixed steps\) or dopri5/.test(e.message));
  await assert.rejects(sampleOnnx(m, 2, { method: "euler", steps: 2, label: "a" }), (e) => e instanceof OptionError && /unconditional/.test(e.message));
});
