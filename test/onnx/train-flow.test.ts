/**
 * `trainFlowOnnx` (the flow MLE objective on the ONNX trainer, STEPS_PER_CALL steps per graph call) against the
 * wasm `trainFlow` on the same seed: the same ActNorm data init and the same batches from the same rng, so the loss
 * curves must agree to float32 rounding — ≤ 1e-4 relative at every one of 200 steps (the criterion) — and
 * so must the final weights. Small realnvp and nsf (spline coupling + LU linear) on moons; a conditional maf split
 * by `stopAt` (the state goes back to jax-js in between).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, treeLeaves, type Tree } from "../../src/engine/index.js";
import { createFlowTrainState, trainFlow } from "../../src/train/flow-trainer.js";
import { trainFlowOnnx } from "../../src/onnx/train-flow.js";
import { openDataSource } from "../../src/data/data-source.js";
import type { FlowConfigInput } from "../../src/flows/architectures.js";
import { flowContextDim } from "../../src/flows/flow-config.js";
import type { TrainOptions } from "../../src/train/options.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const values = (t: Tree) => Float64Array.from(treeLeaves(t).flatMap((a) => [...(a.ref.dataSync() as Float32Array)]));

async function compare(config: FlowConfigInput, options: Partial<TrainOptions>, data: () => ReturnType<typeof openDataSource>, split?: number) {
  using a = createFlowTrainState(config, options);
  using b = createFlowTrainState(config, options);
  trainFlow(a, data());
  const d = data();
  if (split) await trainFlowOnnx(b, d, { stopAt: split });
  await trainFlowOnnx(b, d);
  assert.equal(b.step, a.step);
  assert.equal(b.losses.length, a.losses.length);
  assert.ok(b.config.actnormInitialized, "ActNorm's data init ran");
  const lossErr = Math.max(...a.losses.map((l, i) => Math.abs(l - b.losses[i]!) / Math.abs(l)));
  return { lossErr, params: maxRelDiff(values(b.params), values(a.params)), ema: maxRelDiff(values(b.ema), values(a.ema)) };
}

const opts = { steps: 200, batch: 64, warmupSteps: 20, checkpointEvery: 0 };

test("realnvp, 200 steps on moons: the loss curve and final weights follow the wasm trainer", { skip: ORT_SKIP }, async () => {
  const r = await compare({ arch: "realnvp", eventShape: [2], layers: 4, hidden: [32, 32] }, opts, () => openDataSource("moons"));
  assert.ok(r.lossErr <= 1e-4, `loss curve: ${r.lossErr}`);
  assert.ok(r.params <= 1e-4 && r.ema <= 1e-4, `params ${r.params}, ema ${r.ema}`);
});

test("nsf (spline couplings, LU linear), 200 steps on moons: the loss curve follows the wasm trainer", { skip: ORT_SKIP }, async () => {
  const r = await compare({ arch: "nsf", eventShape: [2], layers: 2, hidden: [16, 16] }, opts, () => openDataSource("moons"));
  assert.ok(r.lossErr <= 1e-4, `loss curve: ${r.lossErr}`);
  assert.ok(r.params <= 1e-4 && r.ema <= 1e-4, `params ${r.params}, ema ${r.ema}`);
});

test("class-conditional maf, split by stopAt: follows the wasm trainer", { skip: ORT_SKIP }, async () => {
  const data = () => openDataSource("8gaussians", { cond: { columns: ["mode"] } });
  const cond = data().cond!;
  const r = await compare({ arch: "maf", eventShape: [2], layers: 2, hidden: [16], cond, ctxDim: flowContextDim(cond) }, { steps: 30, batch: 32, checkpointEvery: 0 }, data, 13);
  assert.ok(r.lossErr <= 1e-4, `loss curve: ${r.lossErr}`);
  assert.ok(r.params <= 1e-4, `params ${r.params}`);
});
