/**
 * dopri5 on the onnx backend (src/onnx/dopri.ts: one graph call per step and row block, the step-size control on
 * the host) against the wasm solver on the same inputs: both take the same steps — equal NFE, which counts accepted
 * and rejected steps — and log q, z and samples agree to 1e-5 relative. Chunks with a short padded block, Hutchinson
 * probes, a solve spanning two graph calls (the norm over all its rows), tolerances, class labels with guidance;
 * and the embedded step graph against one wasm rkStep.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, fromHost, toHostF64, type Tree } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { sample } from "../../src/fm/sample.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { logProb, type LogProbOptions } from "../../src/likelihood/index.js";
import { logProbOnnx } from "../../src/onnx/logprob.js";
import { sampleOnnx, releaseOnnxSessions, ROWS_PER_CALL } from "../../src/onnx/sample.js";
import { embeddedStepGraph } from "../../src/onnx/dopri.js";
import { sessionOptions } from "../../src/onnx/runtime.js";
import { getTableau } from "../../src/solvers/index.js";
import { numberTime, rkStep } from "../../src/solvers/runge-kutta.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { ORT_SKIP, ort } from "../util/ort.js";
import { NumericalError } from "../../src/errors.js";

await initEngine();

const model = () => VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [24, 24] }, path: "condot", standardizer: { mean: [1, -2], std: [2, 0.5] } }, 3);
const x = new Rng(3).normals(150 * 2).map((v) => 2 * v + 1);

async function compareLogProb(o: LogProbOptions) {
  using m = model();
  const want = logProb(m, x, o);
  const got = await logProbOnnx(m, x, o);
  await releaseOnnxSessions(m);
  assert.equal(got.nfe, want.nfe, "the same accepted and rejected steps");
  assert.ok(maxRelDiff(got.logp, want.logp) <= 1e-5, `log p: ${maxRelDiff(got.logp, want.logp)}`);
  assert.ok(maxRelDiff(got.z, want.z) <= 1e-5, `z: ${maxRelDiff(got.z, want.z)}`);
}

test("log p, exact divergence, dopri5: three chunks of one solve each (the last short): NFE equal, log p and z to 1e-5", { skip: ORT_SKIP }, () =>
  compareLogProb({ method: "dopri5", batchSize: 64 }));

test("log p with no options: logProbOnnx takes logProb's defaults (dopri5, exact, 1e-5)", { skip: ORT_SKIP }, () => compareLogProb({}));

test("log p, Hutchinson (the same probe draws), other tolerances (rtol 1e-4, atol 1e-6)", { skip: ORT_SKIP }, () =>
  compareLogProb({ method: "dopri5", divergence: "hutchinson", probes: 2, seed: 5, rtol: 1e-4, atol: 1e-6 }));

test("samples, dopri5: a solve over two graph calls (ROWS_PER_CALL + 13 rows; one error norm), class label and guidance", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8], condWidth: 3 }, path: "condot", cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 5);
  const n = ROWS_PER_CALL + 13;
  const o = { method: "dopri5", seed: 4, label: "a", guidance: 1.5, rtol: 1e-4 };
  const got = await sampleOnnx(m, n, o);
  const want = sample(m, n, o);
  await releaseOnnxSessions(m);
  assert.equal(got.nfe, want.nfe);
  assert.equal(got.samples.length, n * 2);
  assert.ok(maxRelDiff(got.samples, want.samples) <= 1e-5, `${maxRelDiff(got.samples, want.samples)}`);
});

test("samples, dopri5, unconditional with a standardizer (data units)", { skip: ORT_SKIP }, async () => {
  using m = model();
  const got = await sampleOnnx(m, 50, { method: "dopri5", seed: 7 });
  const want = sample(m, 50, { method: "dopri5", seed: 7 });
  await releaseOnnxSessions(m);
  assert.equal(got.nfe, want.nfe);
  assert.ok(maxRelDiff(got.samples, want.samples) <= 1e-5, `${maxRelDiff(got.samples, want.samples)}`);
});

test("the embedded step graph: solution, FSAL slope and per-row Σ(err/scale)² of one wasm rkStep", { skip: ORT_SKIP }, async () => {
  using m = model();
  const tab = getTableau("dopri5");
  const B = 6;
  const D = 2;
  const xs = new Rng(1).normals(B * D);
  const f = (t: number, y: ReturnType<typeof fromHost>) => m.apply(m.params, y, np.full([], t, { dtype: np.float32 }));
  const [t, h, rtol, atol] = [0.3, 0.25, 1e-3, 1e-4];
  const x0 = fromHost(xs, [B, D], np.float32);
  const k1 = f(t, x0.ref);
  const r = rkStep<number>(tab, numberTime, f, t, h, x0, { k1, error: true, t1: t + h });
  const want = { x: toHostF64(r.x.ref), k: toHostF64(r.ks[6]!.ref), err: toHostF64(r.err!) };
  const kIn = toHostF64(k1);
  r.ks.forEach((k) => k.dispose());
  r.x.dispose();
  x0.dispose();
  const bytes = embeddedStepGraph(m.params as Tree, (p, s, tt) => m.apply(p as typeof m.params, s, tt), tab, B, D, []);
  const s = await ort!.InferenceSession.create(bytes, sessionOptions());
  const T = (a: ArrayLike<number>, dims: number[]) => new ort!.Tensor("float32", Float32Array.from(a), dims);
  const out = await s.run({
    s: T(xs, [B, D]), k1: T(kIn, [B, D]), ts: T(tab.c.map((c, i) => (i === 6 ? t + h : t + c * h)), [7]), h: T([h], []), tol: T([rtol, atol], [2]),
  });
  await s.release();
  const newX = out.s_new!.data as Float32Array;
  assert.ok(maxRelDiff(Float64Array.from(newX), want.x) <= 1e-5);
  assert.ok(maxRelDiff(Float64Array.from(out.k_last!.data as Float32Array), want.k) <= 1e-5);
  const sq = Float64Array.from({ length: B }, (_, i) => {
    let acc = 0;
    for (let d = 0; d < D; d++) {
      const j = i * D + d;
      acc += (want.err[j]! / (Math.max(Math.abs(xs[j]!), Math.abs(want.x[j]!)) * rtol + atol)) ** 2;
    }
    return acc;
  });
  assert.ok(maxRelDiff(Float64Array.from(out.sq!.data as Float32Array), sq) <= 1e-4, `sq: ${maxRelDiff(Float64Array.from(out.sq!.data as Float32Array), sq)}`);
});

test("a NaN in the initial state: a NumericalError naming it, as on wasm", { skip: ORT_SKIP }, async () => {
  using m = model();
  const noise = Float64Array.of(0.5, NaN, 1, 2);
  const isNaNState = (e: unknown) => e instanceof NumericalError && /initial state .* contains NaN/.test(e.message);
  assert.throws(() => sample(m, 2, { method: "dopri5", noise }), isNaNState);
  await assert.rejects(sampleOnnx(m, 2, { method: "dopri5", noise }), isNaNState);
  await releaseOnnxSessions(m);
});
