// Reproduce: node --import tsx bench/experiments/recipe-8gaussians.ts '{"lr":0.002}' [--kl]
// Tuning harness for issue 2's bar: train on 8gaussians for 5,000 steps (or "steps") with the given train options
// (JSON; "mlp", "path" and "prediction" set the model) and print, for 10,000 Euler-100 samples from the EMA and from
// the raw weights: the share within radius 2σ and within the per-coordinate 2σ box of the nearest mode, the share
// beyond 4σ, the radial and tangential spread of the points within 4σ (in units of σ), the mean radial offset; and
// with --kl, KL(p‖q) on 2,000 points (dopri5 at 1e-5). The data's own figures are printed beside them.
import { initEngine, Rng } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sample } from "../../src/fm/sample.js";
import { logProb } from "../../src/likelihood/index.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";
import { modeStats } from "../../test/util/mode-stats.js";

await initEngine();
const { mlp: mlpOpts, path = "condot", prediction, ...opts } = JSON.parse(process.argv[2] ?? "{}");
const mlp = { ...defaultMlpConfig(2), ...(mlpOpts ?? {}) };

const t0 = Date.now();
const state = train(createTrainState({ kind: "flow-matching", net: mlp, path, ...(prediction ? { prediction } : {}) }, { steps: 5000, seed: 0, ...opts }),
  openDataSource("8gaussians"));
const out: Record<string, unknown> = { options: process.argv[2] ?? "{}", trainSec: (Date.now() - t0) / 1000 };
for (const ema of [true, false]) {
  const model = modelFromState(ema ? state : { ...state, options: { ...state.options, emaDecay: 0 } });
  out[ema ? "ema" : "raw"] = modeStats(sample(model, 10000, { method: "euler", steps: 100, seed: 1 }).samples);
  if (ema && process.argv.includes("--kl")) {
    const x = eightGaussians.sample(2000, new Rng(12345));
    const lq = logProb(model, x, { rtol: 1e-5, atol: 1e-5 }).logp, lp = eightGaussians.logProb!(x);
    let kl = 0;
    for (let i = 0; i < lp.length; i++) kl += lp[i]! - lq[i]!;
    out.kl = +(kl / lp.length).toFixed(4);
  }
  model.dispose();
}
out.data = modeStats(eightGaussians.sample(10000, new Rng(5)));
console.log(JSON.stringify(out));
disposeTrainState(state);
