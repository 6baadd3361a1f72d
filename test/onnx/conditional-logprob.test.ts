/**
 * log p of conditional flow-matching models with per-row conditions (`LogProbOptions.cond`). On wasm: the rows'
 * labels across chunks, and guidance, against the same likelihood of a field with the condition fixed by hand (a
 * second construction). On ONNX Runtime (`logProbOnnx`): class labels (∅ included) and context rows, exact and
 * Hutchinson, fixed steps and dopri5, with and without guidance, against the wasm log p to 1e-5. And the refusals.
 * Small random-initialized networks and few steps: each graph compiles in a moment.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, fromHost, type Array, type JsTree } from "../../src/engine/index.js";
import { VelocityModel, type ModelParams } from "../../src/fm/velocity-model.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { encodeClasses } from "../../src/fm/conditioning.js";
import { logProb, type FieldModel, type LogProbOptions } from "../../src/likelihood/logprob.js";
import { logProbOnnx, logDensityStepsOnnx } from "../../src/onnx/logprob.js";
import { sessionOptions } from "../../src/onnx/runtime.js";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { releaseOnnxSessions } from "../../src/onnx/sample.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { ORT_SKIP, ort } from "../util/ort.js";
import { assertNoLeaks } from "../util/leaks.js";

await initEngine();

const classModel = () =>
  VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16], condWidth: 3 }, path: "condot", standardizer: { mean: [1, -2], std: [2, 0.5] }, cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 7);
const contextModel = () =>
  VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16], condWidth: 3 }, path: "condot", cond: { kind: "context", dim: 2 } }, 8);
const n = 21;
const x = new Rng(3).normals(n * 2).map((v) => 2 * v + 1);
const labels = Int32Array.from({ length: n }, (_, i) => (i % 3) - 1); // −1 (∅), 0, 1, …
const context = new Rng(4).normals(n * 2);

/** The model with every row's condition input fixed to the one-hot of `label` (guided with w when w ≠ 0). */
function fixedLabel(m: VelocityModel, label: number, w = 0): FieldModel {
  const onehot = (B: number, k: number) => fromHost(encodeClasses(new Int32Array(B).fill(k), 2), [B, 3], m.dtype);
  return {
    dim: m.dim, dtype: m.dtype, params: m.params as unknown as JsTree<Array>, config: { standardizer: m.config.standardizer },
    apply: (p, xx, t) => {
      const B = xx.shape[0]!;
      const vc = m.apply(p as unknown as ModelParams, xx.ref, t.ref, onehot(B, label));
      const vu = m.apply(p as unknown as ModelParams, xx, t, onehot(B, -1));
      return vc.mul(1 + w).sub(vu.mul(w));
    },
  };
}

const rowsOf = (a: Float64Array, D: number, keep: (i: number) => boolean) => a.filter((_, j) => keep(Math.floor(j / D)));

test("wasm: per-row labels across chunks, with guidance, equal a field with each label fixed by hand; no leaks", async () => {
  using m = classModel();
  const o: LogProbOptions = { method: "rk4", steps: 3, batchSize: 8 };
  for (const w of [0, 1.5]) {
    const got = logProb(m, x, { ...o, cond: { labels, guidance: w } }).logp;
    for (const k of [-1, 0, 1]) {
      const want = logProb(fixedLabel(m, k, w), rowsOf(x, 2, (i) => labels[i] === k), o).logp;
      const mine = rowsOf(got, 1, (i) => labels[i] === k);
      assert.ok(maxRelDiff(mine, want) <= 1e-6, `label ${k}, w ${w}: ${maxRelDiff(mine, want)}`);
    }
  }
  await assertNoLeaks("conditional logProb", () => void logProb(m, x, { ...o, divergence: "hutchinson", cond: { labels, guidance: 1 } }));
  await assertNoLeaks("context logProb", () => {
    using k = contextModel();
    void logProb(k, x, { ...o, cond: { context, guidance: 1 } });
  });
  assert.deepEqual(m.logProb(x, { ...o, cond: { labels } }), logProb(m, x, { ...o, cond: { labels } }).logp, "the DensityModel face");
  const none = logProb(m, x, o).logp; // no conditions: ∅ for every row
  assert.deepEqual(none, logProb(m, x, { ...o, cond: { labels: labels.map(() => -1) } }).logp);
  const plain = logProb(m, x, { ...o, cond: { labels } }).logp;
  assert.ok(maxRelDiff(plain, logProb(m, x, { ...o, cond: { labels: labels.map(() => 0) } }).logp) > 1e-3, "the labels matter");
});

async function compare(make: () => VelocityModel, o: LogProbOptions) {
  using m = make();
  const want = logProb(m, x, o);
  const got = await logProbOnnx(m, x, o);
  await releaseOnnxSessions(m);
  assert.equal(got.nfe, want.nfe);
  assert.ok(maxRelDiff(got.logp, want.logp) <= 1e-5, `log p: ${maxRelDiff(got.logp, want.logp)}`);
  assert.ok(maxRelDiff(got.z, want.z) <= 1e-5, `z: ${maxRelDiff(got.z, want.z)}`);
}

test("onnx, class labels (∅ included): exact rk4 with guidance and Hutchinson midpoint, chunks with a padded last call", { skip: ORT_SKIP }, async () => {
  await compare(classModel, { method: "rk4", steps: 3, batchSize: 8, cond: { labels, guidance: 0.7 } });
  await compare(classModel, { method: "midpoint", steps: 2, batchSize: 8, divergence: "hutchinson", probes: 2, seed: 3, cond: { labels } });
});

test("onnx, context rows: exact euler and Hutchinson rk4 with guidance", { skip: ORT_SKIP }, async () => {
  await compare(contextModel, { method: "euler", steps: 3, batchSize: 16, cond: { context } });
  await compare(contextModel, { method: "rk4", steps: 2, batchSize: 16, divergence: "hutchinson", seed: 1, cond: { context, guidance: -0.5 } });
});

test("onnx dopri5: class labels with guidance (exact), context rows (Hutchinson): the same steps and log p", { skip: ORT_SKIP }, async () => {
  await compare(classModel, { method: "dopri5", rtol: 1e-4, atol: 1e-4, batchSize: 16, cond: { labels, guidance: 0.5 } });
  await compare(contextModel, { method: "dopri5", rtol: 1e-4, atol: 1e-4, batchSize: 16, divergence: "hutchinson", seed: 2, cond: { context } });
});

test("the labels repeated over the divergence's D copies keep the primal on the B rows (ONNX Runtime's profile shapes)", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [24, 24], condWidth: 3 }, path: "condot", cond: { kind: "class", classes: ["a", "b"], embedDim: 3 } }, 1);
  const B = 8, k = 2; // midpoint: 4 evaluations in the graph
  const dir = mkdtempSync(join(tmpdir(), "fm-ortprof-"));
  try {
    const s = await ort!.InferenceSession.create(logDensityStepsOnnx(m, "midpoint", k, B, { divergence: "exact", probes: 1 }), { ...sessionOptions(), enableProfiling: true, profileFilePrefix: join(dir, "p") });
    const f32 = (v: Float32Array, dims: number[]) => new ort!.Tensor("float32", v, dims);
    await s.run({ s: f32(new Float32Array(B * 3).fill(0.3), [B, 3]), t: f32(Float32Array.of(1, 0.5), [k]), h: f32(Float32Array.of(-0.5, -0.5), [k]), label: new ort!.Tensor("int64", new BigInt64Array(B).fill(1n), [B]) });
    (s as unknown as { endProfiling(): void }).endProfiling();
    await s.release();
    const events = readdirSync(dir).flatMap((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { cat: string; args?: { op_name?: string; output_type_shape?: { float?: number[] }[] } }[]);
    const shapes = events.filter((e) => e.cat === "Node" && /MatMul|Gemm/.test(e.args?.op_name ?? "")).map((e) => e.args?.output_type_shape?.[0]?.float?.join("x"));
    assert.equal(shapes.filter((x) => x === "8x24").length, 4 * 2, `primal hidden layers on 8 rows in all 4 evaluations: ${shapes}`);
    assert.equal(shapes.filter((x) => x === "16x24").length, 4, "the tangent of the second hidden layer on the 2·8 copies");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("refusals: conditions of the wrong kind, shape or range, on an unconditional model; onnx context models need the context", async () => {
  using c = classModel();
  using k = contextModel();
  using u = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [4] }, path: "condot" }, 0);
  const o: LogProbOptions = { method: "euler", steps: 1 };
  assert.throws(() => logProb(u, x, { ...o, cond: { labels } }), (e) => e instanceof OptionError && /unconditional/.test(e.message));
  assert.throws(() => c.logProb(x, o), (e) => e instanceof OptionError && /needs each point's condition/.test(e.message));
  assert.throws(() => logProb(c, x, { ...o, cond: { labels: labels.subarray(1) } }), (e) => e instanceof ShapeError && /20 labels for 21/.test(e.message));
  assert.throws(() => logProb(c, x, { ...o, cond: { labels: labels.map(() => 2) } }), (e) => e instanceof OptionError && /label index 2 of row 0/.test(e.message));
  assert.throws(() => logProb(c, x, { ...o, cond: { context } }), (e) => e instanceof OptionError && /class labels/.test(e.message));
  assert.throws(() => logProb(k, x, { ...o, cond: { context: context.subarray(2) } }), (e) => e instanceof ShapeError && /\[21, 2\]/.test(e.message));
  await assert.rejects(logProbOnnx(k, x, o), (e) => e instanceof OptionError && /context/.test(e.message) && !e.message.includes("\n"));
  await assert.rejects(logProbOnnx(u, x, { ...o, cond: { guidance: 1 } }), (e) => e instanceof OptionError && /unconditional/.test(e.message));
});
