/**
 * `flow.sample` on ONNX Runtime (onnx/flow-sample.ts) against the wasm backend: the same seed must give the same
 * samples and log-densities, to 1e-5 scaled per row as in bijectors.test.ts (|got − want| / max(max |want| over
 * the row, 1)). Flows are moved off their init (a fresh coupling is the identity, which would hide a wrong pass);
 * n = 2100 crosses both the 2048-row base draws and the 1024-row graph calls, so rows placed at a wrong offset, or
 * noise drawn out of order, show. Covered: a standardizer and a temperature (realnvp), per-row context (conditional maf),
 * an image glow (multi-scale, 1×1 convolutions inverted by triangular solves), and the chunked generator.
 * Also the exported files (flow-export.ts) with a standardizer and a learnt diagonal base folded in.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost, Rng, treeOps, type Array, type Tree } from "../../src/engine/index.js";
import { Flow } from "../../src/flows/model.js";
import type { FlowConfigInput } from "../../src/flows/architectures.js";
import { flowSampleChunks } from "../../src/flows/sample-chunks.js";
import { flowSampleChunksOnnx, flowSampleOnnx, openFlowSampler } from "../../src/onnx/flow-sample.js";
import { flowLogProbExport, flowSamplerExport } from "../../src/onnx/flow-export.js";
import { runOnnx } from "../../src/onnx/verify.js";
import { flowSampleRng } from "../../src/flows/model.js";
import { ORT_SKIP } from "../util/ort.js";
import { assertNoLeaks } from "../util/leaks.js";

await initEngine();

const TOL = 1e-5;

function perturbed(config: FlowConfigInput): Flow {
  const flow = Flow.init(config);
  const rng = new Rng(9);
  const [leaves, def] = treeOps.flatten(flow.params as Tree);
  flow.setParams(treeOps.unflatten(def, (leaves as Array[]).map((a) => a.ref.add(fromHost(rng.normals(a.size).map((v) => 0.3 * v), a.shape, np.float32)))) as never);
  return flow;
}

/** max over rows of max |a − b| / max(max |b| over the row, 1). */
function scaledDiff(a: Float64Array, b: Float64Array, D: number): number {
  assert.equal(a.length, b.length);
  let e = 0;
  for (let r = 0; r < b.length; r += D) {
    let d = 0;
    let m = 1;
    for (let i = r; i < r + D; i++) (d = Math.max(d, Math.abs(a[i]! - b[i]!))), (m = Math.max(m, Math.abs(b[i]!)));
    e = Math.max(e, d / m);
  }
  return e;
}

test("realnvp with a standardizer, at temperature 0.7: samples and log-densities equal wasm's", { skip: ORT_SKIP }, async () => {
  const flow = perturbed({ arch: "realnvp", eventShape: [2], layers: 2, hidden: [8], seed: 1, standardizer: { mean: [3, -1], std: [2, 0.5] } });
  try {
    const o = { seed: 5, temperature: 0.7 };
    const want = flow.sampleWithLogProb(2100, o);
    const s = await openFlowSampler(flow);
    const got = await s.sample(2100, o).finally(() => s.release());
    assert.ok(scaledDiff(got.samples, want.samples, 2) <= TOL, `samples: ${scaledDiff(got.samples, want.samples, 2)}`);
    assert.ok(scaledDiff(got.logp, want.logp, 1) <= TOL, `log p: ${scaledDiff(got.logp, want.logp, 1)}`);
    // The seed matters (a test that compared noise-free passes would pass anyway).
    assert.ok(scaledDiff((await flowSampleOnnx(flow, 50, { seed: 6, temperature: 0.7 })), want.samples.subarray(0, 100), 2) > 1e-2);
  } finally {
    flow.dispose();
  }
});

test("conditional maf with a context per row, and chunks equal to wasm's chunks", { skip: ORT_SKIP }, async () => {
  const flow = perturbed({ arch: "maf", eventShape: [3], ctxDim: 2, layers: 2, hidden: [8], seed: 1 });
  try {
    const n = 2100;
    const ctx = new Rng(3).normals(n * 2);
    const want = flow.sample(n, { seed: 2, ctx });
    const got = await flowSampleOnnx(flow, n, { seed: 2, ctx });
    assert.ok(scaledDiff(got, want, 3) <= TOL, `samples: ${scaledDiff(got, want, 3)}`);
    const rows = (start: number, m: number) => ctx.subarray(start * 2, (start + m) * 2);
    const chunksW = [...flowSampleChunks(flow, 700, { seed: 4, chunk: 300, ctxRows: rows })];
    const chunksO: Float64Array[] = [];
    for await (const c of flowSampleChunksOnnx(flow, 700, { seed: 4, chunk: 300, ctxRows: rows })) chunksO.push(c.samples);
    assert.equal(chunksO.length, 3);
    chunksO.forEach((c, i) => assert.ok(scaledDiff(c, chunksW[i]!.samples, 3) <= TOL, `chunk ${i}`));
  } finally {
    flow.dispose();
  }
});

test("image glow [4, 4, 1], 2 levels: samples equal wasm's", { skip: ORT_SKIP }, async () => {
  const flow = perturbed({ arch: "glow", eventShape: [4, 4, 1], levels: 2, layers: 1, hidden: [8], seed: 1 });
  try {
    const want = flow.sample(40, { seed: 1 });
    const got = await flowSampleOnnx(flow, 40, { seed: 1 });
    assert.ok(scaledDiff(got, want, 16) <= TOL, `samples: ${scaledDiff(got, want, 16)}`);
    // Compiling and the host-side base draws borrow the flow's parameters and leave no jax-js arrays behind.
    await assertNoLeaks("flowSampleOnnx", async () => void (await flowSampleOnnx(flow, 5, { seed: 1 })));
  } finally {
    flow.dispose();
  }
});

test("exported log-density and sampler files fold in the standardizer and a diagonal base", { skip: ORT_SKIP }, async () => {
  const flow = perturbed({ arch: "realnvp", eventShape: [2], layers: 2, hidden: [8], seed: 1, base: "diagonal", standardizer: { mean: [3, -1], std: [2, 0.25] } });
  try {
    assert.equal(flow.base.name, "diagonal-normal");
    const n = 9;
    const x = flow.sample(n, { seed: 2 });
    const lp = await runOnnx(flowLogProbExport(flow), { x: { data: x, dims: [n, 2] } });
    assert.ok(scaledDiff(lp, flow.logProb(x), 1) <= TOL, `logp: ${scaledDiff(lp, flow.logProb(x), 1)}`);
    const noise = flowSampleRng(2).normals(n * 2);
    const xs = await runOnnx(flowSamplerExport(flow), { noise: { data: noise, dims: [n, 2] } });
    assert.ok(scaledDiff(xs, x, 2) <= TOL, `samples: ${scaledDiff(xs, x, 2)}`);
  } finally {
    flow.dispose();
  }
});
