/** `flowmatch demo`: 3,000 training steps on a toy (ONNX Runtime where it loads), then a PNG of data, samples and trajectories. */
import { join } from "node:path";
import { modelFromState, disposeTrainState } from "../../train/trainer.js";
import { modelFigure } from "../../plot/figures.js";
import { writeFileAtomic } from "../../node/checkpoint-dir.js";
import { checkOutputFile, writeOutputFile } from "../../node/output-path.js";
import { OutputError } from "../../errors.js";
import { parseCommand, num, workersArg, type CommandSpec } from "../args.js";
import { velocityFigureData } from "../data.js";
import { runTraining } from "./train.js";
import { backendArg, backendOption } from "../backend-arg.js";
import { givenOptions } from "../resume-check.js";

export const demoSpec: CommandSpec = {
  name: "demo",
  summary: "Train a flow-matching model on a 2-D toy (3,000 steps) and write a PNG of data, samples and trajectories.",
  usage: "flowmatch demo [--data 8gaussians] [--out flowmatch-demo]",
  options: {
    data: { type: "string", help: "toy distribution", default: "8gaussians" },
    out: { type: "string", help: "output directory (checkpoint + demo.png)", default: "flowmatch-demo" },
    steps: { type: "string", help: "training steps", default: "3000" },
    seed: { type: "string", help: "seed", default: "0" },
    workers: { type: "string", help: "threads for the gradient: a number, or auto (this machine's cores, at most 4)", default: "auto" },
    // auto by default, unlike train: the demo is the first thing a user runs, and ONNX Runtime (installed with the
    // package as an optional dependency) trains it about 4× faster; wasm where it does not load.
    backend: { ...backendOption("each training step as one graph call"), default: "auto" },
    overwrite: { type: "boolean", help: "replace the checkpoint of an earlier demo in --out" },
    quiet: { type: "boolean", short: "q", help: "no progress output" },
  },
};

export async function demoCommand(argv: string[]): Promise<void> {
  const v = parseCommand(demoSpec, argv);
  if (!v) return;
  const out = String(v.out);
  if (out.trim() === "") throw new OutputError("--out is empty: give a folder for the checkpoint and demo.png");
  const modelDir = join(out, "model");
  const file = join(out, "demo.png");
  const steps = num(v, "steps", { int: true, min: 1 })!;
  const { state } = await runTraining({
    backend: backendArg(v), given: givenOptions(argv),
    data: String(v.data), out: modelDir, overwrite: !!v.overwrite, outHint: "pass --overwrite to replace it", preflight: () => void checkOutputFile(file), quiet: !!v.quiet, label: `train ${String(v.data)}`,
    options: { steps, batch: 512, seed: num(v, "seed", { int: true, min: 0 }), workers: workersArg(v, true), checkpointEvery: 0, warmupSteps: 50 },
  });
  const model = modelFromState(state);
  disposeTrainState(state);
  const n = 4000;
  const spec = model.config.data;
  const data = spec ? velocityFigureData(model, spec, n) : undefined;
  const png = modelFigure(model, { n, trajectories: 48, data, method: "rk4", steps: 25, seed: 0, title: `flowmatch demo: ${String(v.data)}, ${steps} steps` });
  writeOutputFile(file, png, writeFileAtomic);
  model.dispose();
  if (!v.quiet) process.stderr.write(`wrote ${file} (model checkpoint in ${modelDir})\n`);
  console.log(file);
}
