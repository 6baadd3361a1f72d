/**
 * The CLI for discrete normalizing flows: `flowmatch train --model <arch>` (maximum likelihood, same progress bar,
 * periodic atomic checkpoints, --resume, test NLL and bits/dim at the end), and the flow branches of `sample`,
 * `plot` and `eval`, which dispatch here when the checkpoint's config.json says kind "normalizing-flow".
 */
import { initEngine, Rng } from "../engine/index.js";
import { loadCsv, saveFlowTrainState, loadFlowTrainState, loadFlowModel } from "../node/index.js";
import { checkpointExists, writeFileAtomic } from "../node/checkpoint-dir.js";
import { isCsvSpec } from "../node/csv.js";
import { openFlowData } from "../node/data.js";
import { getToy, isToyName, toyNames } from "../data/registry.js";
import { FLOW_ARCHS, isFlowArch, describeFlow, type FlowConfigInput } from "../flows/architectures.js";
import type { Flow } from "../flows/model.js";
import { flowContextDim } from "../flows/flow-config.js";
import { labelIndex } from "../model/conditioning.js";
import { contextOf, parseCondSpec, sampleContext, onlyLabel, gridLogProb } from "./flow-cond.js";
import { meanBitsPerDim } from "../likelihood/units.js";
import { nll } from "../metrics/index.js";
import { evaluate, type Evaluable, type EvalReport } from "../evaluate.js";
import { renderPanels, type ScatterPanel } from "../plot/index.js";
import { openDataSource } from "../node/data.js";
import { dequantize, squareImageShape, flowTableRows, type FlowConds, type FlowDataSource } from "../train/flow-data.js";
import { createFlowTrainState, trainFlow, flowModelFromState, disposeFlowTrainState, recentFlowLoss, type FlowTrainState } from "../train/flow-trainer.js";
import type { TrainOptions } from "../train/options.js";
import { DataError, OptionError, ShapeError } from "../errors.js";
import { parseCommand, num, intList, type CommandSpec } from "./args.js";
import { progressBar } from "./progress.js";

export const MODEL_KINDS = ["fm", ...FLOW_ARCHS] as const;

/** True when argv asks `train` for something other than flow matching (`--model X`, X ≠ fm). */
export function wantsFlowModel(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--model" && i + 1 < argv.length) return argv[i + 1] !== "fm";
    if (a.startsWith("--model=")) return a.slice(8) !== "fm";
  }
  return false;
}

export const flowTrainSpec: CommandSpec = {
  name: "train",
  summary: "Train a discrete normalizing flow by maximum likelihood on a toy or a CSV file (8x8 digits: an image for glow).",
  usage: "flowmatch train --model nice|realnvp|glow|maf|iaf|nsf|planar|radial --data <toy | file.csv> --out DIR [options]",
  options: {
    model: { type: "string", help: `model: ${MODEL_KINDS.join(", ")}`, default: "fm" },
    data: { type: "string", help: `toy name (${toyNames.join(", ")}) or a CSV path` },
    out: { type: "string", help: "checkpoint directory", default: "runs/flow" },
    steps: { type: "string", help: "training steps (default 1000; 300 for images)" },
    batch: { type: "string", help: "batch size", default: "256" },
    lr: { type: "string", help: "peak learning rate (Adam)", default: "1e-3" },
    layers: { type: "string", help: "layers K (default 8; maf/iaf 5, nsf 4, planar/radial 32; image glow: steps per level 4)" },
    levels: { type: "string", help: "image glow: levels (squeeze, K steps, split)", default: "2" },
    hidden: { type: "string", help: "conditioner hidden widths (default 64,64; images 128,128)" },
    bins: { type: "string", help: "nsf: spline bins", default: "8" },
    variant: { type: "string", help: "nsf: coupling or autoregressive", default: "coupling" },
    "no-actnorm": { type: "boolean", help: "leave out the ActNorm layers" },
    base: { type: "string", help: "base distribution: standard or diagonal (learned)", default: "standard" },
    image: { type: "string", help: "event shape H,W,C for glow (default: square data of side divisible by 4 → s,s,1)" },
    columns: { type: "string", help: "CSV columns to use, 0-based (e.g. 0-63 or 0,2,5); default all (glow drops a label column)" },
    dequantize: { type: "string", help: "auto (integer data 0…L−1), off, or a level count L", default: "auto" },
    "test-fraction": { type: "string", help: "CSV rows held out for the test NLL", default: "0.1" },
    cond: { type: "string", help: "conditional flow: condition on these CSV columns (names or 0-based indices), or 'mode' for 8gaussians" },
    "cond-type": { type: "string", help: "class (one-hot context; default for one integer column) or context (the values as they are)" },
    seed: { type: "string", help: "seed for initialization, data split and batches", default: "0" },
    resume: { type: "boolean", help: "continue the run saved in --out (same step, optimizer, EMA, RNG)" },
    "checkpoint-every": { type: "string", help: "save every N steps (0: only at the end)", default: "500" },
    "ema-decay": { type: "string", help: "EMA decay of the weights used for sampling (0: off)", default: "0.999" },
    schedule: { type: "string", help: "learning-rate schedule: constant, warmup, cosine", default: "cosine" },
    warmup: { type: "string", help: "warm-up steps", default: "50" },
    quiet: { type: "boolean", short: "q", help: "no progress output" },
  },
  examples: [
    "flowmatch train --model realnvp --data moons --steps 2000 --out runs/rnvp",
    "flowmatch train --model glow --data digits --out runs/glow-digits",
    "flowmatch train --model nsf --data 8gaussians --out runs/nsf --resume --steps 4000",
    "flowmatch train --model nsf --data points.csv --cond label --out runs/cnsf   # then: sample --model runs/cnsf --label 3",
  ],
};

/** "0-63" or "0,2,5" → indices. */
function parseColumns(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const out: number[] = [];
  for (const part of raw.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new OptionError(`--columns must look like 0-63 or 0,2,5, got "${raw}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new OptionError(`--columns: empty range ${part.trim()}`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

function parseDequantize(raw: string): "auto" | "off" | number {
  if (raw === "auto" || raw === "off") return raw;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2) throw new OptionError(`--dequantize must be auto, off or a level count ≥ 2, got "${raw}"`);
  return n;
}

/** Test NLL (nats) and bits/dim of the held-out points; dequantized data get one draw of uniform noise. */
export function testReport(model: Flow, data: FlowDataSource, seed: number): { n: number; nll: number; stderr: number; bitsPerDim: number } {
  const D = model.dim;
  const pts = data.dequantize ? dequantize(data.test, new Rng((seed + 4242) >>> 0)) : data.test;
  const logp = model.logProb(pts, { ctx: contextOf(model, pts.length / D, data.testCond) });
  const L = data.dequantize?.levels;
  const r = nll(logp);
  return { n: logp.length, nll: r.mean, stderr: r.stderr, bitsPerDim: meanBitsPerDim(logp, D, L ? { dequantization: { levels: L, range: L } } : {}) };
}

export async function flowTrainCommand(argv: string[]): Promise<void> {
  const v = parseCommand(flowTrainSpec, argv);
  if (!v) return;
  const arch = String(v.model);
  if (!isFlowArch(arch)) throw new OptionError(`unknown --model "${arch}"; valid: ${MODEL_KINDS.join(", ")}`);
  if (!v.data) throw new OptionError("train: --data is required (a toy name or a CSV file); see flowmatch train --help");
  const spec = String(v.data);
  const out = String(v.out);
  const quiet = !!v.quiet;
  const seed = num(v, "seed", { int: true, min: 0 })!;
  const variant = String(v.variant);
  if (variant !== "coupling" && variant !== "autoregressive") throw new OptionError(`--variant must be coupling or autoregressive, got "${variant}"`);
  const baseKind = String(v.base);
  if (baseKind !== "standard" && baseKind !== "diagonal") throw new OptionError(`--base must be standard or diagonal, got "${baseKind}"`);
  const schedule = String(v.schedule) as TrainOptions["schedule"];
  const options: Partial<TrainOptions> = {
    batch: num(v, "batch", { int: true, min: 1 }), lr: num(v, "lr", { min: 0 }), seed, schedule,
    checkpointEvery: num(v, "checkpoint-every", { int: true, min: 0 }), emaDecay: num(v, "ema-decay", { min: 0 }),
    warmupSteps: num(v, "warmup", { int: true, min: 0 }),
  };
  const stepsGiven = num(v, "steps", { int: true, min: 1 });
  await initEngine();
  let state: FlowTrainState;
  let data: FlowDataSource;
  const testFraction = num(v, "test-fraction", { min: 0 })!;
  if (v.resume) {
    if (!checkpointExists(out)) throw new OptionError(`--resume: no checkpoint in ${out}`);
    state = loadFlowTrainState(out, stepsGiven ? { steps: stepsGiven } : {});
    const c = state.config;
    if (c.arch !== arch) throw new OptionError(`--resume: the checkpoint in ${out} is a ${c.arch} flow, not ${arch}`);
    const cond = c.cond ? { columns: (c.cond.source ?? "").split(","), kind: c.cond.kind } : undefined;
    data = openFlowData(spec, { columns: c.columns, standardizer: c.standardizer, dequantize: c.dequantize?.levels ?? "off", testFraction, seed: state.options.seed, cond, condConfig: c.cond });
    const D = c.eventShape.reduce((a, b) => a * b, 1);
    if (data.dim !== D) throw new ShapeError(`${spec} has dimension ${data.dim} but the checkpoint in ${out} has dimension ${D}`);
  } else {
    let columns = parseColumns(v.columns as string | undefined);
    let image = v.image !== undefined ? intList(v, "image") : undefined;
    if (image && (arch !== "glow" || image.length !== 3)) throw new OptionError("--image H,W,C is for --model glow (three sizes)");
    let note = "";
    const condSpec = parseCondSpec(v);
    if (arch === "glow" && !image && isCsvSpec(spec) && !isToyName(spec)) {
      const cols = columns?.length ?? loadCsv(spec).cols - (condSpec?.columns.length ?? 0);
      image = squareImageShape(cols);
      if (!image && !columns && !condSpec && squareImageShape(cols - 1)) {
        columns = Array.from({ length: cols - 1 }, (_, i) => i);
        image = squareImageShape(cols - 1);
        note = `; last column dropped as a label`;
      }
    }
    data = openFlowData(spec, { columns, dequantize: parseDequantize(String(v.dequantize)), testFraction, seed, cond: condSpec });
    if (image && image.reduce((a, b) => a * b, 1) !== data.dim)
      throw new ShapeError(`--image ${image.join(",")} has ${image.reduce((a, b) => a * b, 1)} values but ${spec} rows have ${data.dim}`);
    const eventShape = image ?? [data.dim];
    const cfg: FlowConfigInput = {
      arch, eventShape, seed, layers: num(v, "layers", { int: true, min: 1 }), hidden: intList(v, "hidden"),
      levels: image ? num(v, "levels", { int: true, min: 1 }) : undefined, bins: num(v, "bins", { int: true, min: 1 }),
      variant, actnorm: !v["no-actnorm"], base: baseKind, standardizer: data.standardizer,
      dequantize: data.dequantize, columns: data.columns, data: spec,
      ...(data.cond ? { cond: data.cond, ctxDim: flowContextDim(data.cond) } : {}),
    };
    state = createFlowTrainState(cfg, { ...options, steps: stepsGiven ?? (image ? 300 : 1000) });
    if (!quiet) {
      const dq = data.dequantize ? `, dequantized (${data.dequantize.levels} levels)` : "";
      const cd = data.cond ? `, conditioned on ${data.cond.source} (${data.cond.kind === "class" ? `${data.cond.classes.length} classes` : `${data.cond.dim} values`})` : "";
      process.stderr.write(`${describeFlow(state.config)}; data ${spec}${dq}${cd}${note}\n`);
    }
  }
  const s = state;
  const bar = progressBar(s.options.steps, `train ${arch}`, { quiet, start: s.step, unit: "step" });
  if (s.step >= s.options.steps && !quiet) process.stderr.write(`already at step ${s.step} of ${s.options.steps}; nothing to do\n`);
  trainFlow(s, data, {
    progressEvery: 10,
    onProgress: (p) => bar.update(p.step, `NLL ${p.avgLoss.toFixed(4)}`),
    onCheckpoint: (st) => saveFlowTrainState(out, st),
  });
  bar.finish(s.losses.length ? `NLL ${recentFlowLoss(s).toFixed(4)}` : "");
  const model = flowModelFromState(s);
  try {
    const r = testReport(model, data, seed);
    const what = data.kind === "toy" ? `${r.n} fresh ${spec} points` : `${r.n} held-out rows`;
    const dq = data.dequantize ? `, dequantized, ${data.dequantize.levels} levels` : "";
    process.stdout.write(`test NLL ${r.nll.toFixed(4)} ± ${r.stderr.toFixed(4)} nats, ${r.bitsPerDim.toFixed(4)} bits/dim (${what}${dq})\n`);
  } finally {
    model.dispose();
  }
  if (!quiet) process.stderr.write(`saved ${out} (step ${s.step})\n`);
  disposeFlowTrainState(s);
}

function toCsv(x: Float64Array, D: number): string {
  const rows = [Array.from({ length: D }, (_, j) => `x${j}`).join(",")];
  for (let i = 0; i < x.length / D; i++) rows.push(Array.from(x.subarray(i * D, (i + 1) * D), String).join(","));
  return rows.join("\n") + "\n";
}

function temperatureOf(v: Record<string, unknown>): number {
  const t = num(v, "temperature", { min: 0 }) ?? 1;
  return t;
}

/** `flowmatch sample` for a flow checkpoint (v: the parsed sample options). */
export async function flowSampleCommand(v: Record<string, unknown>): Promise<void> {
  await initEngine();
  const model = loadFlowModel(String(v.model));
  try {
    const n = num(v, "n", { int: true, min: 1 })!;
    const seed = num(v, "seed", { int: true, min: 0 }) ?? 0;
    const x = model.sample(n, { seed, temperature: temperatureOf(v), ctx: sampleContext(model, n, v, seed) });
    const csv = toCsv(x, model.dim);
    if (v.out) {
      writeFileAtomic(String(v.out), csv);
      process.stderr.write(`wrote ${n} samples to ${v.out}\n`);
    } else process.stdout.write(csv);
  } finally {
    model.dispose();
  }
}

/** Data points (data units) for plots and evaluation, with the model's column selection (and conditions). */
function evalPoints(model: Flow, spec: string, n: number | undefined, seed: number): { points: Float64Array; conds?: FlowConds; logProbTrue?: (x: Float64Array) => Float64Array } {
  const cond = model.config.cond;
  if (isToyName(spec)) {
    const toy = getToy(spec);
    const rng = new Rng((0x9e3779b9 ^ (seed + 777)) >>> 0);
    if (cond) {
      // The same draws as the unconditional branch, with each point's condition (its mode) alongside.
      const { x, ...conds } = openDataSource(spec, { cond: { columns: (cond.source ?? "").split(","), kind: cond.kind } }).sampleCond!(n ?? 5000, rng);
      return { points: x, conds };
    }
    return { points: toy.sample(n ?? 5000, rng), logProbTrue: toy.logProb ? (x) => toy.logProb!(x) : undefined };
  }
  if (!isCsvSpec(spec)) throw new DataError(`unknown data "${spec}": give a CSV file path or one of: ${toyNames.join(", ")}`);
  const cols = model.config.columns;
  if (cols && cols.length !== model.dim) throw new ShapeError(`the model's config lists ${cols.length} columns but it has dimension ${model.dim}`);
  const r = flowTableRows(loadCsv(spec), spec, { columns: cols, cond, n });
  const rows = r.conds?.labels?.length ?? (r.conds?.context ? r.conds.context.length / model.config.ctxDim : undefined);
  if (r.points.length % model.dim !== 0 || (rows !== undefined && rows * model.dim !== r.points.length))
    throw new ShapeError(`${spec}: its data columns do not match the model's ${model.dim}`);
  return r;
}

function firstTwo(x: Float64Array, D: number): Float64Array {
  const n = x.length / D;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = x[i * D]!;
    out[2 * i + 1] = D > 1 ? x[i * D + 1]! : 0;
  }
  return out;
}

/** A g×g mosaic of images [H, W] (channel 0) as a heatmap panel (row 0 at the bottom). */
function mosaic(title: string, x: Float64Array, shape: number[], g: number): ScatterPanel {
  const [H, W, C] = shape as [number, number, number];
  const nx = g * W;
  const ny = g * H;
  const values = new Float64Array(nx * ny).fill(NaN);
  for (let k = 0; k < Math.min(g * g, x.length / (H * W * C)); k++) {
    const [gi, gj] = [Math.floor(k / g), k % g];
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) values[(ny - 1 - (gi * H + i)) * nx + gj * W + j] = x[k * H * W * C + (i * W + j) * C]!;
  }
  return { title, points: new Float64Array(0), heatmap: { values, nx, ny, extent: [0, nx, 0, ny] } };
}

/** `flowmatch plot` for a flow: 2-D: data | samples | log-density heatmap; images: data and sample mosaics. */
export async function flowPlotCommand(v: Record<string, unknown>): Promise<void> {
  await initEngine();
  const model = loadFlowModel(String(v.model));
  try {
    const n = num(v, "n", { int: true, min: 1 })!;
    const seed = num(v, "seed", { int: true, min: 0 }) ?? 0;
    const D = model.dim;
    const spec = (v.data as string | undefined) ?? model.config.data;
    const samples = model.sample(n, { seed, temperature: temperatureOf(v), ctx: sampleContext(model, n, v, seed) });
    const panels: ScatterPanel[] = [];
    const cond = model.config.cond;
    const label = v.label !== undefined && cond?.kind === "class" ? labelIndex(cond, String(v.label)) : undefined;
    const what = cond?.kind !== "class" ? "" : label !== undefined ? `, label ${cond.classes[label]}` : ", all labels";
    const shape = model.eventShape;
    if (shape.length === 3) {
      if (spec) panels.push(mosaic(`data (${spec})`, evalPoints(model, spec, 16, seed).points, shape, 4));
      panels.push(mosaic(`samples (T=${temperatureOf(v)})`, samples, shape, 4));
    } else {
      const ev = spec ? evalPoints(model, spec, n, seed) : undefined;
      const data = ev && label !== undefined && ev.conds?.labels ? onlyLabel(ev.points, D, ev.conds.labels, label) : ev?.points;
      if (data) panels.push({ title: `data (${spec}${what})`, points: firstTwo(data, D) });
      panels.push({ title: `samples (${model.config.arch}${what})`, points: firstTwo(samples, D), color: [200, 60, 30] });
      if (D === 2) {
        const all = data ? Float64Array.from([...data, ...samples]) : samples;
        const q = (k: number) => {
          const c = Array.from({ length: all.length / 2 }, (_, i) => all[2 * i + k]!).sort((a, b) => a - b);
          return [c[Math.floor(0.005 * c.length)]!, c[Math.floor(0.995 * (c.length - 1))]!];
        };
        const [x0, x1] = q(0);
        const [y0, y1] = q(1);
        const px = 0.1 * (x1 - x0), py = 0.1 * (y1 - y0);
        const ext: [number, number, number, number] = [x0 - px, x1 + px, y0 - py, y1 + py];
        const G = 120;
        const grid = new Float64Array(G * G * 2);
        for (let i = 0; i < G; i++)
          for (let j = 0; j < G; j++) {
            grid[2 * (i * G + j)] = ext[0] + ((j + 0.5) / G) * (ext[1] - ext[0]);
            grid[2 * (i * G + j) + 1] = ext[2] + ((i + 0.5) / G) * (ext[3] - ext[2]);
          }
        const lp = gridLogProb(model, grid, v, label);
        let hi = -Infinity;
        for (const x of lp) if (Number.isFinite(x) && x > hi) hi = x;
        panels.push({ title: "log-density", points: new Float64Array(0), heatmap: { values: lp, nx: G, ny: G, extent: ext, range: [hi - 10, hi] } });
      }
    }
    writeFileAtomic(String(v.out), renderPanels(panels, { title: `flowmatch: ${String(v.model)} (${model.config.arch})` }));
    process.stderr.write(`wrote ${v.out}\n`);
  } finally {
    model.dispose();
  }
}

/** A flow as an `Evaluable` (exact log p; samples from the base at temperature 1). */
export function flowEvaluable(model: Flow, conds?: FlowConds): Evaluable {
  const C = model.config.ctxDim;
  const ctx = (n: number) => {
    if (C === 0) return undefined;
    const all = contextOf(model, conds?.labels?.length ?? (conds?.context?.length ?? 0) / C, conds)!;
    return all.subarray(0, n * C);
  };
  return { dim: model.dim, logProb: (x) => ({ logp: model.logProb(x, { ctx: ctx(x.length / model.dim) }) }), sample: (n, seed) => model.sample(n, { seed, ctx: ctx(n) }) };
}

function fmt(r: EvalReport, dq?: number): string {
  const lines = [
    `points        ${r.n} (dim ${r.dim})${dq ? `, dequantized (${dq} levels, one draw of uniform noise)` : ""}`,
    `NLL           ${r.nll.mean.toFixed(4)} ± ${r.nll.stderr.toFixed(4)} nats   (${r.bitsPerDim.toFixed(4)} bits/dim)`,
  ];
  if (r.kl) lines.push(`KL(p‖q)       ${r.kl.kl.toFixed(4)} ± ${r.kl.stderr.toFixed(4)} nats   (entropy of p ${r.entropy!.toFixed(4)})`);
  if (r.sampleCount)
    lines.push(
      `MMD²          ${r.mmd2!.toExponential(3)}   (${r.sampleCount} vs ${r.sampleCount} points)`,
      `energy dist.  ${r.energy!.toExponential(3)}`,
      `W2 (exact)    ${r.w2!.toFixed(4)}`,
      `sliced W2     ${r.slicedW2!.toFixed(4)}`,
    );
  lines.push(`${r.seconds.toFixed(1)} s`);
  return lines.join("\n");
}

/** `flowmatch eval` for a flow checkpoint (v: the parsed eval options; nGiven: whether --n was passed). */
export async function flowEvalCommand(v: Record<string, unknown>, nGiven: boolean): Promise<void> {
  if (!v.data) throw new OptionError("eval: --data is required (a toy name or a CSV file)");
  await initEngine();
  const model = loadFlowModel(String(v.model));
  try {
    const seed = num(v, "seed", { int: true, min: 0 })!;
    const spec = String(v.data);
    const nArg = isToyName(spec) || nGiven ? num(v, "n", { int: true, min: 1 }) : undefined;
    const d = evalPoints(model, spec, nArg, seed);
    const L = model.config.dequantize?.levels;
    const points = L ? dequantize(d.points, new Rng((seed + 4242) >>> 0)) : d.points;
    const samples = num(v, "samples", { int: true, min: 0 })!;
    const report = evaluate(flowEvaluable(model, d.conds), { points, dim: model.dim, logProbTrue: d.logProbTrue }, { sampleCount: samples, skipSamples: samples === 0, seed: seed + 1 });
    if (v["logp-out"]) {
      writeFileAtomic(String(v["logp-out"]), "logp\n" + Array.from(report.logp, String).join("\n") + "\n");
      process.stderr.write(`wrote ${report.n} log-densities to ${v["logp-out"]}\n`);
    }
    const { logp: _omit, ...rest } = report;
    if (v.json) process.stdout.write(JSON.stringify({ model: String(v.model), arch: model.config.arch, data: spec, ...rest }, null, 2) + "\n");
    else process.stdout.write(fmt(report, L) + "\n");
  } finally {
    model.dispose();
  }
}
