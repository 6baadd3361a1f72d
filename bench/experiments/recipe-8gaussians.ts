// Reproduce: node --import tsx bench/experiments/recipe-8gaussians.ts '{"lr":0.002}' [--kl]
// Tuning harness for issue 2's bar: train on 8gaussians for 5,000 steps (or "steps") with the given train options
// (JSON; "mlp", "path" and "prediction" set the model) and print, for 10,000 Euler-100 samples from the EMA and from
// the raw weights: the share within radius 2σ and within the per-coordinate 2σ box of the nearest mode, the share
// beyond 4σ, the radial and tangential spread of the points within 4σ (in units of σ), the mean radial offset; and
// with --kl, KL(p‖q) on 2,000 points (dopri5 at 1e-5). The data's own figures are printed beside them.
import { initEngine, Rng } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/train/data-source.js";
import { defaultMlpConfig } from "../../src/nn/mlp.js";
import { sample } from "../../src/sample.js";
import { logProb } from "../../src/likelihood/index.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";

await initEngine();
const { mlp: mlpOpts, path = "condot", prediction, ...opts } = JSON.parse(process.argv[2] ?? "{}");
const mlp = { ...defaultMlpConfig(2), ...(mlpOpts ?? {}) };

/** Mode statistics of 2-D points against the 8 true centers; spreads and offset in units of the component σ. */
function modeStats(x: Float64Array) {
  const s = eightGaussians.std, n = x.length / 2;
  let radius = 0, box = 0, far = 0, inside = 0, rad2 = 0, tan2 = 0, radSum = 0;
  for (let i = 0; i < n; i++) {
    let best = 0, bd = Infinity;
    eightGaussians.centers.forEach((c, k) => {
      const d = Math.hypot(x[2 * i]! - c[0], x[2 * i + 1]! - c[1]);
      if (d < bd) [bd, best] = [d, k];
    });
    const c = eightGaussians.centers[best]!;
    const dx = x[2 * i]! - c[0], dy = x[2 * i + 1]! - c[1];
    if (bd < 2 * s) radius++;
    if (Math.abs(dx) < 2 * s && Math.abs(dy) < 2 * s) box++;
    if (bd > 4 * s) { far++; continue; }
    const norm = Math.hypot(c[0], c[1]), ux = c[0] / norm, uy = c[1] / norm;
    const r = dx * ux + dy * uy, t = -dx * uy + dy * ux;
    inside++; rad2 += r * r; tan2 += t * t; radSum += r;
  }
  const f = (v: number) => +v.toFixed(4);
  return { radius: radius / n, box: box / n, beyond4s: far / n, radialSpread: f(Math.sqrt(rad2 / inside) / s),
    tangentialSpread: f(Math.sqrt(tan2 / inside) / s), radialOffset: f(radSum / inside / s) };
}

const t0 = Date.now();
const state = train(createTrainState({ kind: "flow-matching", mlp, path, ...(prediction ? { prediction } : {}) }, { steps: 5000, seed: 0, ...opts }),
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
