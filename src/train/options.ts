/** Training hyper-parameters with their defaults (the default recipe; see README for why each). */
import { OptionError } from "../errors.js";

export type TimeSampling = "uniform" | "logit-normal";
export type Objective = "fm" | "mle";

/** CNF maximum-likelihood settings (objective "mle"). */
export interface MleOptions {
  /** Differentiable solve: a fixed-step method (euler, midpoint, heun, rk4) on `steps` uniform steps, or "dopri5"
   * (adaptive grid from an untraced pass with rtol/atol, then gradients through its steps). */
  method: string;
  steps: number;
  rtol: number;
  atol: number;
  divergence: "exact" | "hutchinson";
  probes: number;
  probeKind: "rademacher" | "gaussian";
  /** RNODE regularizer weights: kinetic energy ∫‖v‖²/D dt and Jacobian Frobenius ∫‖∂v/∂x‖²_F/D dt. */
  kineticEnergy: number;
  jacobianFrobenius: number;
}
export interface TrainOptions {
  /** "fm" (flow matching, default) or "mle" (CNF maximum likelihood through the ODE solve). */
  objective: Objective;
  mle: MleOptions;
  /** How noise and data rows are paired in a batch: independent, ot, sinkhorn, sb (see src/pairing). */
  coupling: string;
  couplingOptions: { reg?: number; sigma?: number; iterations?: number };
  /** Probability of replacing a row's condition by ∅ while training (classifier-free guidance). */
  condDropout: number;
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
  /** logit-normal t = σ(mean + std·z); `uniform`: the share of draws taken uniform instead (default 0). */
  logitNormal: { mean: number; std: number; uniform?: number };
  /** Save a checkpoint every this many steps (and at the end) when an output directory is given; 0: only at the end. */
  checkpointEvery: number;
  seed: number;
  /** Threads for flow-matching gradients (data-parallel, see parallel.ts); 1 trains in the calling thread only. */
  workers: number;
}

export const defaultMleOptions: MleOptions = {
  method: "rk4", steps: 10, rtol: 1e-4, atol: 1e-4, divergence: "exact", probes: 1, probeKind: "rademacher",
  kineticEnergy: 0, jacobianFrobenius: 0,
};

export const defaultTrainOptions: TrainOptions = {
  objective: "fm",
  mle: defaultMleOptions,
  coupling: "independent",
  couplingOptions: {},
  condDropout: 0.1,
  steps: 5000,
  batch: 512,
  lr: 2e-3,
  schedule: "cosine",
  warmupSteps: 100,
  minLr: 1e-5,
  weightDecay: 0,
  clipNorm: 1,
  emaDecay: 0.999,
  // Logit-normal(1.5, 1) with a uniform share of 0.2 (issue 13; bench/quality/README.md): sharp edges and tight modes
  // form near the data end (median t 0.82), so training there pays. KL after 5,000 steps (seed 0, Swish-4, CSV at
  // std 2, 256×4), mean 1 → 1.5: modes48 (48 tight modes) 0.279 → 0.178 (plain recipe 0.419), checkerboard 0.137 →
  // 0.137 (uniform t 0.204), grid25 0.027 → 0.026, spiral 0.033 → 0.030, moons 0.008 → 0.010 (plain 0.070). Pure
  // logit-normal almost never trains at t ≈ 0, so one Euler step of an OT-coupled model went from W2 0.19× to 0.52×
  // of independent (test/train/few_step.test.ts); the uniform share keeps it at 0.31× (mean 1 and 1.5 alike).
  // Whole suite (7 sets and their ×40 copies, 3 seeds, 5,000 steps; bench/quality/README.md, fourth round): every
  // set under half of the plain recipe's KL (checkerboard 0.134 vs 0.310 is the closest) and 3–50× under 0.1's.
  // `logitNormal.uniform` is merged in when a caller gives only mean and std.
  timeSampling: "logit-normal",
  logitNormal: { mean: 1.5, std: 1, uniform: 0.2 },
  checkpointEvery: 1000,
  seed: 0,
  workers: 1,
};

export function resolveTrainOptions(o: Partial<TrainOptions> = {}): TrainOptions {
  const r = {
    ...defaultTrainOptions, ...o,
    logitNormal: { ...defaultTrainOptions.logitNormal, ...o.logitNormal },
    mle: { ...defaultMleOptions, ...o.mle },
  };
  if (!["independent", "ot", "sinkhorn", "sb"].includes(r.coupling))
    throw new OptionError(`unknown coupling "${r.coupling}"; valid couplings: independent, ot, sinkhorn, sb`);
  if (!(r.condDropout >= 0 && r.condDropout < 1)) throw new OptionError(`condition dropout must be in [0, 1), got ${r.condDropout}`);
  if (r.objective !== "fm" && r.objective !== "mle") throw new OptionError(`objective must be fm or mle, got "${r.objective}"`);
  const m = r.mle;
  if (!["euler", "midpoint", "heun", "rk4", "dopri5"].includes(m.method))
    throw new OptionError(`MLE solver must be euler, midpoint, heun, rk4 or dopri5, got "${m.method}"`);
  if (!Number.isInteger(m.steps) || m.steps < 1) throw new OptionError(`MLE solver steps must be a positive integer, got ${m.steps}`);
  if (!(m.rtol > 0) || !(m.atol > 0)) throw new OptionError(`MLE solver tolerances must be > 0, got rtol ${m.rtol}, atol ${m.atol}`);
  if (m.divergence !== "exact" && m.divergence !== "hutchinson") throw new OptionError(`divergence must be exact or hutchinson, got "${m.divergence}"`);
  if (!Number.isInteger(m.probes) || m.probes < 1) throw new OptionError(`probes must be a positive integer, got ${m.probes}`);
  if (m.probeKind !== "rademacher" && m.probeKind !== "gaussian") throw new OptionError(`probe kind must be rademacher or gaussian, got "${m.probeKind}"`);
  if (!(m.kineticEnergy >= 0) || !(m.jacobianFrobenius >= 0)) throw new OptionError("regularizer weights must be ≥ 0");
  const posInt = (k: "steps" | "batch") => {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new OptionError(`${k} must be a positive integer, got ${r[k]}`);
  };
  posInt("steps");
  posInt("batch");
  if (!(r.lr > 0)) throw new OptionError(`lr must be > 0, got ${r.lr}`);
  if (!(r.emaDecay >= 0 && r.emaDecay < 1)) throw new OptionError(`emaDecay must be in [0, 1), got ${r.emaDecay}`);
  if (!["uniform", "logit-normal"].includes(r.timeSampling))
    throw new OptionError(`time sampling must be uniform or logit-normal, got "${r.timeSampling}"`);
  if (!Number.isFinite(r.logitNormal.mean) || !(r.logitNormal.std > 0 && Number.isFinite(r.logitNormal.std)))
    throw new OptionError(`logit-normal time needs a finite mean and a std > 0, got mean ${r.logitNormal.mean}, std ${r.logitNormal.std}`);
  const u = r.logitNormal.uniform ?? 0;
  if (!(u >= 0 && u <= 1)) throw new OptionError(`the uniform share of logit-normal times must be in [0, 1], got ${u}`);
  if (!["constant", "warmup", "cosine"].includes(r.schedule))
    throw new OptionError(`schedule must be constant, warmup or cosine, got "${r.schedule}"`);
  if (!Number.isInteger(r.checkpointEvery) || r.checkpointEvery < 0)
    throw new OptionError(`checkpointEvery must be a non-negative integer, got ${r.checkpointEvery}`);
  if (!Number.isInteger(r.workers) || r.workers < 1) throw new OptionError(`workers must be a positive integer, got ${r.workers}`);
  if (r.workers > 1 && r.objective !== "fm") throw new OptionError("workers > 1 is for flow matching (objective fm) only");
  if (r.workers > r.batch) throw new OptionError(`workers (${r.workers}) must not exceed the batch (${r.batch})`);
  return r;
}
