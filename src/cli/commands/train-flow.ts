/**
 * `flowmatch train --model <arch>`: a discrete normalizing flow trained by maximum likelihood, with the same
 * progress bar, atomic checkpoints and exact --resume as flow matching, and the test NLL / bits/dim at the end.
 * `train.ts` hands argv here when `--model` names a flow. `--backend onnx` runs the training steps on ONNX Runtime
 * (onnx/train-flow.ts: the same batches, so the same loss curve to float32 rounding); auto where it loads.
 */
import { initEngine, computeBackend } from "../../engine/index.js";
import { backendArg, backendOption, type BackendChoice } from "../backend-arg.js";
import { trainFlowOnnx } from "../../onnx/train-flow.js";
import { onnxTrainRefusal } from "../../onnx/train.js";
import { checkpointExists } from "../../node/checkpoint-dir.js";
import { claimCheckpointOut } from "../../node/output-path.js";
import { checkFlowBatch, checkFlowNet } from "../memory-checks.js";
import { loadCsv, saveFlowTrainState, loadFlowTrainState } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { isCsvSpec } from "../../node/csv.js";
import { openFlowData } from "../../node/data.js";
import { createFlowTrainState, trainFlow, flowModelFromState, disposeFlowTrainState, recentFlowLoss, type FlowTrainState } from "../../train/flow-trainer.js";
import { squareImageShape, type FlowDataSource } from "../../data/flow-data.js";
import type { TrainOptions } from "../../train/options.js";
import { isToyName, toyNames } from "../../data/registry.js";
import { FLOW_ARCHS, isFlowArch, describeFlow, resolveFlowConfig, type FlowConfig, type FlowConfigInput } from "../../flows/architectures.js";
import { flowContextDim } from "../../flows/flow-config.js";
import { testReport } from "../../metrics/evaluate.js";
import { checkResumeConflicts, givenOptions, sameData } from "../resume-check.js";
import { flowResumeFields } from "../resume-fields.js";
import { ShapeError, OptionError } from "../../errors.js";
import { parseCommand, num, intList, condSpecArg, parseColumns, trainRunOptions, type CommandSpec } from "../args.js";
import { progressBar } from "../progress.js";
import { formatNumber as sig } from "../../format.js";

export const MODEL_KINDS = ["fm", ...FLOW_ARCHS] as const;

/**
 * True when argv asks `train` for something other than flow matching (`--model X`, X ≠ fm); an unknown X is refused
 * here, before either family's options are parsed (its error would otherwise be about some other flag).
 */
export function wantsFlowModel(argv: string[]): boolean {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const kind = a === "--model" && i + 1 < argv.length ? argv[i + 1]! : a.startsWith("--model=") ? a.slice(8) : undefined;
    if (kind === undefined) continue;
    if (!(MODEL_KINDS as readonly string[]).includes(kind)) throw new OptionError(`unknown --model "${kind}"; valid: ${MODEL_KINDS.join(", ")}`);
    return kind !== "fm";
  }
  return false;
}

// Discrete normalizing flows: maximum likelihood, the same progress bar and checkpoints, test NLL at the end.

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
    bins: { type: "string", help: "nsf: spline bins (≥ 2)", default: "8" },
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
    ...trainRunOptions("500"),
    warmup: { type: "string", help: "warm-up steps", default: "50" },
    backend: backendOption("each training step as one graph call"),
    quiet: { type: "boolean", short: "q", help: "no progress output" },
  },
  examples: [
    "flowmatch train --model realnvp --data moons --steps 2000 --out runs/rnvp",
    "flowmatch train --model nsf --data moons --backend onnx --out runs/nsf-onnx",
    "flowmatch train --model glow --data digits --out runs/glow-digits",
    "flowmatch train --model nsf --data 8gaussians --out runs/nsf --resume --steps 4000",
    "flowmatch train --model nsf --data points.csv --cond label --out runs/cnsf   # then: sample --model runs/cnsf --label 3",
  ],
};

function parseDequantize(raw: string): "auto" | "off" | number {
  if (raw === "auto" || raw === "off") return raw;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 2) throw new OptionError(`--dequantize must be auto, off or a level count ≥ 2, got "${raw}"`);
  return n;
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
    warmupSteps: num(v, "warmup", { int: true, min: 0 }), clipNorm: num(v, "clip-norm", { min: 0 }),
  };
  const stepsGiven = num(v, "steps", { int: true, min: 1 });
  const backend = backendArg(v);
  const lock = claimCheckpointOut(out, { resume: !!v.resume, overwrite: !!v.overwrite });
  try {
    await flowTrainLocked(v, { arch, spec, out, quiet, seed, variant, baseKind, options, stepsGiven, backend, given: givenOptions(argv) });
  } finally {
    lock.release();
  }
}

interface FlowTrainArgs {
  arch: FlowConfigInput["arch"];
  spec: string;
  out: string;
  quiet: boolean;
  seed: number;
  variant: "coupling" | "autoregressive";
  baseKind: "standard" | "diagonal";
  options: Partial<TrainOptions>;
  stepsGiven: number | undefined;
  /** Where the steps run (cli/backend-arg.ts). */
  backend: BackendChoice;
  /** The flags given on the command line (resume conflicts only count those). */
  given: ReturnType<typeof givenOptions>;
}

async function flowTrainLocked(v: Record<string, string | boolean | undefined>, a: FlowTrainArgs): Promise<void> {
  const { arch, spec, out, quiet, seed, variant, baseKind, options, stepsGiven } = a;
  await initEngine({ backend: a.backend });
  let state: FlowTrainState;
  let data: FlowDataSource;
  const testFraction = num(v, "test-fraction", { min: 0 })!;
  if (v.resume) {
    if (!checkpointExists(out)) throw new OptionError(`--resume: no checkpoint in ${out}`);
    if (!isFlowCheckpoint(out)) throw new OptionError(`--resume: the checkpoint in ${out} holds a flow-matching model, not a ${arch} flow; resume it with --model fm`);
    const every = a.given.has("checkpoint-every") ? { checkpointEvery: options.checkpointEvery } : {};
    state = loadFlowTrainState(out, { ...(stepsGiven ? { steps: stepsGiven } : {}), ...every });
    const c = state.config;
    if (c.arch !== arch) throw new OptionError(`--resume: --model ${arch} conflicts with the checkpoint in ${out}, saved with ${c.arch}; resume it with --model ${c.arch}`);
    const fc = c as FlowConfig;
    checkResumeConflicts(out, a.given, [
      { flag: "hidden", given: intList(v, "hidden"), saved: fc.hidden },
      { flag: "layers", given: num(v, "layers", { int: true, min: 1 }), saved: fc.layers },
      { flag: "bins", given: num(v, "bins", { int: true, min: 2 }), saved: fc.bins },
      { flag: "batch", given: options.batch, saved: state.options.batch },
      { flag: "lr", given: options.lr, saved: state.options.lr },
      ...flowResumeFields(v, fc, state.options),
    ]);
    const cond = c.cond ? { columns: (c.cond.source ?? "").split(","), kind: c.cond.kind } : undefined;
    // The saved split (older checkpoints did not save it: then the command line's).
    const split = (c as FlowConfig).testFraction ?? testFraction;
    data = openFlowData(spec, { columns: c.columns, standardizer: c.standardizer, dequantize: c.dequantize?.levels ?? "off", testFraction: split, seed: state.options.seed, cond, condConfig: c.cond });
    const D = c.eventShape.reduce((a, b) => a * b, 1);
    if (data.dim !== D) throw new ShapeError(`${spec} has dimension ${data.dim} but the checkpoint in ${out} has dimension ${D}`);
    checkResumeConflicts(out, a.given, [{ flag: "data", given: spec, saved: c.data, same: sameData }]);
  } else {
    let columns = parseColumns(v.columns as string | undefined);
    let image = v.image !== undefined ? intList(v, "image") : undefined;
    if (image && (arch !== "glow" || image.length !== 3)) throw new OptionError("--image H,W,C is for --model glow (three sizes)");
    let note = "";
    const condSpec = condSpecArg(v);
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
      levels: image ? num(v, "levels", { int: true, min: 1 }) : undefined, bins: num(v, "bins", { int: true, min: 2 }),
      variant, actnorm: !v["no-actnorm"], base: baseKind, standardizer: data.standardizer,
      dequantize: data.dequantize, columns: data.columns, data: spec, testFraction,
      ...(data.cond ? { cond: data.cond, ctxDim: flowContextDim(data.cond) } : {}),
    };
    checkFlowNet(resolveFlowConfig(cfg)); // before the weights are made: a huge --hidden or --layers would stall there
    state = createFlowTrainState(cfg, { ...options, steps: stepsGiven ?? (image ? 300 : 1000) });
    if (!quiet) {
      const dq = data.dequantize ? `, dequantized (${data.dequantize.levels} levels)` : "";
      const cd = data.cond ? `, conditioned on ${data.cond.source} (${data.cond.kind === "class" ? `${data.cond.classes.length} classes` : `${data.cond.dim} values`})` : "";
      process.stderr.write(`${describeFlow(state.config)}; data ${spec}${dq}${cd}${note}\n`);
    }
  }
  const s = state;
  checkFlowBatch(s.config, s.options.batch);
  // ActNorm starts from the first batch's spread: one row has none (its log-scale would be log 1e-6, the loss NaN).
  if ((s.config as FlowConfig).actnorm && !s.config.actnormInitialized && s.options.batch < 2)
    throw new OptionError(`--batch ${s.options.batch}: the ActNorm layers initialize from the first batch's spread, which one row does not have: use --batch 2 or more, or --no-actnorm`);
  const bar = progressBar(s.options.steps, `train ${arch}`, { quiet, start: s.step, unit: "step" });
  if (s.step >= s.options.steps && !quiet) process.stderr.write(`already at step ${s.step} of ${s.options.steps}; nothing to do\n`);
  const run = {
    progressEvery: 10,
    onProgress: (p: { step: number; avgLoss: number }) => bar.update(p.step, `NLL ${sig(p.avgLoss)}`),
    onCheckpoint: (st: FlowTrainState) => saveFlowTrainState(out, st),
  };
  // onnx: trainOnnxWith refuses in one line what it cannot run; auto falls back to wasm there.
  const onnx = computeBackend() === "onnx" && a.backend !== "wasm" && !(a.backend === "auto" && onnxTrainRefusal(s));
  if (onnx) await trainFlowOnnx(s, data, run);
  else trainFlow(s, data, run);
  bar.finish(s.losses.length ? `NLL ${sig(recentFlowLoss(s))}` : "");
  // A small CSV can leave no row held out (10% of 5 rows is none): the checkpoint is saved, so a note, not an error.
  if (!data.test || data.test.length === 0) {
    const split = (s.config as FlowConfig).testFraction ?? testFraction;
    process.stderr.write(`no test NLL: no row of ${spec} is held out (--test-fraction ${split}${split > 0 ? " leaves none of so few rows" : ""})\n`);
    if (!quiet) process.stderr.write(`saved ${out} (step ${s.step})\n`);
    disposeFlowTrainState(s);
    return;
  }
  const model = flowModelFromState(s);
  try {
    const r = testReport(model, data, seed);
    const what = data.kind === "toy" ? `${r.n} fresh ${spec} points` : `${r.n} held-out rows`;
    const dq = data.dequantize ? `, dequantized, ${data.dequantize.levels} levels` : "";
    process.stdout.write(`test NLL ${sig(r.nll)} ± ${sig(r.stderr)} nats, ${sig(r.bitsPerDim)} bits/dim (${what}${dq})\n`);
  } finally {
    model.dispose();
  }
  if (!quiet) process.stderr.write(`saved ${out} (step ${s.step})\n`);
  disposeFlowTrainState(s);
}
