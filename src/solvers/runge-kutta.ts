/**
 * The one explicit Runge–Kutta stepper (torchdiffeq's `_runge_kutta_step`), driven by a {@link Tableau}. It is
 * generic over how time is held: JS numbers for `odeint` (constants under jit), or scalar arrays for
 * `solveOnGrid`, where the grid is an input so one compiled function serves every grid of a length — what a
 * differentiable solve needs when an adaptive pass picks the grid anew for every batch (CNF maximum likelihood).
 */
import { mulScalar, type Array } from "../engine/index.js";
import type { Tableau } from "./tableaux.js";

/** How the stepper forms stage times and scales increments by the step h, for one time representation. */
export interface TimeOps<T> {
  /** t + c·h as a new time value (t and h borrowed). */
  at(t: T, h: T, c: number): T;
  /** sum·h (consumes `sum`, borrows h). */
  scale(sum: Array, h: T): Array;
}

export const numberTime: TimeOps<number> = {
  at: (t, h, c) => (c === 0 ? t : t + c * h),
  scale: (sum, h) => mulScalar(sum, h),
};

export const arrayTime: TimeOps<Array> = {
  at: (t, h, c) => (c === 0 ? t.ref : t.ref.add(mulScalar(h.ref, c))),
  scale: (sum, h) => sum.mul(h.ref),
};

/** Σ w_j k_j over nonzero weights (borrows the k_j); undefined when all are zero. */
export function combine(ks: Array[], w: number[]): Array | undefined {
  let acc: Array | undefined;
  for (let j = 0; j < w.length && j < ks.length; j++) {
    const c = w[j]!;
    if (c === 0) continue;
    const term = c === 1 ? ks[j]!.ref : mulScalar(ks[j]!.ref, c);
    acc = acc === undefined ? term : acc.add(term);
  }
  return acc;
}

/** Stages a step without an error estimate evaluates: up to the last nonzero weight of b (dopri5: 6 of 7). */
export function solutionStages(tab: Tableau): number {
  let n = tab.b.length;
  while (n > 1 && tab.b[n - 1] === 0) n--;
  return n;
}

/** First same as last: the last stage is evaluated at the new solution, so it is the next step's first stage. */
export function isFsal(tab: Tableau): boolean {
  const s = tab.c.length;
  const last = tab.a[s - 1]!;
  if (s < 2 || tab.c[s - 1] !== 1 || (tab.b[s - 1] ?? 0) !== 0) return false;
  for (let j = 0; j < s - 1; j++) if ((last[j] ?? 0) !== (tab.b[j] ?? 0)) return false;
  return true;
}

export interface RkStepOptions<T> {
  /** The slope f(t, x) when already known (borrowed): FSAL reuse, or a retried step. */
  k1?: Array;
  /** Also return the embedded error estimate (evaluates every stage). */
  error?: boolean;
  /** The exact end time t + h, used for an FSAL last stage (t + 1·h can differ from it by rounding). */
  t1?: T;
}

export interface RkStepResult {
  /** x(t + h) (owned). */
  x: Array;
  /** The stage slopes evaluated (owned; ks[0] is a new reference to k1 when it was given). */
  ks: Array[];
  /** With `error`: h·Σ (b_i − bHat_i) k_i (owned). */
  err?: Array;
  /** Evaluations of f made by this step. */
  nfe: number;
}

/**
 * One step x(t) → x(t + h) of the tableau. Borrows t, h, x and k1; f consumes its arguments. Without `error`,
 * stages past the last nonzero solution weight are skipped; with it, an FSAL tableau's last stage is evaluated at
 * the new solution itself (its slope is `ks[ks.length - 1]`).
 */
export function rkStep<T>(
  tab: Tableau, time: TimeOps<T>, f: (t: T, x: Array) => Array, t: T, h: T, x: Array, o: RkStepOptions<T> = {},
): RkStepResult {
  const s = o.error ? tab.c.length : solutionStages(tab);
  const fsal = o.error === true && isFsal(tab);
  const ks: Array[] = [];
  let nfe = 0;
  let xNew: Array | undefined;
  for (let i = 0; i < s; i++) {
    if (i === 0 && o.k1 !== undefined) {
      ks.push(o.k1.ref);
      continue;
    }
    const inc = combine(ks, tab.a[i]!);
    const xi = inc ? x.ref.add(time.scale(inc, h)) : x.ref;
    if (fsal && i === s - 1) {
      xNew = xi;
      ks.push(f(o.t1 ?? time.at(t, h, 1), xi.ref));
    } else {
      ks.push(f(time.at(t, h, tab.c[i]!), xi));
    }
    nfe++;
  }
  if (xNew === undefined) {
    const sum = combine(ks, tab.b);
    xNew = sum ? x.ref.add(time.scale(sum, h)) : x.ref;
  }
  const result: RkStepResult = { x: xNew, ks, nfe };
  if (o.error) {
    const e = tab.c.map((_, j) => (tab.b[j] ?? 0) - (tab.bHat![j] ?? 0));
    const sum = combine(ks, e);
    result.err = sum ? time.scale(sum, h) : x.ref.mul(0);
  }
  return result;
}

/** A one-step map with JS-number time for the fixed-step driver: consumes x, returns x(t + h). */
export function fixedStep(tab: Tableau): (f: (t: number, x: Array) => Array, t: number, h: number, x: Array) => Array {
  return (f, t, h, x) => {
    const r = rkStep(tab, numberTime, f, t, h, x);
    r.ks.forEach((k) => k.dispose());
    x.dispose();
    return r.x;
  };
}

/** A field with array time: g(t, x) consumes t (a scalar array) and x. */
export type ArrayTimeFunc = (t: Array, x: Array) => Array;

/** One step x(t) → x(t + h) with array time; t, h (scalar arrays) and x are consumed. */
export function rkStepArrayTime(tab: Tableau, f: ArrayTimeFunc, t: Array, h: Array, x: Array): Array {
  const r = rkStep(tab, arrayTime, f, t, h, x);
  r.ks.forEach((k) => k.dispose());
  t.dispose();
  h.dispose();
  x.dispose();
  return r.x;
}

/**
 * Integrates over the grid `times` ([S + 1] array, consumed; ascending or descending), stepping exactly on it.
 * Consumes x0. Evaluations: S × (stages of the solution). On dopri5's accepted steps (`OdeResult.stepTimes`) the
 * "dopri5" tableau reproduces the adaptive solution, now differentiable.
 *
 * @example
 * const x1 = solveOnGrid(getTableau("rk4"), (t, x) => x.mul(t), x0, fromHost(grid, [grid.length], np.float64));
 */
export function solveOnGrid(tab: Tableau, f: ArrayTimeFunc, x0: Array, times: Array): Array {
  const S = times.shape[0]! - 1;
  let x = x0;
  for (let i = 0; i < S; i++) {
    const t = times.ref.slice(i);
    const h = times.ref.slice(i + 1).sub(times.ref.slice(i));
    x = rkStepArrayTime(tab, f, t, h, x);
  }
  times.dispose();
  return x;
}
