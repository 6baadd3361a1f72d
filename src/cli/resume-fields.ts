/**
 * The options `train --resume` compares with the checkpoint, per family (checkResumeConflicts in resume-check.ts
 * does the comparing): everything that shapes the model, the objective, the data or the training stream.
 */
import type { TrainOptions } from "../train/options.js";
import type { TrainState } from "../train/trainer.js";
import type { FlowConfig } from "../flows/architectures.js";
import type { ResumeField } from "./resume-check.js";
import type { RunTrainingArgs } from "./commands/train.js";
import { num, intList, condSpecArg, parseColumns } from "./args.js";

/**
 * What a flow-matching --resume compares with the checkpoint: everything that shapes the model, the objective or the
 * training stream. Only --steps, --workers, --checkpoint-every, --test-points and -q may change (RESUME_HELP).
 */
export function fmResumeFields(a: RunTrainingArgs, s: TrainState): ResumeField[] {
  const c = s.config, o = s.options, g = a.options, mle = g.mle;
  const pairing = a.given?.has("pairing") ? "pairing" : "coupling";
  return [
    { flag: "net", given: a.net, saved: c.net.kind },
    { flag: "net-width", given: a.netWidth, saved: c.net.width },
    { flag: "net-depth", given: a.netDepth, saved: Array.isArray(c.net.mults) ? c.net.mults.length : undefined },
    { flag: "hidden", given: a.hidden, saved: c.net.hidden },
    { flag: "activation", given: a.activation, saved: c.net.activation },
    { flag: "time-embedding", given: a.timeEmbedding, saved: (c.net.time as { kind?: string } | undefined)?.kind ?? "sinusoidal" },
    { flag: "standardize", given: a.standardize, saved: c.standardize ?? "column" },
    { flag: "data-scale", given: a.dataScale, saved: c.dataScale ?? 1 },
    { flag: "batch", given: g.batch, saved: o.batch },
    { flag: "lr", given: g.lr, saved: o.lr },
    { flag: "seed", given: g.seed, saved: o.seed },
    { flag: "path", given: a.path, saved: c.path },
    { flag: "prediction", given: a.prediction, saved: c.prediction ?? "velocity" },
    { flag: "objective", given: g.objective, saved: o.objective },
    { flag: "ema-decay", given: g.emaDecay, saved: o.emaDecay },
    { flag: "clip-norm", given: g.clipNorm, saved: o.clipNorm },
    { flag: "schedule", given: g.schedule, saved: o.schedule },
    { flag: "time-sampling", given: g.timeSampling, saved: o.timeSampling },
    { flag: "t-mean", given: g.logitNormal?.mean, saved: o.logitNormal.mean },
    { flag: "t-std", given: g.logitNormal?.std, saved: o.logitNormal.std },
    { flag: "t-uniform", given: g.logitNormal?.uniform, saved: o.logitNormal.uniform ?? 0 },
    { flag: pairing, given: g.coupling, saved: o.coupling },
    { flag: "sinkhorn-reg", given: g.couplingOptions?.reg, saved: o.couplingOptions.reg ?? 0.05 },
    { flag: "sb-sigma", given: g.couplingOptions?.sigma, saved: o.couplingOptions.sigma ?? 1 },
    { flag: "cond-dropout", given: g.condDropout, saved: o.condDropout },
    { flag: "mle-solver", given: mle?.method, saved: o.mle.method },
    { flag: "mle-steps", given: mle?.steps, saved: o.mle.steps },
    { flag: "mle-tol", given: mle?.rtol, saved: o.mle.rtol },
    { flag: "divergence", given: mle?.divergence, saved: o.mle.divergence },
    { flag: "probes", given: mle?.probes, saved: o.mle.probes },
    { flag: "kinetic", given: mle?.kineticEnergy, saved: o.mle.kineticEnergy },
    { flag: "jacobian", given: mle?.jacobianFrobenius, saved: o.mle.jacobianFrobenius },
    { flag: "test-fraction", given: a.testFraction, saved: c.testFraction ?? 0 },
    { flag: "cond", given: a.cond?.columns, saved: c.cond?.source?.split(",") ?? "none (unconditional)" },
    { flag: "cond-type", given: a.cond?.kind, saved: c.cond?.kind ?? "none (unconditional)" },
  ];
}

/** The rest of what a flow --resume compares: architecture details, data columns and conditions, the stream. */
export function flowResumeFields(v: Record<string, string | boolean | undefined>, fc: FlowConfig, o: TrainOptions): ResumeField[] {
  const none = "none (unconditional)";
  const dq = String(v.dequantize);
  return [
    { flag: "levels", given: num(v, "levels", { int: true, min: 1 }), saved: fc.levels },
    { flag: "variant", given: v.variant, saved: fc.variant },
    { flag: "no-actnorm", given: !!v["no-actnorm"], saved: !fc.actnorm },
    { flag: "base", given: v.base, saved: fc.base },
    { flag: "image", given: v.image === undefined ? undefined : intList(v, "image"), saved: fc.eventShape },
    { flag: "columns", given: parseColumns(v.columns as string | undefined), saved: fc.columns },
    { flag: "dequantize", given: dq, saved: fc.dequantize ? String(fc.dequantize.levels) : "off", same: (g, s) => g === "auto" || String(g) === String(s) },
    { flag: "cond", given: condSpecArg(v)?.columns, saved: fc.cond?.source?.split(",") ?? none },
    { flag: "cond-type", given: v["cond-type"], saved: fc.cond?.kind ?? none },
    { flag: "seed", given: num(v, "seed", { int: true, min: 0 }), saved: o.seed },
    { flag: "ema-decay", given: num(v, "ema-decay", { min: 0 }), saved: o.emaDecay },
    { flag: "clip-norm", given: num(v, "clip-norm", { min: 0 }), saved: o.clipNorm },
    { flag: "schedule", given: v.schedule, saved: o.schedule },
    { flag: "warmup", given: num(v, "warmup", { int: true, min: 0 }), saved: o.warmupSteps },
    { flag: "test-fraction", given: num(v, "test-fraction", { min: 0 }), saved: fc.testFraction },
  ];
}

