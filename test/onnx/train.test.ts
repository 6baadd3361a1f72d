/**
 * `trainOnnx` (every step one ONNX Runtime call of the compiled step graph) against the wasm trainer on the same
 * seed: the same draws from the same rng, so the loss curves must agree to float32 rounding (≤ 1e-4 relative at
 * every step) and so must the final weights, EMA and Adam moments. Default options: cosine schedule with warm-up,
 * clipping, EMA. Also a class-conditional run (a fourth, one-hot input), CNF maximum likelihood with a fixed-step
 * solver (jvp inside the gradient), a run split by `stopAt` (the state goes back to jax-js and comes back), and the
 * refusals.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, treeLeaves, type Tree } from "../../src/engine/index.js";
import { createTrainState, train, type TrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import type { ModelConfig } from "../../src/fm/velocity-model.js";
import type { TrainOptions } from "../../src/train/options.js";
import { trainOnnx } from "../../src/onnx/train.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { OptionError } from "../../src/errors.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const values = (t: Tree) => Float64Array.from(treeLeaves(t).flatMap((a) => [...(a.ref.dataSync() as Float32Array)]));

/** Max relative loss difference over the steps, and of each state tree, after the same run on both backends. */
async function compare(config: ModelConfig, options: Partial<TrainOptions>, data: () => ReturnType<typeof openDataSource>, split?: number) {
  using a = createTrainState(config, options);
  using b = createTrainState(config, options);
  train(a, data());
  const d = data();
  if (split) await trainOnnx(b, d, { stopAt: split });
  await trainOnnx(b, d);
  assert.equal(b.step, a.step);
  assert.equal(b.losses.length, a.losses.length);
  const lossErr = Math.max(...a.losses.map((l, i) => Math.abs(l - b.losses[i]!) / Math.abs(l)));
  const diff = (k: "params" | "ema" | "m" | "v") => maxRelDiff(values((b as TrainState)[k]), values((a as TrainState)[k]));
  const trees = { params: diff("params"), ema: diff("ema"), m: diff("m"), v: diff("v") };
  return { lossErr, ...trees };
}

const mlp = (hidden: number[]) => ({ ...defaultMlpConfig(2), hidden });

test("flow matching, 200 steps: the loss curve and the final weights, EMA and moments follow the wasm trainer", { skip: ORT_SKIP }, async () => {
  const r = await compare({ kind: "flow-matching", net: mlp([32, 32]), path: "condot" }, { steps: 200, batch: 64, warmupSteps: 20, checkpointEvery: 0 }, () => openDataSource("8gaussians"));
  assert.ok(r.lossErr <= 1e-4, `loss curve: ${r.lossErr}`);
  for (const k of ["params", "ema", "m"] as const) assert.ok(r[k] <= 1e-4, `${k}: ${r[k]}`);
  assert.ok(r.v <= 1e-3, `v: ${r.v}`); // squared gradients: relative to max(|v|, 1), tiny values; a wrong moment is O(1)
});

test("class-conditional with condition dropout, AdamW, split by stopAt (state handed back to jax-js in between)", { skip: ORT_SKIP }, async () => {
  const data = () => openDataSource("8gaussians", { cond: { columns: ["mode"] } });
  const cond = data().cond!;
  const r = await compare({ kind: "flow-matching", net: mlp([16, 16]), path: "condot", cond }, { steps: 40, batch: 32, weightDecay: 0.01, checkpointEvery: 0 }, data, 15);
  assert.ok(r.lossErr <= 1e-4, `loss curve: ${r.lossErr}`);
  assert.ok(r.params <= 1e-4 && r.ema <= 1e-4, `params ${r.params}, ema ${r.ema}`);
});

test("CNF maximum likelihood with rk4 and the exact divergence (jvp under the gradient)", { skip: ORT_SKIP }, async () => {
  const r = await compare({ kind: "flow-matching", net: mlp([16]), path: "condot" }, { objective: "mle", mle: { method: "rk4", steps: 3 } as TrainOptions["mle"], steps: 20, batch: 32, checkpointEvery: 0 }, () => openDataSource("moons"));
  assert.ok(r.lossErr <= 1e-4, `loss curve: ${r.lossErr}`);
  assert.ok(r.params <= 1e-4, `params ${r.params}`);
});

test("workers > 1 and adaptive MLE are refused in one line before anything runs", async () => {
  using s = createTrainState({ kind: "flow-matching", net: mlp([4]), path: "condot" }, { steps: 2, batch: 8, workers: 2 });
  await assert.rejects(trainOnnx(s, openDataSource("moons")), (e) => e instanceof OptionError && /--workers/.test(e.message));
  using m = createTrainState({ kind: "flow-matching", net: mlp([4]), path: "condot" }, { steps: 2, batch: 8, objective: "mle", mle: { method: "dopri5" } as TrainOptions["mle"] });
  await assert.rejects(trainOnnx(m, openDataSource("moons")), (e) => e instanceof OptionError && /dopri5/.test(e.message));
  assert.equal(s.step, 0);
});
