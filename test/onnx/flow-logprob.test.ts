/**
 * `flowLogProbOnnx` (a flow's compiled log p, ROWS_PER_CALL rows per call; what `eval --backend onnx` scores flows
 * with) against `Flow.logProb`: a conditional maf with a standardizer (data units: the log-Jacobian offset), 1,100
 * rows (two calls), per-row and shared contexts — ≤ 1e-5 relative (float32 both ways) — and the refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost, treeOps, Rng, type Array, type Tree } from "../../src/engine/index.js";
import { Flow } from "../../src/flows/model.js";
import { flowLogProbOnnx } from "../../src/onnx/flow-logprob.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { ShapeError } from "../../src/errors.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

test("conditional maf with a standardizer: the compiled log p is Flow.logProb's, per-row and shared contexts", { skip: ORT_SKIP }, async () => {
  using flow = Flow.init({ arch: "maf", eventShape: [2], layers: 2, hidden: [16], ctxDim: 3, seed: 2, standardizer: { mean: [1, -2], std: [0.5, 3] } });
  // Off the init (zero last layers: the context would not matter).
  const rng = new Rng(9);
  const [leaves, def] = treeOps.flatten(flow.params as Tree);
  flow.setParams(treeOps.unflatten(def, (leaves as Array[]).map((a) => a.ref.add(fromHost(rng.normals(a.size).map((v) => 0.3 * v), a.shape, np.float32)))) as never);
  const n = 1100;
  const x = new Rng(1).normals(n * 2);
  const ctx = new Rng(2).normals(n * 3);
  const want = flow.logProb(x, { ctx });
  const got = await flowLogProbOnnx(flow, x, { ctx });
  assert.equal(got.length, n);
  assert.ok(maxRelDiff(got, want) <= 1e-5, `per-row context: ${maxRelDiff(got, want)}`);
  assert.ok(maxRelDiff(flow.logProb(x, { ctx: ctx.map((v) => -v) }), want) > 1e-2, "the context matters");
  const shared = [0.3, -1, 2];
  const got1 = await flowLogProbOnnx(flow, x.subarray(0, 20), { ctx: Float64Array.from(shared) });
  assert.ok(maxRelDiff(got1, flow.logProb(x.subarray(0, 20), { ctx: shared })) <= 1e-5);
  await assert.rejects(flowLogProbOnnx(flow, x.subarray(0, 20)), (e) => e instanceof ShapeError && /conditional/.test(e.message));
  await assert.rejects(flowLogProbOnnx(flow, x.subarray(0, 3), { ctx: Float64Array.from(shared) }), (e) => e instanceof ShapeError && /rows of 2/.test(e.message));
});
