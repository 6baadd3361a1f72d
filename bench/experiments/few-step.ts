// Reproduce: node --import tsx bench/experiments/few-step.ts 3000
// Issue 5 experiment: few-step W2 for independent / OT / reflow models on 8gaussians, straightness, and CFG accuracy.
import { initEngine, Rng, treeCopy, treeDispose } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sample } from "../../src/fm/sample.js";
import { wasserstein2 } from "../../src/metrics/index.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";
import { generatePairs, pairedSource, straightness } from "../../src/fm/reflow.js";
await initEngine();
const S = Number(process.argv[2] ?? 3000);
const log = (o: unknown) => console.log(JSON.stringify(o));
const data = openDataSource("8gaussians");
const ref = eightGaussians.sample(2000, new Rng(4242));
const cfg = { kind: "flow-matching" as const, net: defaultMlpConfig(2), path: "condot" };
function table(name: string, model: ReturnType<typeof modelFromState>, extra: object = {}) {
  const row: Record<string, number | string> = { name };
  for (const k of [1, 2, 4, 8]) row[`euler${k}`] = +wasserstein2(ref, sample(model, 2000, { method: "euler", steps: k, seed: 7 }).samples, 2).toFixed(4);
  row.dopri5 = +wasserstein2(ref, sample(model, 2000, { method: "dopri5", seed: 7 }).samples, 2).toFixed(4);
  row.straightness = +straightness(model, 1000, { seed: 3 }).toFixed(4);
  log({ ...row, ...extra });
}
let t0 = Date.now();
const ind = train(createTrainState(cfg, { steps: S, seed: 0 }), data);
const mInd = modelFromState(ind);
table("independent", mInd, { trainSec: (Date.now() - t0) / 1000 });
t0 = Date.now();
const ot = train(createTrainState(cfg, { steps: S, seed: 0, coupling: "ot" }), data);
table("ot", modelFromState(ot), { trainSec: (Date.now() - t0) / 1000 });
disposeTrainState(ot);
t0 = Date.now();
const pairs = generatePairs(mInd, 20000, { seed: 11 });
const genSec = (Date.now() - t0) / 1000;
t0 = Date.now();
const rf = createTrainState(cfg, { steps: S, seed: 1, lr: 1e-3 });
treeDispose(rf.params); treeDispose(rf.ema);
rf.params = treeCopy(mInd.params); rf.ema = treeCopy(mInd.params);
train(rf, pairedSource(data, pairs, 2));
table("reflow (2-rectified)", modelFromState(rf), { pairGenSec: genSec, trainSec: (Date.now() - t0) / 1000 });
disposeTrainState(rf); disposeTrainState(ind);
// Classifier-free guidance on mode-labelled 8gaussians.
t0 = Date.now();
const cdata = openDataSource("8gaussians", { cond: { columns: ["mode"] } });
const cs = train(createTrainState({ ...cfg, cond: cdata.cond }, { steps: S, seed: 0 }), cdata);
const cm = modelFromState(cs);
const trainSec = (Date.now() - t0) / 1000;
for (const w of [0, 1, 3]) {
  let hit = 0;
  for (let k = 0; k < 8; k++) {
    const x = sample(cm, 500, { method: "rk4", steps: 20, seed: 20 + k, label: String(k), guidance: w }).samples;
    for (let i = 0; i < 500; i++) {
      let best = 0, bd = Infinity;
      eightGaussians.centers.forEach((c, j) => { const d = Math.hypot(x[2*i]-c[0], x[2*i+1]-c[1]); if (d < bd) [bd, best] = [d, j]; });
      if (best === k) hit++;
    }
  }
  log({ guidance: w, inMode: hit / 4000, trainSec });
}
