/** `flowmatch sample` and `flowmatch plot`: draw samples from a saved model; write CSV or a PNG figure. */
import { initEngine, Rng } from "../engine/index.js";
import { sample } from "../sample.js";
import { loadModel, openDataSource, isFlowCheckpoint } from "../node/index.js";
import { writeFileAtomic } from "../node/checkpoint-dir.js";
import { unstandardize } from "../data/normalize.js";
import { renderPanels } from "../plot/index.js";
import type { VelocityModel } from "../model/velocity-model.js";
import { OptionError } from "../errors.js";
import { parseCommand, num, type CommandSpec } from "./args.js";
import { flowSampleCommand, flowPlotCommand } from "./flow.js";

const solverOpts = {
  method: { type: "string", help: "ODE solver: euler, midpoint, heun, rk4, dopri5", default: "rk4" },
  steps: { type: "string", help: "steps for fixed-step solvers", default: "50" },
  rtol: { type: "string", help: "dopri5 relative tolerance", default: "1e-5" },
  atol: { type: "string", help: "dopri5 absolute tolerance", default: "1e-5" },
  seed: { type: "string", help: "noise seed", default: "0" },
  temperature: { type: "string", help: "normalizing flows: base temperature (std multiplier)", default: "1" },
  label: { type: "string", help: "class-conditional models: the label to sample (default: ∅, unconditional)" },
  context: { type: "string", help: "conditional normalizing flows: the context values, comma-separated" },
  guidance: { type: "string", help: "classifier-free guidance weight w: (1 + w)·v(c) − w·v(∅)", default: "0" },
} as const;

export const sampleSpec: CommandSpec = {
  name: "sample",
  summary: "Draw samples from a trained model (noise at t = 0 carried to data at t = 1) and write them as CSV.",
  usage: "flowmatch sample --model DIR --n N [--method M] [--steps K] --out samples.csv",
  options: {
    model: { type: "string", help: "checkpoint directory" },
    n: { type: "string", help: "number of samples", default: "1000" },
    out: { type: "string", help: "output CSV (default: stdout)" },
    ...solverOpts,
  },
  examples: ["flowmatch sample --model runs/8g --n 10000 --method euler --steps 100 --out samples.csv"],
};

export const plotSpec: CommandSpec = {
  name: "plot",
  summary: "Write a PNG: the data, the model's samples, and a few sampling trajectories (first two dimensions).",
  usage: "flowmatch plot --model DIR --out fig.png [--n N]",
  options: {
    model: { type: "string", help: "checkpoint directory" },
    out: { type: "string", help: "output PNG", default: "flowmatch.png" },
    n: { type: "string", help: "points per panel", default: "5000" },
    trajectories: { type: "string", help: "number of trajectories drawn", default: "48" },
    data: { type: "string", help: "data to show (default: what the model was trained on)" },
    ...solverOpts,
  },
};

function solverArgs(v: Record<string, unknown>) {
  return {
    method: String(v.method),
    steps: num(v, "steps", { int: true, min: 1 }),
    rtol: num(v, "rtol", { min: 0 }),
    atol: num(v, "atol", { min: 0 }),
    seed: num(v, "seed", { int: true, min: 0 }),
    label: v.label === undefined ? undefined : String(v.label),
    guidance: num(v, "guidance"),
  };
}

function openModel(v: Record<string, unknown>, cmd: string): VelocityModel {
  if (!v.model) throw new OptionError(`${cmd}: --model DIR is required`);
  if (v.context !== undefined) throw new OptionError("--context is for conditional normalizing flows");
  return loadModel(String(v.model));
}

export function toCsv(data: Float64Array, dim: number): string {
  const head = Array.from({ length: dim }, (_, j) => `x${j}`).join(",");
  const rows: string[] = [head];
  for (let i = 0; i < data.length / dim; i++) rows.push(Array.from(data.subarray(i * dim, (i + 1) * dim), (x) => String(x)).join(","));
  return rows.join("\n") + "\n";
}

export async function sampleCommand(argv: string[]): Promise<void> {
  const v = parseCommand(sampleSpec, argv);
  if (!v) return;
  if (v.model && isFlowCheckpoint(String(v.model))) return flowSampleCommand(v);
  await initEngine();
  const model = openModel(v, "sample");
  const n = num(v, "n", { int: true, min: 1 })!;
  const r = sample(model, n, solverArgs(v));
  const csv = toCsv(r.samples, model.dim);
  if (v.out) {
    writeFileAtomic(String(v.out), csv);
    process.stderr.write(`wrote ${n} samples to ${v.out} (NFE ${r.nfe})\n`);
  } else process.stdout.write(csv);
  model.dispose();
}

/** First two columns of row-major [n, D] data. */
function firstTwo(x: Float64Array, dim: number): Float64Array {
  if (dim === 2) return x;
  const n = x.length / dim;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = x[i * dim];
    out[2 * i + 1] = dim > 1 ? x[i * dim + 1] : 0;
  }
  return out;
}

/** Renders data | samples | trajectories for a model; returns PNG bytes. */
export function renderModelFigure(model: VelocityModel, o: { n: number; trajectories: number; data?: string; method?: string; steps?: number; rtol?: number; atol?: number; seed?: number; title?: string; label?: string; guidance?: number }): Uint8Array {
  const D = model.dim;
  const panels = [];
  const spec = o.data ?? model.config.data;
  if (spec) {
    const src = openDataSource(spec, { standardizer: model.config.standardizer, cond: undefined });
    let pts: Float64Array;
    if (src.table) {
      const rows = Math.min(o.n, src.table.rows);
      pts = src.table.data.subarray(0, rows * D);
    } else {
      const z = src.sample(o.n, new Rng(12345));
      pts = src.standardizer ? unstandardize(z, src.standardizer) : z;
    }
    panels.push({ title: `data (${spec})`, points: firstTwo(pts, D) });
  }
  const s = sample(model, o.n, { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, seed: o.seed, label: o.label, guidance: o.guidance });
  panels.push({ title: `samples (${o.method ?? "dopri5"}, NFE ${s.nfe})`, points: firstTwo(s.samples, D), color: [200, 60, 30] as [number, number, number] });
  const k = Math.min(o.trajectories, o.n);
  if (k > 0) {
    const tr = sample(model, k, { method: "rk4", steps: 32, seed: (o.seed ?? 0) + 1, trajectory: true, label: o.label, guidance: o.guidance });
    const states = tr.trajectory!;
    const flat = new Float64Array(states.length * k * 2);
    states.forEach((st, i) => flat.set(firstTwo(st, D), i * k * 2));
    panels.push({ title: "trajectories t=0 -> 1", points: firstTwo(s.samples, D).subarray(0, 2 * Math.min(o.n, 2000)), color: [190, 190, 190] as [number, number, number], trajectories: { points: flat, steps: states.length, count: k, labels: ["noise (t=0)", "data (t=1)"] as [string, string] } });
  }
  return renderPanels(panels, { title: o.title });
}

export async function plotCommand(argv: string[]): Promise<void> {
  const v = parseCommand(plotSpec, argv);
  if (!v) return;
  if (v.model && isFlowCheckpoint(String(v.model))) return flowPlotCommand(v);
  await initEngine();
  const model = openModel(v, "plot");
  const png = renderModelFigure(model, {
    n: num(v, "n", { int: true, min: 1 })!, trajectories: num(v, "trajectories", { int: true, min: 0 })!,
    data: v.data as string | undefined, ...solverArgs(v), title: `flowmatch: ${String(v.model)}`,
  });
  writeFileAtomic(String(v.out), png);
  process.stderr.write(`wrote ${v.out}\n`);
  model.dispose();
}
