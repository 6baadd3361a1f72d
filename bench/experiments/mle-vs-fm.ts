// Reproduce: node --import tsx bench/experiments/mle-vs-fm.ts fm '{"steps":5000}'  and  … mle '{"steps":1500,"batch":128,"mle":{"method":"rk4","steps":6,"kineticEnergy":0.05}}'
// Issue 3: CNF MLE vs flow matching on moons, same network; test NLL (exact, dopri5 1e-5) and wall time.
import { initEngine, Rng } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { logProb } from "../../src/likelihood/index.js";
import { getToy } from "../../src/data/registry.js";
await initEngine();
const which = process.argv[2];
const o = JSON.parse(process.argv[3] ?? "{}");
const hidden = o.hidden ?? [64, 64, 64]; delete o.hidden;
const data = openDataSource("moons");
const test = getToy("moons").sample(2000, new Rng(999));
const t0 = Date.now();
const st = createTrainState({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden }, path: "condot" }, { seed: 0, ...(which === "mle" ? { objective: "mle" } : {}), ...o });
train(st, data, { progressEvery: 100, onProgress: (p) => console.error(p.step, p.avgLoss.toFixed(4), p.stepsPerSec.toFixed(2)) });
const sec = (Date.now() - t0) / 1000;
const model = modelFromState(st);
const lp = logProb(model, test, { rtol: 1e-5, atol: 1e-5 }).logp;
const lpRk = which === "mle" ? logProb(model, test, { method: o.mle?.method ?? "rk4", steps: o.mle?.steps ?? 10 }).logp : lp;
const mean = (a: Float64Array) => -a.reduce((x, y) => x + y, 0) / a.length;
console.log(JSON.stringify({ which, o, hidden, trainSec: sec, testNll: +mean(lp).toFixed(4), testNllTrainSolver: +mean(lpRk).toFixed(4) }));
