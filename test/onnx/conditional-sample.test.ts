/**
 * Sampling conditional flow-matching models on ONNX Runtime against the wasm sampler on the same noise: a label per
 * sample and context rows, sliced per chunk (`onnxSampleChunks` against `sampleChunks`), fixed steps
 * and dopri5 (the same NFE), with and without guidance, to 1e-5. And the refusals that remain.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sample, type SampleOptions } from "../../src/fm/sample.js";
import { sampleChunks } from "../../src/fm/sample-chunks.js";
import { onnxSampleChunks } from "../../src/onnx/sample-chunks.js";
import { sampleOnnx, releaseOnnxSessions } from "../../src/onnx/sample.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { standardize } from "../../src/data/normalize.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const classModel = () =>
  VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16], condWidth: 3 }, path: "condot", standardizer: { mean: [1, -2], std: [2, 0.5] }, cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 7);
const contextModel = () =>
  VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16], condWidth: 3 }, path: "condot", cond: { kind: "context", dim: 2 } }, 8);
const n = 19;
const labels = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? "b" : "a")); // not periodic in the chunk size
const context = new Rng(4).normals(n * 2);

async function chunked(make: () => VelocityModel, o: SampleOptions) {
  using m = make();
  const want = [...sampleChunks(m, n, { ...o, chunk: 8 })];
  const got: Float64Array[] = [];
  for await (const c of onnxSampleChunks(m, n, { ...o, chunk: 8 })) got.push(c.samples);
  assert.equal(got.length, 3);
  got.forEach((g, i) => assert.ok(maxRelDiff(g, want[i]!.samples) <= 1e-5, `chunk ${i}: ${maxRelDiff(g, want[i]!.samples)}`));
  return want;
}

test("per-sample labels sliced per chunk (rk4, guided) and context rows (euler): the wasm sampler's rows", { skip: ORT_SKIP }, async () => {
  const w = await chunked(classModel, { method: "rk4", steps: 3, seed: 2, label: labels, guidance: 1.5 });
  using m = classModel();
  const same = [...sampleChunks(m, n, { method: "rk4", steps: 3, seed: 2, label: "a", guidance: 1.5, chunk: 8 })];
  assert.ok(maxRelDiff(same[0]!.samples, w[0]!.samples) > 1e-3, "the labels matter");
  await chunked(contextModel, { method: "euler", steps: 4, seed: 1, context });
});

test("dopri5: per-sample labels and context rows with guidance: the same steps and samples", { skip: ORT_SKIP }, async () => {
  const cases: [() => VelocityModel, SampleOptions][] = [
    [classModel, { label: [...labels].reverse() }],
    [contextModel, { context, guidance: 0.5 }],
  ];
  for (const [make, c] of cases) {
    using m = make();
    const o: SampleOptions = { method: "dopri5", rtol: 1e-4, atol: 1e-4, seed: 5, ...c };
    const want = sample(m, n, o);
    const got = await sampleOnnx(m, n, { ...o, label: o.label as (string | number)[] | undefined });
    await releaseOnnxSessions(m);
    assert.equal(got.nfe, want.nfe);
    // In model units, where the solver runs (the class model's standardizer scales data units by up to 2).
    const std = m.config.standardizer;
    const units = (v: Float64Array) => (std ? standardize(v, std) : v);
    const err = maxRelDiff(units(got.samples), units(want.samples));
    assert.ok(err <= 1e-5, `${m.config.cond!.kind}: samples: ${err}`);
  }
});

test("refusals: a context model without context rows on onnx, a label count that is not n, labels on a context model", async () => {
  using k = contextModel();
  using c = classModel();
  const drain = async (g: AsyncGenerator<unknown>) => {
    for await (const _ of g);
  };
  await assert.rejects(drain(onnxSampleChunks(k, 4, { method: "euler", steps: 1 })), (e) => e instanceof OptionError && /context-conditional.*--backend/.test(e.message) && !e.message.includes("\n"));
  await assert.rejects(drain(onnxSampleChunks(c, 4, { method: "euler", steps: 1, label: ["a"] })), (e) => e instanceof ShapeError && /1 labels for 4 samples/.test(e.message));
  await assert.rejects(sampleOnnx(k, 2, { method: "euler", steps: 1, context: new Float64Array(4), label: "a" }), (e) => e instanceof OptionError && /context vector, not class labels/.test(e.message));
});
