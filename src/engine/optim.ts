/**
 * Optimizers (Adam, AdamW), global-norm gradient clipping, learning-rate schedules and parameter EMA.
 * `@jax-js/optax` is not on npm, so these live here. The update functions are pure jax-js code, so a trainer can
 * put them inside its jit-compiled step; anything that changes each step (learning rate, bias corrections, EMA
 * decay) enters as a scalar array argument, so the step compiles once.
 */
import { np, treeOps, type Array } from "./jax.js";
import type { Tree } from "./tree.js";

export interface AdamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW); 0 gives plain Adam. */
  weightDecay?: number;
}

/** Per-step scalars of an Adam update, computed on the host by `adamScalars`. */
export interface AdamScalars {
  lr: Array;
  /** 1 − b1^t and 1 − b2^t for step t = 1, 2, … */
  bc1: Array;
  bc2: Array;
}

/** The scalars for step `t` (1-based) at learning rate `lr`, as arrays of `dtype`. */
export function adamScalars(t: number, lr: number, opts: AdamOptions = {}, dtype = np.float32): AdamScalars {
  const { b1 = 0.9, b2 = 0.999 } = opts;
  return {
    lr: np.array(lr, { dtype }),
    bc1: np.array(1 - b1 ** t, { dtype }),
    bc2: np.array(1 - b2 ** t, { dtype }),
  };
}

/**
 * One Adam(W) step. m ← b1·m + (1−b1)·g; v ← b2·v + (1−b2)·g²; p ← p − lr·(m/bc1)/(√(v/bc2) + eps) − lr·wd·p.
 * Consumes params, grads, m, v and the scalars; returns the new params and moments.
 */
export function adamUpdate<T extends Tree>(
  params: T,
  grads: T,
  m: T,
  v: T,
  s: AdamScalars,
  opts: AdamOptions = {},
): { params: T; m: T; v: T } {
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, weightDecay = 0 } = opts;
  const m2 = treeOps.map((mm: Array, g: Array) => mm.mul(b1).add(g.mul(1 - b1)), m, treeOps.ref(grads)) as T;
  const v2 = treeOps.map((vv: Array, g: Array) => vv.mul(b2).add(np.square(g).mul(1 - b2)), v, grads) as T;
  const p2 = treeOps.map(
    (p: Array, mm: Array, vv: Array) => {
      const mhat = mm.div(s.bc1.ref);
      const denom = np.sqrt(vv.div(s.bc2.ref)).add(eps);
      let step = mhat.div(denom);
      if (weightDecay !== 0) step = step.add(p.ref.mul(weightDecay));
      return p.sub(step.mul(s.lr.ref));
    },
    params,
    treeOps.ref(m2),
    treeOps.ref(v2),
  ) as T;
  s.lr.dispose();
  s.bc1.dispose();
  s.bc2.dispose();
  return { params: p2, m: m2, v: v2 };
}

/** √(Σ g²) over all leaves (does not consume `grads`). */
export function globalNorm(grads: Tree): Array {
  const sq = (treeOps.leaves(treeOps.ref(grads)) as Array[]).map((g) => np.square(g).sum());
  return np.sqrt(sq.reduce((a, b) => a.add(b)));
}

/** Scales the gradients so their global norm is at most `maxNorm`; returns them (consumed) and the norm before. */
export function clipByGlobalNorm<T extends Tree>(grads: T, maxNorm: number): { grads: T; norm: Array } {
  const norm = globalNorm(grads);
  const scale = np.minimum(np.divide(maxNorm, norm.ref.add(1e-12)), 1);
  const clipped = treeOps.map((g: Array) => g.mul(scale.ref), grads) as T;
  scale.dispose();
  return { grads: clipped, norm };
}

/** ema ← decay·ema + (1 − decay)·params. Consumes `ema` and `decay`; does not consume `params`. */
export function emaUpdate<T extends Tree>(ema: T, params: T, decay: Array): T {
  const out = treeOps.map(
    (e: Array, p: Array) => e.mul(decay.ref).add(p.mul(np.subtract(1, decay.ref))),
    ema,
    treeOps.ref(params),
  ) as T;
  decay.dispose();
  return out;
}

/**
 * The EMA decay used at step `t` (1-based): the configured decay, ramped up as min(decay, (1 + t)/(10 + t)) so
 * early, still-random parameters are forgotten quickly (as in TF's ExponentialMovingAverage with num_updates).
 */
export function emaDecayAt(t: number, decay: number): number {
  return Math.min(decay, (1 + t) / (10 + t));
}

export type ScheduleKind = "constant" | "warmup" | "cosine";
export interface ScheduleOptions {
  kind?: ScheduleKind;
  lr: number;
  /** Linear warm-up from 0 over this many steps ("warmup" and "cosine"). */
  warmupSteps?: number;
  /** Total steps; cosine decays to `minLr` at this step. */
  totalSteps?: number;
  minLr?: number;
}
/** Learning rate at 1-based step t. */
export type Schedule = (t: number) => number;

export function makeSchedule(o: ScheduleOptions): Schedule {
  const { kind = "constant", lr, warmupSteps = 0, totalSteps = 1, minLr = 0 } = o;
  const warm = (t: number) => (warmupSteps > 0 && t <= warmupSteps ? t / warmupSteps : 1);
  switch (kind) {
    case "constant":
      return () => lr;
    case "warmup":
      return (t) => lr * warm(t);
    case "cosine":
      return (t) => {
        if (warmupSteps > 0 && t <= warmupSteps) return lr * warm(t);
        const span = Math.max(1, totalSteps - warmupSteps);
        const p = Math.min(1, Math.max(0, (t - warmupSteps) / span));
        return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
      };
    default:
      throw new Error(`unknown schedule "${kind as string}" (constant, warmup, cosine)`);
  }
}
