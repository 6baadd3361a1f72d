// npm run bench: prints JSON. Train-step time and GFLOP/s of the reference MLP ([x,t] → 256×3 → 2, SiLU, batch
// 512, Adam), and Euler-100 sampling of 10,000 points. FLOPs count a multiply–add as 2; a training step is
// counted as 3× the forward pass (forward + two backward matmuls per layer), the usual convention.
import { initEngine } from "../src/engine/index.js";
import { createTrainState, train, disposeTrainState } from "../src/train/trainer.js";
import { openDataSource } from "../src/train/data-source.js";
import { mlpForwardFlops, type MlpConfig } from "../src/nn/mlp.js";
import { VelocityModel } from "../src/model/velocity-model.js";
import { sample } from "../src/sample.js";

const device = await initEngine();
const ref: MlpConfig = { dim: 2, hidden: [256, 256, 256], activation: "silu", time: { kind: "none" } };
const batch = 512;
const warm = 20, timed = Number(process.env.BENCH_STEPS ?? 150);

const data = openDataSource("8gaussians");
const state = createTrainState({ kind: "flow-matching", mlp: ref, path: "condot" }, { steps: warm + timed, batch, clipNorm: 0, checkpointEvery: 0 });
train(state, data, { stopAt: warm }); // compile + warm up
const t0 = performance.now();
train(state, data);
const stepMs = (performance.now() - t0) / timed;
disposeTrainState(state);
const stepFlops = 3 * mlpForwardFlops(ref, batch);

const model = VelocityModel.init({ kind: "flow-matching", mlp: ref, path: "condot" }, 0);
sample(model, 10000, { method: "euler", steps: 2, seed: 0 }); // compile for this batch shape
const t1 = performance.now();
const s = sample(model, 10000, { method: "euler", steps: 100, seed: 1 });
const sampleSec = (performance.now() - t1) / 1000;
const evalFlops = mlpForwardFlops(ref, 10000) * s.nfe;
model.dispose();

console.log(JSON.stringify({
  device,
  node: process.version,
  train_step: {
    model: "[x,t] -> 256 -> 256 -> 256 -> 2, SiLU, Adam", batch, steps_timed: timed,
    ms_per_step: +stepMs.toFixed(2), gflops_per_s: +(stepFlops / stepMs / 1e6).toFixed(2), flops_per_step: stepFlops,
    ratio_vs_pytorch_6_3ms: +(stepMs / 6.3).toFixed(2),
  },
  sample_euler100: {
    points: 10000, nfe: s.nfe, seconds: +sampleSec.toFixed(2),
    point_evals_per_s: Math.round((10000 * s.nfe) / sampleSec), gflops_per_s: +(evalFlops / sampleSec / 1e9).toFixed(2),
  },
}, null, 2));
