/**
 * Entropic optimal transport by Sinkhorn's algorithm (Cuturi 2013), and the minibatch pairing that draws pairs
 * from its plan (Tong et al. 2023, torchcfm's OTPlanSampler with method "sinkhorn").
 *
 * The plan P minimizes ⟨P, C⟩ − ε·H(P) over n×n matrices with uniform marginals 1/n, for the squared Euclidean cost
 * C[i, j] = |x0_i − x1_j|². It is computed in the log domain — dual potentials f, g with
 * P[i, j] = exp((f_i + g_j − C[i, j])/ε) and log-sum-exp updates — so that small ε neither underflows nor
 * overflows. As ε → 0 the plan tends to the exact OT plan (a permutation matrix divided by n); as ε → ∞ to the
 * independent plan 1/n².
 *
 * Regularization: the pairing's `reg` is relative to the batch's mean cost, ε = reg · mean(C), so that one value
 * works whatever the data scale and dimension (POT/torchcfm take an absolute ε; {@link sinkhornPlanFromCost} does
 * too, and the Schrödinger-bridge pairing uses it with ε = 2σ²).
 *
 * Pairs: `pair` draws n index pairs (i, j) independently from the plan's joint distribution, with replacement, as
 * torchcfm does — so, unlike the exact pairing, some x0 (and x1) rows repeat and others are left out.
 */
import type { Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { batchSize, gatherRows, squaredDistances, type Pairing, type PairedBatch } from "./pairing.js";

export interface SinkhornOptions {
  /** ε relative to the mean cost (> 0). Default 0.05. */
  reg?: number;
  /** Maximum number of Sinkhorn sweeps (one f and one g update each) at the final ε. Default 1000. */
  iterations?: number;
  /** Stop when Σ_i |Σ_j P[i, j] − 1/n| falls below this (checked every 10 sweeps). Default 1e-9. */
  tol?: number;
}

export interface SinkhornResult {
  /** Row-major n×n plan; rows index x0, columns x1; sums to 1; columns sum to 1/n exactly after the last sweep. */
  plan: Float64Array;
  /** The absolute regularization ε used. */
  eps: number;
  /** Sweeps run. */
  iterations: number;
  /** Σ_i |row sum_i − 1/n| of the returned plan. */
  marginalError: number;
}

const DEFAULTS = { reg: 0.05, iterations: 1000, tol: 1e-9 };

function checkOptions(o: SinkhornOptions): Required<SinkhornOptions> {
  const r = {
    reg: o.reg ?? DEFAULTS.reg,
    iterations: o.iterations ?? DEFAULTS.iterations,
    tol: o.tol ?? DEFAULTS.tol,
  };
  if (!(Number.isFinite(r.reg) && r.reg > 0)) throw new OptionError(`sinkhorn: expected reg > 0, got ${r.reg}`);
  if (!(Number.isInteger(r.iterations) && r.iterations >= 1)) {
    throw new OptionError(`sinkhorn: expected an integer iterations >= 1, got ${r.iterations}`);
  }
  if (!(r.tol >= 0)) throw new OptionError(`sinkhorn: expected tol >= 0, got ${r.tol}`);
  return r;
}

/**
 * One log-domain half-step: out[i] = ε·(log(1/n) − LSE_j((pot[j] − C[i, j])/ε)), reading C by rows (`byRow`) or by
 * columns.
 */
function halfStep(cost: Float64Array, n: number, eps: number, pot: Float64Array, out: Float64Array, byRow: boolean) {
  const logW = -Math.log(n);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) {
      const c = byRow ? cost[i * n + j] : cost[j * n + i];
      const z = (pot[j] - c) / eps;
      row[j] = z;
      if (z > m) m = z;
    }
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(row[j] - m);
    out[i] = eps * (logW - (m + Math.log(s)));
  }
}

function rowMarginalError(cost: Float64Array, n: number, eps: number, f: Float64Array, g: Float64Array): number {
  let err = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp((f[i] + g[j] - cost[i * n + j]) / eps);
    err += Math.abs(s - 1 / n);
  }
  return err;
}

/**
 * Sinkhorn plan for a row-major n×n cost matrix at absolute regularization `eps` > 0.
 *
 * ε-scaling: plain Sinkhorn needs a number of sweeps that grows like max(C)/ε, so the potentials are first
 * warm-started along ε_k = max(C)·2^−k down to `eps` (10 sweeps per stage), then swept at `eps` until the row
 * marginals are within `tol` or `iterations` sweeps have run. The fixed point is the same as without scaling; the
 * reported `iterations` counts all sweeps.
 */
export function sinkhornPlanFromCost(
  cost: Float64Array, n: number, eps: number, options: Omit<SinkhornOptions, "reg"> = {},
): SinkhornResult {
  const { iterations, tol } = checkOptions({ ...options, reg: 1 });
  if (!(Number.isFinite(eps) && eps > 0)) throw new OptionError(`sinkhorn: expected an absolute eps > 0, got ${eps}`);
  const f = new Float64Array(n), g = new Float64Array(n);
  const sweep = (e: number) => {
    halfStep(cost, n, e, g, f, true);
    halfStep(cost, n, e, f, g, false);
  };
  let maxCost = 0;
  for (let k = 0; k < cost.length; k++) maxCost = Math.max(maxCost, cost[k]);
  let sweeps = 0;
  for (let e = maxCost; e > eps; e /= 2) {
    for (let k = 0; k < 10; k++) sweep(e);
    sweeps += 10;
  }
  let it = 0;
  while (it < iterations) {
    sweep(eps);
    it++;
    if ((it % 10 === 0 || it === iterations) && rowMarginalError(cost, n, eps, f, g) <= tol) break;
  }
  const plan = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) plan[i * n + j] = Math.exp((f[i] + g[j] - cost[i * n + j]) / eps);
  return { plan, eps, iterations: sweeps + it, marginalError: rowMarginalError(cost, n, eps, f, g) };
}

/**
 * Sinkhorn plan between host batches x0, x1 [n, dim] with ε = reg · mean(C). A batch whose mean cost is 0 (all
 * points equal) gets the independent plan 1/n², which is then optimal.
 */
export function sinkhornPlan(x0: Float64Array, x1: Float64Array, dim: number, options: SinkhornOptions = {}): SinkhornResult {
  const o = checkOptions(options);
  const n = batchSize("sinkhorn pairing", x0, x1, dim);
  const cost = squaredDistances(x0, x1, n, dim);
  let mean = 0;
  for (let k = 0; k < cost.length; k++) mean += cost[k];
  mean /= Math.max(1, cost.length);
  if (n === 0 || mean === 0) return { plan: new Float64Array(n * n).fill(1 / (n * n)), eps: 0, iterations: 0, marginalError: 0 };
  return sinkhornPlanFromCost(cost, n, o.reg * mean, o);
}

/**
 * `count` index pairs drawn independently, with replacement, from the joint distribution `plan` (row-major n×n,
 * non-negative; normalized here). Returns row indices (x0) and column indices (x1).
 */
export function samplePairsFromPlan(plan: Float64Array, n: number, count: number, rng: Rng): { rows: Int32Array; cols: Int32Array } {
  const cdf = new Float64Array(plan.length);
  let acc = 0;
  for (let k = 0; k < plan.length; k++) cdf[k] = acc += plan[k];
  const rows = new Int32Array(count), cols = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const u = rng.uniform() * acc;
    let lo = 0, hi = plan.length - 1; // first k with cdf[k] > u
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    rows[r] = Math.floor(lo / n);
    cols[r] = lo % n;
  }
  return { rows, cols };
}

/** Pairs drawn from a plan: n rows of x0 and x1 by sampled index pairs. */
export function pairsFromPlan(x0: Float64Array, x1: Float64Array, dim: number, plan: Float64Array, rng: Rng): PairedBatch {
  const n = x0.length / dim;
  const { rows, cols } = samplePairsFromPlan(plan, n, n, rng);
  return { x0: gatherRows(x0, rows, dim), x1: gatherRows(x1, cols, dim), rows, cols };
}

/** The entropic-OT pairing (`--coupling sinkhorn`). */
export function sinkhorn(options: SinkhornOptions = {}): Pairing & { readonly options: Required<SinkhornOptions> } {
  const o = checkOptions(options);
  return {
    name: "sinkhorn",
    options: o,
    pair(x0, x1, dim, rng) {
      const { plan } = sinkhornPlan(x0, x1, dim, o);
      return pairsFromPlan(x0, x1, dim, plan, rng);
    },
  };
}
