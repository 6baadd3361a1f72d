// The quality bars of issues 2 and 3 on 8gaussians after 5,000 steps: the default recipe (≈ 2.5–3 min on 2 cores),
// and a ReLU velocity net trained on 2 threads (≈ 1.5 min), which meets issue 2's "≥ 90% within 2σ" outright.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine/index.js";
import "../../src/node/index.js"; // registers the worker threads that the 2-thread test uses
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sample } from "../../src/fm/sample.js";
import { evaluate, evaluable } from "../../src/metrics/evaluate.js";
import { Rng } from "../../src/index.js";
import { eightGaussians } from "../../src/data/index.js";
import { modeStats } from "../util/mode-stats.js";

await initEngine();

test("8gaussians, default recipe, 5,000 steps: modes 9–16% each, as tight as the data, KL(p‖q) ≤ 0.03 nats", () => {
  const data = openDataSource("8gaussians");
  const state = train(createTrainState({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, { steps: 5000, seed: 0 }), data);
  const model = modelFromState(state);
  disposeTrainState(state);
  const s = sample(model, 10000, { method: "euler", steps: 100, seed: 1 });
  const m = modeStats(s.samples);
  // Within radius 2σ a 2-D Gaussian holds only 1 − e^(−2) ≈ 86.5%, so the data itself is the reference.
  const ref = modeStats(eightGaussians.sample(10000, new Rng(5)));
  const report = evaluate(evaluable(model), { points: eightGaussians.sample(5000, new Rng(777)), dim: 2, logProbTrue: (x) => eightGaussians.logProb!(x) }, { skipSamples: true });
  console.log(
    `mode shares ${m.shares.map((v) => (100 * v).toFixed(1)).join(" ")}; within 2σ radius: model ${(100 * m.radius).toFixed(1)}%, ` +
      `data ${(100 * ref.radius).toFixed(1)}%; 2σ box: model ${(100 * m.box).toFixed(1)}%, data ${(100 * ref.box).toFixed(1)}%; ` +
      `KL ${report.kl!.kl.toFixed(4)} ± ${report.kl!.stderr.toFixed(4)} nats`,
  );
  m.shares.forEach((v, k) => assert.ok(v >= 0.09 && v <= 0.16, `mode ${k} holds ${(100 * v).toFixed(1)}%`));
  assert.ok(m.radius >= ref.radius - 0.03, `within 2σ: model ${m.radius}, data ${ref.radius}`);
  assert.ok(m.box >= ref.box - 0.03, `2σ box: model ${m.box}, data ${ref.box}`);
  assert.ok(report.kl!.kl <= 0.03, `KL ${report.kl!.kl} ± ${report.kl!.stderr}`);
  model.dispose();
});

// Over training seeds 0, 1, 2 (one thread) the ReLU net gave 90.3 / 90.3 / 90.4% in the 2σ box (SiLU: 89.4 / 88.9 /
// 88.8%) and KL 0.009 nats (seed 0); its price is a piecewise-constant divergence, so tight-tolerance exact
// likelihoods take ~6× the function evaluations — which is why SiLU stays the default.
test("8gaussians, ReLU net on 2 threads, 5,000 steps: modes 9–16% each, ≥ 90% of samples in a mode's 2σ box", () => {
  const mlp = { ...defaultMlpConfig(2), activation: "relu" as const };
  const state = train(createTrainState({ kind: "flow-matching", net: mlp, path: "condot" }, { steps: 5000, seed: 0, workers: 2 }), openDataSource("8gaussians"));
  const model = modelFromState(state);
  disposeTrainState(state);
  const m = modeStats(sample(model, 10000, { method: "euler", steps: 100, seed: 1 }).samples);
  model.dispose();
  const ref = modeStats(eightGaussians.sample(10000, new Rng(5)));
  console.log(`ReLU: mode shares ${m.shares.map((v) => (100 * v).toFixed(1)).join(" ")}; 2σ box ${(100 * m.box).toFixed(1)}% ` +
    `(data ${(100 * ref.box).toFixed(1)}%); within radius 2σ ${(100 * m.radius).toFixed(1)}% (data ${(100 * ref.radius).toFixed(1)}%)`);
  m.shares.forEach((v, k) => assert.ok(v >= 0.09 && v <= 0.16, `mode ${k} holds ${(100 * v).toFixed(1)}%`));
  assert.ok(m.box >= 0.9, `2σ box: ${m.box}`);
  assert.ok(m.radius >= ref.radius - 0.01, `within radius 2σ: model ${m.radius}, data ${ref.radius}`);
});
