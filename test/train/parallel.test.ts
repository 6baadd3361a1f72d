// Data-parallel flow-matching gradients on worker threads (src/node/parallel.ts): the same gradient as one thread,
// the same training run up to rounding, and an exact resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initEngine, Rng, np, treeLeaves, treeDispose, treeRef, type Array } from "../../src/engine/index.js";
// The node entry registers the worker threads that `train` uses for workers > 1.
import { createTrainState, train, disposeTrainState, saveTrainState, loadTrainState } from "../../src/node/index.js";
import { registerDataParallel } from "../../src/train/data-parallel.js";
import { openDataSource, type DataSource } from "../../src/data/data-source.js";
import { makeObjective } from "../../src/fm/objectives.js";
import { makeGradStep, disposeStep } from "../../src/train/step.js";
import { ParallelGrads, shardSizes, packInputs, unpackInputs, workerThreadGrads } from "../../src/node/parallel.js";
import { resolveTrainOptions } from "../../src/train/options.js";
import { OptionError } from "../../src/errors.js";
import type { ModelConfig, ModelParams } from "../../src/fm/velocity-model.js";

await initEngine();

const config: ModelConfig = { kind: "flow-matching", net: { kind: "mlp", dim: 2, hidden: [32, 32], activation: "relu", time: { kind: "sinusoidal", size: 8 } }, path: "condot" };
const host = (a: Array) => Array.from(a.ref.dataSync());

test("shards cover the batch; inputs survive packing", () => {
  assert.deepEqual(shardSizes(7, 3), [3, 2, 2]);
  assert.deepEqual(shardSizes(512, 2), [256, 256]);
  const meta = new Int32Array(64), buf = new Float32Array(64);
  packInputs([[3, 2], [3]], [Float32Array.of(1, 2, 3, 4, 5, 6), Float32Array.of(7, 8, 9)], meta, buf);
  const [a, b] = unpackInputs(meta, buf, np.float32);
  assert.deepEqual(a!.shape, [3, 2]);
  assert.deepEqual(host(b!), [7, 8, 9]);
  assert.deepEqual(host(a!), [1, 2, 3, 4, 5, 6]);
  a!.dispose();
  b!.dispose();
});

/** The gradient of `cfg`'s loss on one 7-row batch of `data`: over 3 threads (shards 3/2/2) vs one thread. */
function compareGradients(cfg: ModelConfig, data: DataSource): void {
  const o = resolveTrainOptions({ batch: 7, workers: 3 });
  const state = createTrainState(cfg, o);
  const objective = makeObjective(state.config, o, np.float32);
  const inputs = objective.draw(new Rng(9), data, state.params);
  const whole = makeGradStep<ModelParams, Array[]>(objective.loss);
  const par = new ParallelGrads(state.config, o, np.float32, state.params, objective.loss);
  try {
    const [l1, g1] = whole(treeRef(state.params), inputs.map((a) => a.ref));
    const [b, parts] = par.lossAndGradParts(state.params, inputs);
    assert.deepEqual(par.weights, [3 / 7, 2 / 7, 2 / 7]);
    const a = l1.item();
    assert.ok(Math.abs(a - b) < 1e-5 * Math.abs(a), `loss ${a} vs ${b}`);
    const partsHost = parts.map((p) => treeLeaves(p).map(host));
    treeLeaves(g1).forEach((a, i) => {
      const x = host(a);
      const y = x.map((_, k) => partsHost.reduce((s, p, j) => s + par.weights[j]! * p[i]![k]!, 0));
      const scale = Math.max(...x.map(Math.abs));
      assert.ok(scale > 0);
      x.forEach((v, k) => assert.ok(Math.abs(v - y[k]!) <= 1e-5 * scale, `leaf ${i}[${k}]: ${v} vs ${y[k]}`));
    });
    treeDispose(g1);
    parts.forEach(treeDispose);
  } finally {
    par.dispose();
    disposeStep(whole);
    disposeTrainState(state);
  }
}

test("the gradient over 3 threads (uneven shards) equals the one-thread gradient of the whole batch", () => {
  compareGradients(config, openDataSource("8gaussians"));
});

test("… also for a class-conditional net whose one-hot input (41 columns) is wider than its embedding (4)", () => {
  const classes = Array.from({ length: 40 }, (_, k) => String(k));
  const base = openDataSource("8gaussians");
  const data: DataSource = {
    ...base,
    cond: { kind: "class", classes, embedDim: 4 },
    sampleCond: (n, rng) => ({ x: base.sample(n, rng), labels: Int32Array.from({ length: n }, () => Math.floor(rng.uniform() * 40)) }),
  };
  compareGradients({ ...config, cond: data.cond! }, data);
});

test("training on 2 threads follows the one-thread run, and resumes exactly", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-parallel-"));
  const opts = { steps: 30, batch: 64, seed: 3, warmupSteps: 5, checkpointEvery: 0 };
  const data = openDataSource("moons");
  try {
    const one = train(createTrainState(config, opts), data);
    const two = train(createTrainState(config, { ...opts, workers: 2 }), data);
    one.losses.forEach((l, i) => assert.ok(Math.abs(l - two.losses[i]!) < 1e-3 * l, `step ${i + 1}: ${l} vs ${two.losses[i]}`));
    const part = train(createTrainState(config, { ...opts, workers: 2 }), data, { stopAt: 12 });
    saveTrainState(dir, part);
    disposeTrainState(part);
    const resumed = train(loadTrainState(dir), data);
    assert.equal(resumed.options.workers, 2);
    assert.deepEqual(resumed.losses, two.losses);
    for (const s of [one, two, resumed]) disposeTrainState(s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("workers: a positive integer, flow matching only", () => {
  assert.throws(() => resolveTrainOptions({ workers: 0 }), OptionError);
  assert.throws(() => resolveTrainOptions({ workers: 2, objective: "mle" }), /flow matching/);
  assert.throws(() => resolveTrainOptions({ workers: 9, batch: 8 }), /must not exceed the batch/);
});

test("without the node entry's threads, workers > 1 fails in one line; TrainRunOptions.parallel supplies them", () => {
  const opts = { steps: 3, batch: 16, seed: 1, warmupSteps: 0, checkpointEvery: 0, workers: 2 };
  const data = openDataSource("moons");
  registerDataParallel(undefined); // as in the pure core (nothing imported flowmatch/node)
  try {
    const state = createTrainState(config, opts);
    assert.throws(() => train(state, data), (e: unknown) => e instanceof OptionError && /flowmatch\/node/.test(e.message) && !e.message.includes("\n"));
    assert.equal(state.step, 0);
    // An explicit factory works without registration and gives the registered run's losses.
    const own = train(state, data, { parallel: workerThreadGrads });
    registerDataParallel(workerThreadGrads);
    const reg = train(createTrainState(config, opts), data);
    assert.deepEqual(own.losses, reg.losses);
    disposeTrainState(own);
    disposeTrainState(reg);
  } finally {
    registerDataParallel(workerThreadGrads);
  }
});
