/**
 * CNF maximum-likelihood objective: its loss is −mean log q from the likelihood module on the same batch (fixed-step
 * and adaptive grids), its gradient matches float64 central differences, the RNODE regularizers add positive
 * terms, and an MLE run resumes exactly.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initEngine, np, Rng, jit, valueAndGrad, treeRef, toHostF64, treeLeaves, type Array } from "../../src/engine/index.js";
import { makeObjective } from "../../src/fm/objectives.js";
import { resolveTrainOptions, type TrainOptions } from "../../src/train/options.js";
import { createTrainState, train, disposeTrainState } from "../../src/train/trainer.js";
import { saveTrainState, loadTrainState } from "../../src/node/train-state.js";
import { openDataSource } from "../../src/data/data-source.js";
import { VelocityModel, type ModelConfig } from "../../src/fm/velocity-model.js";
import { logProb } from "../../src/likelihood/index.js";
import type { MlpParams } from "../../src/nets/mlp.js";
import type { ModelParams } from "../../src/fm/velocity-model.js";

await initEngine();

const config: ModelConfig = { kind: "flow-matching", net: { kind: "mlp", dim: 2, hidden: [8, 8], activation: "relu", time: { kind: "sinusoidal", size: 4 } }, path: "condot" };
const data = openDataSource("moons");
// ReLU keeps the float64 graphs cheap (the exact float64 tanh/exp are long op chains); finite differences with a
// tiny step rarely cross a kink, and the checks below compare like with like.

function objectiveFor(mle: Partial<TrainOptions["mle"]>, batch = 16) {
  const o = resolveTrainOptions({ objective: "mle", batch, mle: mle as TrainOptions["mle"] });
  return makeObjective(config, o, np.float64);
}

function lossAndBatch(model: VelocityModel, mle: Partial<TrainOptions["mle"]>) {
  const obj = objectiveFor(mle);
  const inputs = obj.draw(new Rng(1), data, model.params);
  const x1 = toHostF64(inputs[0]!.ref);
  const f = jit((p: ModelParams, xs: Array[]) => obj.loss(p, xs));
  const loss = f(treeRef(model.params), inputs).item();
  (f as unknown as { dispose(): void }).dispose();
  obj.dispose();
  return { loss, x1 };
}

test("MLE loss = −mean log q of the likelihood module on the same batch (rk4 grid and adaptive dopri5 grid)", () => {
  const model = VelocityModel.init(config, 2, np.float64);
  const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
  const fixed = lossAndBatch(model, { method: "rk4", steps: 6 });
  const want = -mean(logProb(model, fixed.x1, { method: "rk4", steps: 6 }).logp);
  assert.ok(Math.abs(fixed.loss - want) < 1e-10, `rk4: loss ${fixed.loss} vs ${want}`);
  const adaptive = lossAndBatch(model, { method: "dopri5", rtol: 1e-6, atol: 1e-6 });
  const wantA = -mean(logProb(model, adaptive.x1, { method: "dopri5", rtol: 1e-6, atol: 1e-6 }).logp);
  assert.ok(Math.abs(adaptive.loss - wantA) < 1e-9, `dopri5: loss ${adaptive.loss} vs ${wantA}`);
  model.dispose();
});

test("MLE gradient matches float64 central differences (exact and Hutchinson divergence)", () => {
  for (const divergence of ["exact", "hutchinson"] as const) {
    const model = VelocityModel.init(config, 3, np.float64);
    const obj = objectiveFor({ method: "midpoint", steps: 4, divergence, probes: 2 }, 8);
    const inputs = obj.draw(new Rng(4), data, model.params);
    const vg = jit(valueAndGrad((p: ModelParams, xs: Array[]) => obj.loss(p, xs)));
    const lossAt = (p: ModelParams) => {
      const [v, gr] = vg(p, inputs.map((a) => a.ref)) as unknown as [Array, ModelParams];
      treeLeaves(gr).forEach((a) => a.dispose());
      return v.item();
    };
    const [v0, g] = vg(treeRef(model.params), inputs.map((a) => a.ref)) as unknown as [Array, ModelParams];
    v0.dispose();
    // Directional derivative along a random direction d over all leaves.
    const rng = new Rng(5);
    const leaves = treeLeaves(model.params);
    const dirs = leaves.map((l) => rng.normals(l.size));
    const gl = treeLeaves(g).map((a) => toHostF64(a.ref));
    let analytic = 0;
    gl.forEach((gv, i) => gv.forEach((v, j) => (analytic += v * dirs[i]![j]!)));
    const eps = 1e-5;
    const shifted = (s: number): ModelParams => ({
      net: {
        layers: (model.params.net as MlpParams).layers.map((l, k) => ({
          w: l.w.ref.add(np.array(dirs[2 * k]!, { dtype: np.float64 }).reshape(l.w.shape).mul(s)),
          b: l.b.ref.add(np.array(dirs[2 * k + 1]!, { dtype: np.float64 }).reshape(l.b.shape).mul(s)),
        })),
      },
    });
    const numeric = (lossAt(shifted(eps)) - lossAt(shifted(-eps))) / (2 * eps);
    assert.ok(Math.abs(analytic - numeric) < 1e-6 * Math.max(1, Math.abs(numeric)), `${divergence}: ${analytic} vs ${numeric}`);
    inputs.forEach((a: Array) => a.dispose());
    (vg as unknown as { dispose(): void }).dispose();
    obj.dispose();
    model.dispose();
  }
});

test("kinetic-energy and Jacobian-Frobenius regularizers add positive terms proportional to their weights", () => {
  const model = VelocityModel.init(config, 6, np.float64);
  const base = lossAndBatch(model, { method: "rk4", steps: 4 }).loss;
  const k1 = lossAndBatch(model, { method: "rk4", steps: 4, kineticEnergy: 1 }).loss - base;
  const k2 = lossAndBatch(model, { method: "rk4", steps: 4, kineticEnergy: 2 }).loss - base;
  const j1 = lossAndBatch(model, { method: "rk4", steps: 4, jacobianFrobenius: 1 }).loss - base;
  assert.ok(k1 > 0 && j1 > 0, `regularizers ${k1}, ${j1}`);
  assert.ok(Math.abs(k2 - 2 * k1) < 1e-10);
  model.dispose();
});

test("an MLE run resumes exactly (probes and data continue the same stream)", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-mle-"));
  try {
    const opts = { objective: "mle" as const, steps: 6, batch: 32, seed: 1, warmupSteps: 2, checkpointEvery: 0, mle: { method: "euler", steps: 3, divergence: "hutchinson" } as TrainOptions["mle"] };
    const full = train(createTrainState(config, opts), data);
    const part = train(createTrainState(config, opts), data, { stopAt: 3 });
    saveTrainState(dir, part);
    disposeTrainState(part);
    const resumed = train(loadTrainState(dir), data);
    assert.deepEqual(resumed.losses, full.losses);
    assert.equal(resumed.options.objective, "mle");
    disposeTrainState(full);
    disposeTrainState(resumed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
