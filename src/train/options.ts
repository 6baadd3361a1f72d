/** Training hyper-parameters with their defaults (the default recipe; see README for why each). */
import { OptionError } from "../errors.js";

export type TimeSampling = "uniform" | "logit-normal";
export interface TrainOptions {
  steps: number;
  batch: number;
  lr: number;
  /** Learning-rate schedule after warm-up. */
  schedule: "constant" | "warmup" | "cosine";
  warmupSteps: number;
  minLr: number;
  weightDecay: number;
  /** Global-norm gradient clipping; 0 turns it off. */
  clipNorm: number;
  /** EMA decay of the parameters (sampling uses the EMA); 0 turns it off. */
  emaDecay: number;
  timeSampling: TimeSampling;
  /** Logit-normal location and scale: t = σ(m + s·z). */
  logitNormal: { mean: number; std: number };
  /** Save a checkpoint every this many steps (and at the end) when an output directory is given; 0: only at the end. */
  checkpointEvery: number;
  seed: number;
}

export const defaultTrainOptions: TrainOptions = {
  steps: 5000,
  batch: 512,
  lr: 1e-3,
  schedule: "cosine",
  warmupSteps: 100,
  minLr: 1e-5,
  weightDecay: 0,
  clipNorm: 1,
  emaDecay: 0.999,
  timeSampling: "uniform",
  logitNormal: { mean: 0, std: 1 },
  checkpointEvery: 1000,
  seed: 0,
};

export function resolveTrainOptions(o: Partial<TrainOptions> = {}): TrainOptions {
  const r = { ...defaultTrainOptions, ...o, logitNormal: { ...defaultTrainOptions.logitNormal, ...o.logitNormal } };
  const posInt = (k: "steps" | "batch") => {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new OptionError(`${k} must be a positive integer, got ${r[k]}`);
  };
  posInt("steps");
  posInt("batch");
  if (!(r.lr > 0)) throw new OptionError(`lr must be > 0, got ${r.lr}`);
  if (!(r.emaDecay >= 0 && r.emaDecay < 1)) throw new OptionError(`emaDecay must be in [0, 1), got ${r.emaDecay}`);
  if (!["uniform", "logit-normal"].includes(r.timeSampling))
    throw new OptionError(`time sampling must be uniform or logit-normal, got "${r.timeSampling}"`);
  if (!["constant", "warmup", "cosine"].includes(r.schedule))
    throw new OptionError(`schedule must be constant, warmup or cosine, got "${r.schedule}"`);
  if (!Number.isInteger(r.checkpointEvery) || r.checkpointEvery < 0)
    throw new OptionError(`checkpointEvery must be a non-negative integer, got ${r.checkpointEvery}`);
  return r;
}
