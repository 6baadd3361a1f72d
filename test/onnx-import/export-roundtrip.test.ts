/**
 * Issue 17's round trip: `flowmatch export` of an imported model gives an ONNX file whose outputs equal the
 * original's. The PyTorch fixtures are imported, exported again (velocity field and a few-step sampler), and the
 * exported file run in onnxruntime-node is compared with the ORIGINAL file run there on the same inputs, with
 * PyTorch's own float64 outputs, and (samplers) with the library's `sample` — for the MLP field and for the
 * conditional U-Net at every label of the fixture, the null one included (−1 in the exported graph, the graph's own
 * null label 10 in the original).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { initEngine, Rng } from "../../src/engine/index.js";
import { importOnnx } from "../../src/onnx/import/model.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { sample } from "../../src/fm/sample.js";
import { velocityOnnx, samplerOnnx } from "../../src/onnx/export.js";
import { runOnnx, maxRelDiff } from "../../src/onnx/verify.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const fixture = (name: string) => readFileSync(new URL(`../fixtures/onnx/${name}`, import.meta.url));
const expected = JSON.parse(fixture("expected.json").toString("utf8"));
const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [a as number]);
const TOL = 1e-5;

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = TOL): void {
  assert.equal(got.length, want.length, `${what}: size`);
  const err = maxRelDiff(got, want);
  assert.ok(err <= tol, `${what}: relative difference ${err} > ${tol}`);
}

test("imported MLP: the exported velocity equals the original file (onnxruntime-node) and PyTorch; an RK4 sampler equals `sample`", { skip: ORT_SKIP }, async () => {
  const E = expected.mlp_velocity;
  const original = fixture("mlp_velocity.onnx");
  const { config, params } = importOnnx(original);
  using model = new VelocityModel(config, params);
  const feeds = { x: { data: flat(E.x), dims: [16, 2] }, t: { data: flat(E.t), dims: [16] } };
  const exported = await runOnnx(velocityOnnx(model), feeds);
  close(exported, await runOnnx(original, feeds), "exported vs original");
  close(exported, flat(E.v), "exported vs PyTorch");
  const noise = new Rng(3).normals(9 * 2);
  const got = await runOnnx(samplerOnnx(model, "rk4", 4), { noise: { data: noise, dims: [9, 2] } });
  close(got, sample(model, 9, { method: "rk4", steps: 4, noise }).samples, "RK4-4 sampler vs sample");
});

test("imported U-Net: the exported velocity equals the original file and PyTorch for labels 0, 3, 9 and ∅; a guided sampler equals `sample`", { skip: ORT_SKIP }, async () => {
  const U = expected.unet_velocity;
  const original = fixture("unet_velocity.onnx");
  const { config, params } = importOnnx(original);
  using model = new VelocityModel(config, params);
  const ys: number[] = flat(U.y);
  assert.deepEqual(ys, [0, 3, 9, 10]);
  const x = { data: flat(U.x), dims: [4, 1, 8, 8] }; // NCHW, C = 1: the same order as the flattened HWC rows
  const t = { data: flat(U.t), dims: [4] };
  const want = await runOnnx(original, { x, t, y: { data: ys, dims: [4], type: "int64" } });
  const labels = ys.map((y) => (y === 10 ? -1 : y)); // the exported graph's ∅ is −1
  const got = await runOnnx(velocityOnnx(model), {
    x: { data: x.data, dims: [4, 64] }, t, label: { data: labels, dims: [4], type: "int64" }, guidance: { data: [0, 0, 0, 0], dims: [4] },
  });
  close(got, want, "exported vs original");
  close(got, flat(U.v), "exported vs PyTorch");
  // Guidance w = 2 on label 3: (1 + w)·v(3) − w·v(∅), from the original file's two passes.
  const row = (a: ArrayLike<number>, i: number) => Array.from(a).slice(i * 64, (i + 1) * 64);
  const two = { x: { data: [...row(x.data, 1), ...row(x.data, 1)], dims: [2, 1, 8, 8] }, t: { data: [0.6, 0.6], dims: [2] } };
  const pair = await runOnnx(original, { ...two, y: { data: [3, 10], dims: [2], type: "int64" } });
  const guided = row(pair, 0).map((v, i) => 3 * v - 2 * pair[64 + i]!);
  const gotGuided = await runOnnx(velocityOnnx(model), {
    x: { data: row(x.data, 1), dims: [1, 64] }, t: { data: [0.6], dims: [1] }, label: { data: [3], dims: [1], type: "int64" }, guidance: { data: [2], dims: [1] },
  });
  close(gotGuided, guided, "guided exported vs original's two passes");
  const noise = new Rng(5).normals(3 * 64);
  const samples = await runOnnx(samplerOnnx(model, "midpoint", 3), {
    noise: { data: noise, dims: [3, 64] }, label: { data: [7, 7, 7], dims: [3], type: "int64" }, guidance: { data: [1.5, 1.5, 1.5], dims: [3] },
  });
  close(samples, sample(model, 3, { method: "midpoint", steps: 3, noise, label: "7", guidance: 1.5 }).samples, "guided midpoint-3 sampler vs sample");
});
