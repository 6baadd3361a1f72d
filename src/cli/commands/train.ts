/**
 * `flowmatch train`: flow-matching (or CNF maximum-likelihood) training, or with `--model <arch>` a discrete
 * normalizing flow by maximum likelihood (test NLL and bits/dim at the end). Both: a progress bar, periodic atomic
 * checkpoints and exact --resume.
 */
import { initEngine, computeBackend, activations, type ActivationName } from "../../engine/index.js";
import { checkpointExists } from "../../node/checkpoint-dir.js";
import { claimCheckpointOut } from "../../node/output-path.js";
import { checkVelocityBatch, checkVelocityNet } from "../memory-checks.js";
import { openDataSource, saveTrainState, loadTrainState } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { createTrainState, train, modelFromState, disposeTrainState, recentLoss, type TrainState } from "../../train/trainer.js";
import type { TrainOptions } from "../../train/options.js";
import { defaultMlpConfig } from "../../nets/mlp.js";
import type { TimeEmbeddingKind } from "../../nets/time-embedding.js";
import type { StandardizeMode } from "../../data/normalize.js";
import { standardizeArg, dataScaleArg, timeEmbeddingArg } from "../recipe-args.js";
import { testReport } from "../../metrics/evaluate.js";
import { checkResumeConflicts, givenOptions, sameData, savedFlowArch } from "../resume-check.js";
import { fmResumeFields } from "../resume-fields.js";
import { ShapeError, OptionError } from "../../errors.js";
import { getScheduler, PREDICTION_KINDS, type PredictionKind } from "../../paths/index.js";
import { condEmbedWidth } from "../../fm/conditioning.js";
import type { CondSpec, DataSource } from "../../data/data-source.js";
import { parseCommand, num, intList, workersArg, condSpecArg, trainRunOptions, type CommandSpec } from "../args.js";
import { progressBar } from "../progress.js";
import { formatNumber as sig } from "../../format.js";
import { MODEL_KINDS, wantsFlowModel, flowTrainCommand } from "./train-flow.js";
import { backendArg, backendOption, type BackendChoice } from "../backend-arg.js";
import { trainOnnx, onnxTrainRefusal } from "../../onnx/train.js";
import { netKindArg, openUnetData, refuseMlpFlags, refuseUnetFlags, unetConfigFor, UNET_TRAIN_DEFAULTS, type NetKind } from "../image-train.js";

export const trainSpec: CommandSpec = {
  name: "train",
  summary: "Train a flow-matching model or a CNF by maximum likelihood (MLP velocity field) on a toy or a CSV file.",
  usage: "flowmatch train --data <toy | file.csv> --out DIR [options]",
  options: {
    data: { type: "string", help: "toy name (8gaussians, checkerboard, moons, circles, 2spirals, pinwheel, swissroll, rings) or a CSV path" },
    out: { type: "string", help: "checkpoint directory", default: "runs/model" },
    steps: { type: "string", help: "training steps", default: "5000" },
    batch: { type: "string", help: "batch size", default: "512" },
    lr: { type: "string", help: "peak learning rate (Adam)", default: "2e-3" },
    hidden: { type: "string", help: "hidden widths, comma-separated", default: "256,256,256,256" },
    net: { type: "string", help: "velocity network: mlp, or unet (images: --data digits or an IDX file; defaults --steps 2000 --batch 64 --lr 1e-3 --ema-decay 0.995 --test-fraction 0.1)", default: "mlp" },
    "net-width": { type: "string", help: "unet: channels at full resolution (default 32)" },
    "net-depth": { type: "string", help: "unet: resolution levels (default 2 up to 8×8, else 3)" },
    activation: { type: "string", help: "hidden activation: swish4 (x·σ(4x): sharp yet smooth), silu (smoother; 0.1's default), relu (sharp; exact likelihoods ≈ 8× slower), gelu, tanh, softplus", default: "swish4" },
    "time-embedding": { type: "string", help: "how the network sees t: sinusoidal (t plus sines and cosines) or none (t itself, one input)", default: "sinusoidal" },
    standardize: { type: "string", help: "CSV scaling against the N(0, I) source: column (each column to mean 0, std 1), global (centred, one std for all columns: keeps the shape) or none (the data's units); then × --data-scale", default: "column" },
    "data-scale": { type: "string", help: "CSV: model units are this many times the --standardize units (the default 2: columns of std 2 against the N(0, I) source, the scale of the toys)", default: "2" },
    seed: { type: "string", help: "seed for initialization, data, noise and times", default: "0" },
    ...trainRunOptions("1000"),
    "time-sampling": { type: "string", help: "uniform or logit-normal: t = sigmoid(m + s·z), z ~ N(0, 1) (with a --t-uniform share drawn uniform)", default: "logit-normal" },
    "t-mean": { type: "string", help: "logit-normal location m (> 0 puts more steps nearer the data, t = 1)", default: "1.5" },
    "t-std": { type: "string", help: "logit-normal scale s", default: "1" },
    "t-uniform": { type: "string", help: "logit-normal: the share of times drawn uniform instead (keeps the ends, t ≈ 0 and 1, trained)", default: "0.2" },
    objective: { type: "string", help: "fm (flow matching) or mle (CNF maximum likelihood through the ODE)", default: "fm" },
    path: { type: "string", help: "probability path: condot, poly, cosine, vp, linear-vp, condot-sigma-min", default: "condot" },
    prediction: { type: "string", help: "what the network predicts: velocity, x1 or eps", default: "velocity" },
    coupling: { type: "string", help: "noise–data pairing: independent, ot (exact minibatch OT), sinkhorn, sb (Schrödinger bridge)", default: "independent" },
    pairing: { type: "string", help: "alias of --coupling" },
    "sinkhorn-reg": { type: "string", help: "sinkhorn: entropic regularization relative to the mean cost", default: "0.05" },
    "sb-sigma": { type: "string", help: "sb: bridge noise σ", default: "1" },
    cond: { type: "string", help: "condition on these CSV columns (names or 0-based indices), or 'mode' for 8gaussians" },
    "cond-type": { type: "string", help: "class or context (default: class for one integer column)" },
    "cond-dropout": { type: "string", help: "probability of training with the condition dropped (for guidance)", default: "0.1" },
    "mle-solver": { type: "string", help: "MLE: euler, midpoint, heun, rk4 (fixed steps) or dopri5 (adaptive grid)", default: "rk4" },
    "mle-steps": { type: "string", help: "MLE: steps of a fixed-step solver", default: "10" },
    "mle-tol": { type: "string", help: "MLE: dopri5 rtol = atol", default: "1e-4" },
    divergence: { type: "string", help: "MLE: exact or hutchinson", default: "exact" },
    probes: { type: "string", help: "MLE: Hutchinson probes per point", default: "1" },
    kinetic: { type: "string", help: "MLE: kinetic-energy regularizer weight (RNODE)", default: "0" },
    jacobian: { type: "string", help: "MLE: Jacobian-Frobenius regularizer weight (RNODE)", default: "0" },
    workers: { type: "string", help: "threads for flow-matching gradients: a number, or auto (this machine's cores, at most 4)", default: "auto" },
    "test-fraction": { type: "string", help: "CSV rows held out for the test NLL (0: every row trains; toys use fresh points)", default: "0" },
    "test-points": { type: "string", help: "held-out points scored for the test NLL at the end (exact likelihood, dopri5; 0 skips it)", default: "1000" },
    backend: backendOption("each training step as one graph call"),
    quiet: { type: "boolean", short: "q", help: "no progress output" },
    model: { type: "string", help: `model: ${MODEL_KINDS.join(", ")} (flows: flowmatch train --model realnvp --help)`, default: "fm" },
  },
  examples: ["flowmatch train --data 8gaussians --steps 5000 --out runs/8g", "flowmatch train --data digits --net unet --cond label --out runs/digits", "flowmatch train --data moons --objective mle --hidden 64,64,64 --steps 2000 --out runs/cnf", "flowmatch train --data runs/8g --resume --steps 8000 --out runs/8g"],
};

export interface RunTrainingArgs {
  data: string;
  out?: string;
  resume?: boolean;
  /** Replace a checkpoint already in `out` (otherwise refused unless `resume`). */
  overwrite?: boolean;
  /** The flag that named `out`, for messages (default --out). */
  outFlag?: string;
  /** How to ask for a replacement when `out` holds a checkpoint (default: --resume or --overwrite). */
  outHint?: string;
  /** Checks run after `out` is validated and before the engine starts (e.g. demo's figure path). */
  preflight?: () => void;
  hidden?: number[];
  activation?: ActivationName;
  /** The velocity network (default mlp); unet trains on image data. */
  net?: NetKind;
  netWidth?: number;
  netDepth?: number;
  /** The MLP's time input (default sinusoidal) and how a CSV is scaled (default column): recorded in the config. */
  timeEmbedding?: TimeEmbeddingKind;
  standardize?: StandardizeMode;
  dataScale?: number;
  options: Partial<TrainOptions>;
  quiet?: boolean;
  label?: string;
  /** Scheduler name (default condot) and what the network predicts (default velocity). */
  path?: string;
  prediction?: PredictionKind;
  /** Conditioning columns (CSV) or "mode" (8gaussians). */
  cond?: CondSpec;
  /** CSV rows held out for a test NLL (recorded in the model config, so a resumed run keeps the same split). */
  testFraction?: number;
  /** The options typed on the command line: on --resume, those that contradict the checkpoint are refused. */
  given?: ReadonlySet<string>;
  /** Where the steps run (default wasm; cli/backend-arg.ts). */
  backend?: BackendChoice;
}

/** `--activation`: a name from the engine's activation table; anything else lists the valid ones. */
function activationArg(v: Record<string, unknown>): ActivationName | undefined {
  if (v.activation === undefined) return undefined;
  const name = String(v.activation);
  if (!Object.hasOwn(activations, name)) throw new OptionError(`unknown activation "${name}"; valid: ${Object.keys(activations).join(", ")}`);
  return name as ActivationName;
}

/** Shared by `train` and `demo`: opens the data, builds or resumes the state, trains with progress, saves. */
export async function runTraining(a: RunTrainingArgs): Promise<{ state: TrainState; data: DataSource }> {
  // Output first: a refused --out costs nothing. The lock keeps a second training off this folder until we finish.
  const lock = a.out !== undefined ? claimCheckpointOut(a.out, { resume: a.resume, overwrite: a.overwrite, flag: a.outFlag, hint: a.outHint }) : undefined;
  try {
    a.preflight?.();
    return await runTrainingLocked(a);
  } finally {
    lock?.release();
  }
}

async function runTrainingLocked(a: RunTrainingArgs): Promise<{ state: TrainState; data: DataSource }> {
  await initEngine({ backend: a.backend ?? "wasm" });
  let state: TrainState;
  if (a.resume) {
    if (!a.out || !checkpointExists(a.out)) throw new OptionError(`--resume: no checkpoint in ${a.out ?? "(no --out)"}`);
    if (isFlowCheckpoint(a.out)) {
      const arch = savedFlowArch(a.out);
      throw new OptionError(`--resume: the checkpoint in ${a.out} holds a ${arch} normalizing flow, not a flow-matching model; resume it with --model ${arch}`);
    }
    // Steps, threads and the save interval may change on resume (threads only change rounding).
    const every = a.given?.has("checkpoint-every") && a.options.checkpointEvery !== undefined ? { checkpointEvery: a.options.checkpointEvery } : {};
    state = loadTrainState(a.out, { ...(a.options.steps ? { steps: a.options.steps } : {}), ...(a.options.workers ? { workers: a.options.workers } : {}), ...every });
  }
  if (a.resume && a.given) checkResumeConflicts(a.out!, a.given, fmResumeFields(a, state!));
  const saved = a.resume ? state!.config.cond : undefined;
  const condSpec = saved ? { columns: (saved.source ?? "").split(","), kind: saved.kind } : a.resume ? undefined : a.cond;
  const testFraction = a.resume ? state!.config.testFraction : a.testFraction;
  const unet = a.resume ? state!.config.net.kind === "unet" : a.net === "unet";
  const data = unet
    ? openUnetData(a.data, { cond: condSpec, condConfig: saved, testFraction, standardizer: a.resume ? state!.config.standardizer : undefined })
    : openDataSource(a.data, {
        standardizer: a.resume ? state!.config.standardizer : undefined, standardize: a.standardize, dataScale: a.dataScale, cond: condSpec, condConfig: saved, ...(testFraction ? { testFraction } : {}),
      });
  if (a.resume) {
    if (state!.config.net.dim !== data.dim) {
      throw new ShapeError(`${a.data} has dimension ${data.dim} but the checkpoint in ${a.out} has dimension ${state!.config.net.dim}`);
    }
    // Data of the same dimension from another source would silently train on something else.
    if (a.given) checkResumeConflicts(a.out!, a.given, [{ flag: "data", given: a.data, saved: state!.config.data, same: sameData }]);
  } else {
    const cond = data.cond;
    // The CLI's network flags (--hidden, --activation) describe the built-in MLP.
    const net = unet ? unetConfigFor(data, a.netWidth, a.netDepth) : { ...defaultMlpConfig(data.dim), ...(a.hidden ? { hidden: a.hidden } : {}), ...(a.activation ? { activation: a.activation } : {}), ...(cond ? { condWidth: condEmbedWidth(cond) } : {}), ...(a.timeEmbedding === "none" ? { time: { kind: "none" as const } } : {}) };
    const standardize = {
      ...(data.kind === "csv" && a.standardize && a.standardize !== "column" ? { standardize: a.standardize } : {}),
      ...(data.kind === "csv" && a.dataScale !== undefined && a.dataScale !== 1 ? { dataScale: a.dataScale } : {}),
    };
    const path = a.path ?? "condot";
    getScheduler(path); // unknown names fail here, listing the valid ones
    if (!unet) checkVelocityNet(net); // before the weights are made: a huge --hidden would stall there
    state = createTrainState(
      { kind: "flow-matching", net, path, standardizer: data.standardizer, ...standardize, data: a.data, ...(testFraction ? { testFraction } : {}), ...(a.prediction && a.prediction !== "velocity" ? { prediction: a.prediction } : {}), ...(cond ? { cond } : {}) },
      a.options,
    );
  }
  const s = state!;
  if (s.config.net.kind === "mlp") checkVelocityBatch(s.config, s.options); // before the first step: a batch that cannot fit is refused with the estimate
  const bar = progressBar(s.options.steps, a.label ?? "train", { quiet: a.quiet, start: s.step, unit: "step" });
  if (s.step >= s.options.steps && !a.quiet) process.stderr.write(`already at step ${s.step} of ${s.options.steps}; nothing to do\n`);
  const run = {
    progressEvery: 10,
    onProgress: (p: { step: number; avgLoss: number }) => bar.update(p.step, `loss ${sig(p.avgLoss)}`),
    onCheckpoint: a.out ? (st: TrainState) => saveTrainState(a.out!, st) : undefined,
  };
  const onnx = useOnnx(a, s);
  if (onnx) await trainOnnx(s, data, run);
  else train(s, data, run);
  // The backend is named because auto (the demo's default) may pick either.
  bar.finish(s.losses.length ? `loss ${sig(recentLoss(s))}${onnx ? " (ONNX Runtime)" : ""}` : "");
  return { state: s, data };
}

/**
 * Whether the steps run on ONNX Runtime: --backend onnx (trainOnnx refuses what it cannot do), or auto where it
 * loaded and supports the run. ONNX Runtime threads within each step, so an unasked-for --workers (auto) becomes 1.
 */
function useOnnx(a: RunTrainingArgs, s: TrainState): boolean {
  if (computeBackend() !== "onnx" || a.backend === undefined || a.backend === "wasm") return false;
  const asked = a.given?.has("workers") ?? a.options.workers !== undefined;
  const workers = asked ? s.options.workers : 1;
  if (a.backend === "auto" && onnxTrainRefusal({ ...s, options: { ...s.options, workers } })) return false;
  s.options = { ...s.options, workers };
  return true;
}

/**
 * The held-out test NLL of a flow-matching run, as flow runs print it: the first `points` test points (fresh toy
 * points, or the rows held out by --test-fraction), exact likelihood by dopri5 at 1e-5 with the exact divergence.
 */
function reportTestNll(s: TrainState, data: DataSource, points: number, quiet: boolean): void {
  if (points <= 0 || s.config.cond) return; // a conditional model's likelihood is not the unconditional one
  if (s.config.net.kind === "unet") {
    // 64+ Jacobian-vector products per ODE step through a U-Net: minutes, not seconds; eval does it on request.
    if (!quiet) process.stderr.write(`no test NLL at the end of a U-Net run: flowmatch eval --model DIR --data ${data.spec} reports bits/dim of the held-out images\n`);
    return;
  }
  const D = data.dim;
  if (!data.test || data.test.length === 0) {
    if (!quiet) process.stderr.write(`no test NLL: every row of ${data.spec} trains (hold some out with --test-fraction 0.1)\n`);
    return;
  }
  const test = data.test.subarray(0, Math.min(points * D, data.test.length));
  using model = modelFromState(s);
  const r = testReport(model, { ...data, test }, { logProb: { method: "dopri5", rtol: 1e-5, atol: 1e-5 } });
  const what = data.kind === "toy" ? `${r.n} fresh ${data.spec} points` : `${r.n} held-out rows`;
  process.stdout.write(`test NLL ${sig(r.nll)} ± ${sig(r.stderr)} nats, ${sig(r.bitsPerDim)} bits/dim (${what}; exact likelihood, dopri5)\n`);
}

export async function trainCommand(argv: string[]): Promise<void> {
  if (wantsFlowModel(argv)) return flowTrainCommand(argv); // discrete normalizing flows, below
  const v = parseCommand(trainSpec, argv);
  if (!v) return;
  if (!v.data) throw new OptionError("train: --data is required (a toy name or a CSV file); see flowmatch train --help");
  const schedule = String(v.schedule) as TrainOptions["schedule"];
  const prediction = String(v.prediction) as PredictionKind;
  const net = netKindArg(v);
  const given = givenOptions(argv);
  // --net unet has its own defaults where a flag is not typed (image-train.ts), and refuses the MLP's flags.
  if (net === "unet") {
    refuseMlpFlags(given);
    const d = UNET_TRAIN_DEFAULTS;
    for (const [flag, value] of [["steps", d.steps], ["batch", d.batch], ["lr", d.lr], ["ema-decay", d.emaDecay], ["test-fraction", d.testFraction], ["time-sampling", d.timeSampling]] as const)
      if (!given.has(flag)) v[flag] = String(value);
  } else refuseUnetFlags(given);
  if (!PREDICTION_KINDS.includes(prediction)) throw new OptionError(`--prediction must be one of ${PREDICTION_KINDS.join(", ")}, got "${prediction}"`);
  const { state: s, data } = await runTraining({
    data: String(v.data),
    testFraction: num(v, "test-fraction", { min: 0 }),
    out: String(v.out),
    resume: !!v.resume,
    given,
    overwrite: !!v.overwrite,
    net,
    netWidth: num(v, "net-width", { int: true, min: 1 }),
    netDepth: num(v, "net-depth", { int: true, min: 1 }),
    hidden: intList(v, "hidden"),
    activation: activationArg(v),
    timeEmbedding: timeEmbeddingArg(v),
    standardize: standardizeArg(v, argv),
    dataScale: dataScaleArg(v, argv),
    quiet: !!v.quiet,
    path: String(v.path),
    prediction,
    cond: condSpecArg(v),
    backend: backendArg(v),
    options: {
      steps: num(v, "steps", { int: true, min: 1 }),
      batch: num(v, "batch", { int: true, min: 1 }),
      lr: num(v, "lr", { min: 0 }),
      seed: num(v, "seed", { int: true, min: 0 }),
      workers: workersArg(v, String(v.objective) === "fm"),
      checkpointEvery: num(v, "checkpoint-every", { int: true, min: 0 }),
      emaDecay: num(v, "ema-decay", { min: 0 }),
      clipNorm: num(v, "clip-norm", { min: 0 }),
      schedule,
      timeSampling: String(v["time-sampling"]) as TrainOptions["timeSampling"],
      logitNormal: { mean: num(v, "t-mean")!, std: num(v, "t-std")!, uniform: num(v, "t-uniform")! },
      objective: String(v.objective) as TrainOptions["objective"],
      coupling: String(v.pairing ?? v.coupling),
      couplingOptions: { reg: num(v, "sinkhorn-reg", { min: 0 }), sigma: num(v, "sb-sigma", { min: 0 }) },
      condDropout: num(v, "cond-dropout", { min: 0 }),
      mle: {
        method: String(v["mle-solver"]),
        steps: num(v, "mle-steps", { int: true, min: 1 })!,
        rtol: num(v, "mle-tol", { min: 0 })!,
        atol: num(v, "mle-tol", { min: 0 })!,
        divergence: String(v.divergence) as TrainOptions["mle"]["divergence"],
        probes: num(v, "probes", { int: true, min: 1 })!,
        probeKind: "rademacher",
        kineticEnergy: num(v, "kinetic", { min: 0 })!,
        jacobianFrobenius: num(v, "jacobian", { min: 0 })!,
      },
    },
  });
  reportTestNll(s, data, num(v, "test-points", { int: true, min: 0 })!, !!v.quiet);
  if (!v.quiet) process.stderr.write(`saved ${v.out} (step ${s.step})\n`);
  disposeTrainState(s);
}
