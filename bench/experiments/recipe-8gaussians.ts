// Reproduce: node --import tsx bench/experiments/recipe-8gaussians.ts '{"lr":0.002}'
// Tuning harness: train on 8gaussians with the given options (JSON argv[2]) and report KL, mode stats.
import { initEngine, Rng } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/train/data-source.js";
import { defaultMlpConfig } from "../../src/nn/mlp.js";
import { sample } from "../../src/sample.js";
import { logProb } from "../../src/likelihood/index.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";
await initEngine();
const opts = JSON.parse(process.argv[2] ?? "{}");
const mlp = { ...defaultMlpConfig(2), ...(opts.mlp ?? {}) };
delete opts.mlp;
const evalOpts = opts.eval ?? {}; delete opts.eval;
const data = openDataSource("8gaussians");
const t0 = Date.now();
const state = train(createTrainState({ kind: "flow-matching", mlp, path: "condot" }, { steps: 5000, seed: 0, ...opts }), data);
const trainSec = (Date.now() - t0) / 1000;
for (const useEma of (opts.emaDecay === 0 ? [false] : [true, false])) {
  const model = modelFromState(useEma ? state : { ...state, options: { ...state.options, emaDecay: 0 } });
  const x = eightGaussians.sample(3000, new Rng(12345));
  const lq = logProb(model, x, { rtol: 1e-5, atol: 1e-5, ...evalOpts }).logp;
  const lq6 = useEma ? logProb(model, x, { rtol: 1e-6, atol: 1e-6 }).logp : lq;
  const lp = eightGaussians.logProb!(x);
  let kl = 0, kl6 = 0; for (let i = 0; i < lp.length; i++) { kl += lp[i] - lq[i]; kl6 += lp[i] - lq6[i]; } kl /= lp.length; kl6 /= lp.length;
  const s = sample(model, 10000, { method: "euler", steps: 100, seed: 1 }).samples;
  let wr = 0, wb = 0; const counts = new Array(8).fill(0);
  for (let i = 0; i < 10000; i++) {
    let best = 0, bd = Infinity;
    eightGaussians.centers.forEach((c, k) => { const d = Math.hypot(s[2*i]-c[0], s[2*i+1]-c[1]); if (d < bd) [bd, best] = [d, k]; });
    counts[best]++;
    const c = eightGaussians.centers[best];
    if (bd < 2 * eightGaussians.std) wr++;
    if (Math.abs(s[2*i]-c[0]) < 2*eightGaussians.std && Math.abs(s[2*i+1]-c[1]) < 2*eightGaussians.std) wb++;
  }
  console.log(JSON.stringify({ opts, ema: useEma, trainSec, kl: +kl.toFixed(4), kl6: +kl6.toFixed(4), within2sR: wr / 1e4, within2sBox: wb / 1e4, shares: counts.map(c => c / 1e4), finalLoss: state.losses.slice(-100).reduce((a,b)=>a+b,0)/100 }));
  model.dispose();
}
disposeTrainState(state);
