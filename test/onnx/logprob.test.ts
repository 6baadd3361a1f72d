/**
 * `logProbOnnx` (the augmented dynamics, K solver steps per ONNX Runtime call) against the library's `logProb`
 * on the same points and options: log q and the noise ends z agree to 1e-5 — exact divergence (one batched jvp)
 * and Hutchinson (the same probe draws), a standardizer (units), a step count that is not a multiple of the steps
 * per call (a second graph), and chunks with a short, padded last one. And the refusals. (dopri5: dopri.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { logProb, type LogProbOptions } from "../../src/likelihood/index.js";
import { logProbOnnx, logDensityStepsOnnx, STEPS_PER_CALL } from "../../src/onnx/logprob.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { OptionError } from "../../src/errors.js";
import { ORT_SKIP, ort } from "../util/ort.js";
import { ROWS_PER_CALL } from "../../src/onnx/sample.js";
import { sessionOptions } from "../../src/onnx/runtime.js";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

await initEngine();

const model = () => VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [24, 24] }, path: "condot", standardizer: { mean: [1, -2], std: [2, 0.5] } }, 3);
const x = new Rng(3).normals(150 * 2).map((v) => 2 * v + 1);

async function compare(o: LogProbOptions) {
  using m = model();
  const want = logProb(m, x, o);
  const got = await logProbOnnx(m, x, o);
  assert.equal(got.nfe, want.nfe);
  return { logp: maxRelDiff(got.logp, want.logp), z: maxRelDiff(got.z, want.z), want };
}

test("exact divergence, rk4 over more steps than one call, three chunks (the last padded): log p to 1e-5", { skip: ORT_SKIP }, async () => {
  const steps = STEPS_PER_CALL + 2;
  const r = await compare({ method: "rk4", steps, batchSize: 64 });
  assert.ok(r.logp <= 1e-5, `log p: ${r.logp}`);
  assert.ok(r.z <= 1e-5, `z: ${r.z}`);
});

test("Hutchinson with the same probe draws (Gaussian, 2 per point), midpoint", { skip: ORT_SKIP }, async () => {
  const o: LogProbOptions = { method: "midpoint", steps: 4, batchSize: 100, divergence: "hutchinson", probes: 2, probeKind: "gaussian", seed: 5 };
  const r = await compare(o);
  assert.ok(r.logp <= 1e-5, `log p: ${r.logp}`);
  using m = model();
  const exact = logProb(m, x, { ...o, divergence: "exact" }).logp;
  assert.ok(maxRelDiff(exact, r.want.logp) > 1e-3, "the estimate differs from the exact value (the probes are used)");
});

test("chunks larger than one graph call (ROWS_PER_CALL rows each): Hutchinson probes sliced per call, the same log p", { skip: ORT_SKIP }, async () => {
  const xl = new Rng(8).normals((ROWS_PER_CALL + 200) * 2);
  const o: LogProbOptions = { method: "midpoint", steps: 2, batchSize: ROWS_PER_CALL + 100, divergence: "hutchinson", probes: 2, seed: 2 };
  using m = model();
  const want = logProb(m, xl, o);
  const got = await logProbOnnx(m, xl, o);
  assert.equal(got.nfe, want.nfe);
  assert.ok(maxRelDiff(got.logp, want.logp) <= 1e-5, `log p: ${maxRelDiff(got.logp, want.logp)}`);
  assert.ok(maxRelDiff(got.z, want.z) <= 1e-5, `z: ${maxRelDiff(got.z, want.z)}`);
});

test("the jvp graph: two MatMuls per layer (primal and tangent), the all-zero weight tangents folded away", () => {
  using m = model(); // 3 layers: 24, 24, 2
  const text = new TextDecoder("latin1").decode(logDensityStepsOnnx(m, "euler", 1, 8, { divergence: "exact", probes: 1 }));
  const ops = (op: string) => text.split(`\x22${String.fromCharCode(op.length)}${op}`).length - 1; // NodeProto.op_type fields
  assert.equal(ops("MatMul"), 6);
  assert.equal(ops("ReduceSum") <= 2, true, "no dot left as Mul + ReduceSum");
});

test("every evaluation's primal runs once on the B rows, not on its D tiled copies (ONNX Runtime's profile shapes)", { skip: ORT_SKIP }, async () => {
  using m = model(); // hidden 24, 24; D = 2
  const B = 8, k = 2; // midpoint: 2 evaluations per step, 4 in the graph
  const dir = mkdtempSync(join(tmpdir(), "fm-ortprof-"));
  try {
    const s = await ort!.InferenceSession.create(logDensityStepsOnnx(m, "midpoint", k, B, { divergence: "exact", probes: 1 }), { ...sessionOptions(), enableProfiling: true, profileFilePrefix: join(dir, "p") });
    await s.run({ s: new ort!.Tensor("float32", new Float32Array(B * 3).fill(0.3), [B, 3]), t: new ort!.Tensor("float32", Float32Array.of(1, 0.5), [k]), h: new ort!.Tensor("float32", Float32Array.of(-0.5, -0.5), [k]) });
    (s as unknown as { endProfiling(): void }).endProfiling();
    await s.release();
    const events = readdirSync(dir).flatMap((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as { cat: string; args?: { op_name?: string; output_type_shape?: { float?: number[] }[] } }[]);
    const shapes = events.filter((e) => e.cat === "Node" && /MatMul|Gemm/.test(e.args?.op_name ?? "")).map((e) => e.args?.output_type_shape?.[0]?.float?.join("x"));
    assert.equal(shapes.filter((x) => x === "8x24").length, 4 * 2, `primal hidden layers on 8 rows in all 4 evaluations: ${shapes}`);
    assert.equal(shapes.filter((x) => x === "16x24").length, 4 * 1, "the tangent of the second hidden layer on the 2·8 copies (the first's is constant)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a context-conditional model without each row's context is refused in one line (fixed steps and dopri5)", async () => {
  // (Conditional models with their conditions: conditional-logprob.test.ts.)
  using c = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [4], condWidth: 3 }, path: "condot", cond: { kind: "context", dim: 2 } }, 0);
  for (const method of ["rk4", "dopri5"]) await assert.rejects(logProbOnnx(c, x, { method, steps: 2 }), (e) => e instanceof OptionError && /context/.test(e.message) && !e.message.includes("\n"));
});
