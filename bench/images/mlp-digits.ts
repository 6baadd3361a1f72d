// The MLP baseline for issue 16's comparison: the default 256×3 Swish-4 velocity MLP trained on the same digits
// data as `train --data digits --net unet` (dequantized, [−1, 1), the same 10% held out, unconditional), then its
// bits/dim on the held-out digits by the same estimator as `eval` (image-eval.ts): exact and Hutchinson.
// node --import tsx bench/images/mlp-digits.ts [--steps 2000] [--method dopri5] [--steps-ode 10]
import { parseArgs } from "node:util";
import { initEngine } from "../../src/engine/index.js";
import "../../src/node/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { openImageSource } from "../../src/node/images.js";
import { imageBitsPerDim } from "../../src/cli/image-eval.js";
import { UNET_TRAIN_DEFAULTS as d } from "../../src/cli/image-train.js";

const { values: a } = parseArgs({ options: { steps: { type: "string", default: String(d.steps) }, method: { type: "string", default: "dopri5" }, "ode-steps": { type: "string", default: "10" } } });
await initEngine();
const data = openImageSource("digits", { testFraction: d.testFraction });
const t0 = performance.now();
const state = createTrainState(
  { kind: "flow-matching", net: defaultMlpConfig(data.dim), path: "condot", standardizer: data.standardizer, data: "digits", testFraction: d.testFraction },
  { steps: Number(a.steps), batch: d.batch, lr: d.lr, emaDecay: d.emaDecay, workers: 1, checkpointEvery: 0 },
);
train(state, data);
const trainSec = (performance.now() - t0) / 1000;
const model = modelFromState(state);
const o = { seed: 0, method: a.method, steps: Number(a["ode-steps"]), split: "the 10% held out" };
const exact = imageBitsPerDim(model, data.test!, { ...o, divergence: "exact" });
const hutch = imageBitsPerDim(model, data.test!, { ...o, divergence: "hutchinson" });
console.log(JSON.stringify({ net: "mlp 256x3 swish4", steps: Number(a.steps), train_seconds: +trainSec.toFixed(1), exact, hutchinson: hutch }, null, 2));
model.dispose();
disposeTrainState(state);
