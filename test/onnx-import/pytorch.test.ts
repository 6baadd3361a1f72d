/**
 * The PyTorch-exported fixtures (test/fixtures/onnx, with PyTorch's float64 outputs) through the importer: the MLP
 * field's velocities, RK4-50 samples and exact log p; the conditional U-Net's outputs for every label in the
 * fixture, the null one included, and guided sampling; jvp against finite differences and grad through the
 * graph; fine-tuning lowers the flow-matching loss; export of the import matches PyTorch; no leaked buffers; an
 * unsupported op is one line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { initEngine, np, fromHost, jvp, grad, treeLeaves, treeCopy, treeZerosLike, Rng, type Array as JArray } from "../../src/engine/index.js";
import { importOnnx } from "../../src/onnx/import/model.js";
import { VelocityModel, networkApply, type ModelParams } from "../../src/fm/velocity-model.js";
import { sample } from "../../src/fm/sample.js";
import { logProb } from "../../src/likelihood/logprob.js";
import { train, runRng } from "../../src/train/trainer.js";
import { resolveTrainOptions } from "../../src/train/options.js";
import { disposableState } from "../../src/train/disposable.js";
import { openDataSource } from "../../src/data/data-source.js";
import { encodeModel, tensorBytes, DataType } from "../../src/onnx/proto.js";
import { velocityOnnx } from "../../src/onnx/export.js";
import { runOnnx } from "../../src/onnx/verify.js";
import { assertNoLeaks } from "../util/leaks.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const fixture = (name: string) => readFileSync(new URL(`../fixtures/onnx/${name}`, import.meta.url));
const expected = JSON.parse(fixture("expected.json").toString("utf8"));
const flat = (a: unknown): number[] => (Array.isArray(a) ? a.flatMap(flat) : [a as number]);
function maxDiff(got: ArrayLike<number>, want: number[]): number {
  assert.equal(got.length, want.length);
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!));
  return e;
}
/** Asserts max |got − want| < tol (computing the difference once: dataSync consumes its array). */
function within(got: ArrayLike<number>, want: number[], tol: number): void {
  const d = maxDiff(got, want);
  assert.ok(d < tol, `max difference ${d} ≥ ${tol}`);
}
const mlpBytes = fixture("mlp_velocity.onnx");
const E = expected.mlp_velocity;

test("MLP: velocities within 1e-5 of PyTorch's, RK4-50 samples within 1e-4, exact log p within 1e-3", () => {
  const { config, params } = importOnnx(mlpBytes);
  using model = new VelocityModel(config, params);
  const x = fromHost(flat(E.x), [16, 2], np.float32);
  const t = fromHost(flat(E.t), [16], np.float32);
  const v = model.velocity(x, t);
  x.dispose();
  t.dispose();
  within(v.dataSync(), flat(E.v), 1e-5);
  const s = sample(model, 64, { method: "rk4", steps: 50, noise: Float64Array.from(flat(E.rk4_50.noise)) });
  within(s.samples, flat(E.rk4_50.samples), 1e-4);
  // 12 of the 32 points keep this cheap; dopri5 at tight tolerances against PyTorch's RK4-200.
  const n = 12;
  const lp = logProb(model, Float64Array.from(flat(E.logprob_rk4_200.x).slice(0, 2 * n)), { method: "dopri5", rtol: 1e-7, atol: 1e-7 });
  within(lp.logp, flat(E.logprob_rk4_200.logp).slice(0, n), 1e-3);
  within(lp.z, flat(E.logprob_rk4_200.z).slice(0, 2 * n), 1e-4);
});

test("export of the imported MLP gives an ONNX file whose outputs match PyTorch's (onnxruntime-node)", { skip: ORT_SKIP }, async () => {
  const { config, params } = importOnnx(mlpBytes);
  using model = new VelocityModel(config, params);
  const out = await runOnnx(velocityOnnx(model), { x: { data: flat(E.x), dims: [16, 2] }, t: { data: flat(E.t), dims: [16] } });
  within(out, flat(E.v), 1e-5);
});

test("U-Net: outputs within 1e-5 of PyTorch's for every label, the null label 10 included; guided sampling runs", async () => {
  const U = expected.unet_velocity;
  const { config, params } = importOnnx(fixture("unet_velocity.onnx"));
  assert.deepEqual([config.net.image, config.net.nullLabel, config.cond?.kind === "class" && config.cond.classes.length], [[8, 8, 1], 10, 10]);
  using model = new VelocityModel(config, params);
  const B = 4;
  const xs = flat(U.x); // NCHW with C = 1: the same order as flattened HWC rows
  const labels: number[] = flat(U.y);
  assert.deepEqual(labels, [0, 3, 9, 10]);
  const onehot = new Float64Array(B * 11);
  labels.forEach((y, i) => (onehot[i * 11 + y] = 1)); // row 10 of the one-hot is ∅, mapped to the graph's null label
  const run = () => {
    const x = fromHost(xs, [B, 64], np.float32);
    const t = fromHost(flat(U.t), [B], np.float32);
    const cond = fromHost(onehot, [B, 11], np.float32);
    const v = model.velocity(x, t, { cond });
    x.dispose();
    t.dispose();
    cond.dispose();
    return v.dataSync();
  };
  const all = run();
  within(all, flat(U.v), 1e-5);
  await assertNoLeaks("U-Net velocity", () => void run());
  // Without a condition input (guidance's unconditional pass) the graph gets the null label: row 3 again, alone
  // (batch 1: the graph's reshapes must follow the batch size).
  const x = fromHost(xs.slice(3 * 64), [1, 64], np.float32);
  const t = fromHost(flat(U.t).slice(3), [1], np.float32);
  const v = model.velocity(x, t);
  x.dispose();
  t.dispose();
  within(v.dataSync(), Array.from(all.slice(3 * 64)), 1e-6);
  // grad reaches every weight of the graph, its label embedding included (through the traced Gather), but not the
  // fixed one-hot table in front of it.
  const loss = (q: ModelParams) => np.square(networkApply(config, q, fromHost(xs.slice(0, 128), [2, 64], np.float32), fromHost([0.2, 0.7], [2], np.float32), fromHost(onehot.slice(0, 22), [2, 11], np.float32))).sum();
  const gr = grad(loss)(model.params) as ModelParams;
  const norm = (a: JArray) => np.square(a).sum().dataSync()[0]!;
  const netNorms = treeLeaves(gr.net).map(norm);
  assert.equal(netNorms.length, 27);
  assert.ok(netNorms.every((n) => Number.isFinite(n) && n > 0), `gradient norms ${netNorms}`);
  assert.equal(norm(gr.embed!), 0);
  const g = sample(model, 2, { method: "euler", steps: 3, label: 3, guidance: 2, seed: 1 });
  assert.equal(g.samples.length, 2 * 64);
  assert.ok(g.samples.every(Number.isFinite), "guided samples are not finite");
});

test("jvp through the imported graph matches central differences (float64); grad reaches every weight", () => {
  const { config, params } = importOnnx(mlpBytes, { dtype: np.float64 });
  using model = new VelocityModel(config, params);
  const p = model.params;
  const x0 = [0.3, -1.2];
  const dir = [0.6, 0.8];
  const f = (x: JArray) => networkApply(config, p, x, np.full([1], 0.4, { dtype: np.float64 }));
  const [y, dy] = jvp(f, [fromHost(x0, [1, 2], np.float64)], [fromHost(dir, [1, 2], np.float64)]);
  y.dispose();
  // jax-js's float64 exp is accurate to ~1e-8, so a smaller step would difference rounding noise.
  const h = 1e-3;
  const at = (s: number): number[] => Array.from(f(fromHost(x0.map((v, i) => v + s * dir[i]!), [1, 2], np.float64)).dataSync() as Float64Array);
  const [plus, minus] = [at(h), at(-h)];
  const fd = plus.map((v, i) => (v - minus[i]!) / (2 * h));
  within(dy.dataSync(), fd, 1e-4);
  const loss = (q: ModelParams) => np.square(networkApply(config, q, fromHost([0.1, 0.2, -0.3, 0.4], [2, 2], np.float64), fromHost([0.2, 0.7], [2], np.float64))).sum();
  const gr = grad(loss)(p);
  const norms = treeLeaves(gr).map((a) => np.square(a).sum().dataSync()[0]!);
  assert.equal(norms.length, 8);
  assert.ok(norms.every((n) => Number.isFinite(n) && n > 0), `gradient norms ${norms}`);
});

/** Flow-matching loss (CondOT) of a model on a fixed batch of data, noise and times. */
function fmLoss(model: VelocityModel, x1: Float64Array, seed: number): number {
  const n = x1.length / 2;
  const rng = new Rng(seed);
  const x0 = rng.normals(2 * n);
  const t = Float64Array.from({ length: n }, () => rng.uniform());
  const xt = x1.map((v, i) => (1 - t[i >> 1]!) * x0[i]! + t[i >> 1]! * v);
  const v = model.velocity(fromHost(xt, [n, 2], np.float32), fromHost(t, [n], np.float32)).dataSync();
  let s = 0;
  for (let i = 0; i < 2 * n; i++) s += (v[i]! - (x1[i]! - x0[i]!)) ** 2;
  return s / n;
}

test("fine-tuning the imported MLP on flowmatch's 8gaussians (a smaller ring than it was trained on) lowers its loss", () => {
  const { config, params } = importOnnx(mlpBytes);
  const data = openDataSource("8gaussians");
  const x1 = data.sample(1000, new Rng(5));
  using before = new VelocityModel(config, treeCopy(params));
  const o = resolveTrainOptions({ steps: 150, batch: 256, lr: 1e-3, schedule: "constant", warmupSteps: 0, emaDecay: 0 });
  using state = disposableState({ config, options: o, params, ema: treeCopy(params), m: treeZerosLike(params), v: treeZerosLike(params), step: 0, rng: runRng(0), losses: [] as number[] });
  train(state, data);
  using after = new VelocityModel(config, treeCopy(state.params));
  const [l0, l1] = [fmLoss(before, x1, 9), fmLoss(after, x1, 9)];
  assert.ok(l1 < 0.9 * l0, `loss ${l0} → ${l1}`);
});

test("an unsupported op is one line naming the op, its node and the opset; so is a missing input mapping", () => {
  const model = (op: string) =>
    encodeModel({
      opset: 17,
      graph: {
        name: "g",
        nodes: [{ opType: op, name: "weird", inputs: ["x"], outputs: ["v"] }],
        initializers: [{ name: "unused", dataType: DataType.FLOAT, dims: [1], raw: tensorBytes([1], DataType.FLOAT) }],
        inputs: [{ name: "x", dataType: DataType.FLOAT, shape: ["B", 2] }, { name: "t", dataType: DataType.FLOAT, shape: ["B"] }],
        outputs: [{ name: "v", dataType: DataType.FLOAT, shape: ["B", 2] }],
      },
    });
  assert.throws(() => importOnnx(model("NonMaxSuppression")), (e: Error) => e.name === "OptionError" && !e.message.includes("\n") && /^ONNX op NonMaxSuppression \(node "weird", opset 17\): not supported by the importer/.test(e.message));
  assert.throws(() => importOnnx(model("Identity"), { inputs: { t: "time" } }), /OptionError: --inputs t=time: the graph has no input "time" \(its inputs: x, t\)$/);
});
