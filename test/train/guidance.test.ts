// Classifier-free guidance (issue 5): a mode-labelled 8gaussians model puts label-k samples in mode k ≥ 95% at w = 1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sample } from "../../src/fm/sample.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";

await initEngine();

test("labelled 8gaussians: at w = 1, samples of label k land in mode k ≥ 95% of the time (and w = 0 beats chance)", () => {
  const data = openDataSource("8gaussians", { cond: { columns: ["mode"] } });
  const st = train(createTrainState({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [64, 64] }, path: "condot", cond: data.cond }, { steps: 800, batch: 256, seed: 0 }), data);
  const m = modelFromState(st);
  disposeTrainState(st);
  const share = (w: number) => {
    let hit = 0;
    for (let k = 0; k < 8; k++) {
      const x = sample(m, 200, { method: "rk4", steps: 20, seed: 10 + k, label: String(k), guidance: w }).samples;
      for (let i = 0; i < 200; i++) {
        let best = 0, bd = Infinity;
        eightGaussians.centers.forEach((c, j) => {
          const d = Math.hypot(x[2 * i]! - c[0], x[2 * i + 1]! - c[1]);
          if (d < bd) [bd, best] = [d, j];
        });
        if (best === k) hit++;
      }
    }
    return hit / 1600;
  };
  const [s0, s1] = [share(0), share(1)];
  console.log(`in-mode share: w = 0 → ${s0}, w = 1 → ${s1}`);
  assert.ok(s1 >= 0.95, `w = 1: ${s1}`);
  assert.ok(s0 > 0.5, `w = 0: ${s0}`);
  m.dispose();
});
