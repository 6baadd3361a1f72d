/**
 * `flowmatch reflow`: 2-rectified flow. Draws (noise, sample) pairs from a trained model's ODE, then fine-tunes a
 * copy of it on those fixed pairs; reports straightness and few-step quality before and after.
 */
import { initEngine, treeCopy, treeDispose } from "../../engine/index.js";
import { loadModel, saveTrainState } from "../../node/index.js";
import { createTrainState, train, modelFromState, disposeTrainState, recentLoss } from "../../train/trainer.js";
import { generatePairs, pairedSource, straightness } from "../../fm/reflow.js";
import { OptionError } from "../../errors.js";
import { parseCommand, num, type CommandSpec } from "../args.js";
import { progressBar } from "../progress.js";
import { claimCheckpointOut, realPathLoose } from "../../node/output-path.js";
import { formatNumber as sig } from "../../format.js";
import { defaultTrainOptions } from "../../train/options.js";
import { checkReflowPairs, checkVelocityBatch } from "../memory-checks.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { savedFlowArch } from "../resume-check.js";

export const reflowSpec: CommandSpec = {
  name: "reflow",
  summary: "Reflow a trained model: train on its own (noise, sample) pairs so paths straighten (few-step sampling).",
  usage: "flowmatch reflow --model DIR --out DIR2 [--pairs N] [--steps S]",
  options: {
    model: { type: "string", help: "checkpoint of the model to straighten" },
    out: { type: "string", help: "output checkpoint directory", default: "runs/reflow" },
    pairs: { type: "string", help: "number of (noise, sample) pairs, drawn with dopri5", default: "20000" },
    steps: { type: "string", help: "training steps on the pairs", default: "3000" },
    lr: { type: "string", help: "peak learning rate", default: "1e-3" },
    batch: { type: "string", help: "batch size", default: "512" },
    seed: { type: "string", help: "seed of the pairs and the training stream", default: "0" },
    overwrite: { type: "boolean", help: "replace a checkpoint already in --out (never the --model one)" },
    quiet: { type: "boolean", short: "q", help: "no progress output" },
  },
  examples: ["flowmatch reflow --model runs/8g --out runs/8g-reflow"],
};

export async function reflowCommand(argv: string[]): Promise<void> {
  const v = parseCommand(reflowSpec, argv);
  if (!v) return;
  if (!v.model) throw new OptionError("reflow: --model DIR is required");
  if (isFlowCheckpoint(String(v.model)))
    throw new OptionError(`--model ${String(v.model)} holds a ${savedFlowArch(String(v.model))} normalizing flow; reflow straightens flow-matching models only`);
  const out = String(v.out);
  if (out.trim() !== "" && realPathLoose(out) === realPathLoose(String(v.model))) {
    throw new OptionError(`--out ${out} is the --model checkpoint; reflow writes a new model: give another --out`);
  }
  const lock = claimCheckpointOut(out, { overwrite: !!v.overwrite, hint: "pass --overwrite to replace it" });
  try {
    await reflowLocked(v, out);
  } finally {
    lock.release();
  }
}

async function reflowLocked(v: Record<string, string | boolean | undefined>, out: string): Promise<void> {
  await initEngine();
  const base = loadModel(String(v.model));
  const quiet = !!v.quiet;
  const n = num(v, "pairs", { int: true, min: 1 })!;
  const seed = num(v, "seed", { int: true, min: 0 })!;
  const say = (s: string) => quiet || process.stderr.write(s + "\n");
  const options = { steps: num(v, "steps", { int: true, min: 1 }), lr: num(v, "lr", { min: 0 }), batch: num(v, "batch", { int: true, min: 1 }), seed };
  // Refused before any solving: pairs or a batch that cannot fit (the pairs stay in memory for the whole run).
  checkReflowPairs(base.dim, n);
  checkVelocityBatch(base.config, { ...defaultTrainOptions, ...options, batch: options.batch ?? defaultTrainOptions.batch });
  const before = straightness(base, 1000, { seed: seed + 1 });
  say(`straightness before: ${sig(before)}; drawing ${n} pairs with dopri5…`);
  const pairs = generatePairs(base, n, { seed: seed + 2 });
  const state = createTrainState(base.config, options);
  // Start from the model's weights (loaded checkpoints share the initializer's layout, so Adam's moments line up).
  treeDispose(state.params);
  treeDispose(state.ema);
  state.params = treeCopy(base.params);
  state.ema = treeCopy(base.params);
  const data = pairedSource({ spec: base.config.data ?? String(v.model), standardizer: base.config.standardizer }, pairs, base.dim);
  const bar = progressBar(state.options.steps, "reflow", { quiet, unit: "step" });
  train(state, data, { onProgress: (p) => bar.update(p.step, `loss ${sig(p.avgLoss)}`), onCheckpoint: (s) => saveTrainState(out, s) });
  bar.finish(`loss ${sig(recentLoss(state))}`);
  const model = modelFromState(state);
  const after = straightness(model, 1000, { seed: seed + 1 });
  process.stdout.write(`straightness ${sig(before)} → ${sig(after)}; saved ${out}\n`);
  model.dispose();
  base.dispose();
  disposeTrainState(state);
}
