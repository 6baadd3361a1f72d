/**
 * `flowmatch plot`: a PNG of a saved model (the library's `modelFigure`). Flow matching: data | samples |
 * trajectories; normalizing flows: data | samples | log-density (2-D), or data and sample mosaics (images).
 */
import { initEngine } from "../../engine/index.js";
import { loadModel, loadFlowModel } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { writeFileAtomic } from "../../node/checkpoint-dir.js";
import { checkOutputFile, writeOutputFile } from "../../node/output-path.js";
import { modelFigure } from "../../plot/figures.js";
import { OptionError } from "../../errors.js";
import { parseCommand, num, sampleOptions, solverArgs, flowContextArg, refuseSolverFlags, refuseFlowFlags, type CommandSpec } from "../args.js";
import { givenOptions } from "../resume-check.js";
import { guardOutput } from "../output-guard.js";
import { velocityFigureData, flowPoints } from "../data.js";
import { checkPlotPoints } from "../memory-checks.js";
import { imageFigure, modelImage } from "../image-plot.js";

export const plotSpec: CommandSpec = {
  name: "plot",
  summary: "Write a PNG: the data, the model's samples, and a few sampling trajectories (first two dimensions).",
  usage: "flowmatch plot --model DIR --out fig.png [--n N]   (image models: a row of --n samples per class, default 10)",
  options: {
    model: { type: "string", help: "checkpoint directory" },
    out: { type: "string", help: "output PNG", default: "flowmatch.png" },
    n: { type: "string", help: "points per panel", default: "5000" },
    trajectories: { type: "string", help: "number of trajectories drawn", default: "48" },
    data: { type: "string", help: "data to show (default: what the model was trained on)" },
    ...sampleOptions,
  },
};

/** The figure of a flow checkpoint: its data with the model's columns and conditions, samples at --temperature. */
function flowFigure(dir: string, v: Record<string, unknown>): Uint8Array {
  const flow = loadFlowModel(dir);
  try {
    const n = num(v, "n", { int: true, min: 1 })!;
    const seed = num(v, "seed", { int: true, min: 0 }) ?? 0;
    const temperature = num(v, "temperature", { min: 0 }) ?? 1;
    checkPlotPoints(flow.dim, n);
    // Uniformly drawn labels (a class-conditional flow without --label) are drawn by the figure, a chunk at a time.
    const uniform = flow.config.cond?.kind === "class" && v.label === undefined && v.context === undefined;
    const ctx = uniform ? undefined : flowContextArg(flow, 1, v, seed);
    const spec = (v.data as string | undefined) ?? flow.config.data;
    const image = flow.eventShape.length === 3;
    const d = spec ? flowPoints(flow, spec, image ? 16 : n, seed) : undefined;
    return modelFigure(flow, {
      n, seed, temperature, ctx, label: v.label === undefined ? undefined : String(v.label),
      data: d && spec ? { points: d.points, name: spec, labels: d.conds?.labels } : undefined,
      title: `flowmatch: ${dir} (${flow.config.arch})`,
    });
  } finally {
    flow.dispose();
  }
}

export async function plotCommand(argv: string[]): Promise<void> {
  const v = parseCommand(plotSpec, argv);
  if (!v) return;
  if (!v.model) throw new OptionError("plot: --model DIR is required");
  guardOutput("--out", v.out, { "--model": v.model, "--data": v.data });
  checkOutputFile(String(v.out)); // before any sampling
  const dir = String(v.model);
  let png: Uint8Array;
  if (isFlowCheckpoint(dir)) {
    refuseSolverFlags(givenOptions(argv), dir, ["trajectories"]);
    await initEngine();
    png = flowFigure(dir, v);
  } else {
    if (v.context !== undefined) throw new OptionError("--context is for conditional normalizing flows");
    refuseFlowFlags(givenOptions(argv), dir);
    await initEngine();
    const model = loadModel(dir);
    try {
      const n = num(v, "n", { int: true, min: 1 })!;
      if (modelImage(model)) {
        // Image models: a grid of samples, a row per class (--n: images per row, default 10).
        const perRow = argv.some((a) => a === "--n" || a.startsWith("--n=")) ? n : 10;
        png = imageFigure(model, { perRow, ...solverArgs(v), title: `flowmatch: ${dir}` });
        writeOutputFile(String(v.out), png, writeFileAtomic);
        process.stderr.write(`wrote ${v.out}\n`);
        return;
      }
      checkPlotPoints(model.dim, n);
      const trajectories = num(v, "trajectories", { int: true, min: 0 })!;
      const spec = (v.data as string | undefined) ?? model.config.data;
      const data = spec ? velocityFigureData(model, spec, n) : undefined;
      png = modelFigure(model, { n, trajectories, data, ...solverArgs(v), title: `flowmatch: ${dir}` });
    } finally {
      model.dispose();
    }
  }
  writeOutputFile(String(v.out), png, writeFileAtomic);
  process.stderr.write(`wrote ${v.out}\n`);
}
