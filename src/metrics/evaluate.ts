/**
 * Model evaluation: density metrics (NLL in nats and bits/dim; KL(p‖q) when the data's density p is known) on
 * held-out points, and sample metrics (MMD, energy distance, exact and sliced W2) between model samples and data.
 * Works for any model that can give log-densities and samples (`Evaluable`); `evaluable(VelocityModel)` adapts a
 * flow-matching model / CNF through the exact ODE likelihood, `flowEvaluable(Flow)` a normalizing flow; `testReport`
 * gives a flow's NLL on the held-out split of its data.
 */
import { logProb, meanBitsPerDim, type LogProbOptions } from "../likelihood/index.js";
import { nll, klFromLogDensities, mmd, energyDistance, wasserstein2, slicedWasserstein2, W2_MAX_POINTS } from "./index.js";
import { sample } from "../fm/sample.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { NumericalError, ShapeError } from "../errors.js";
import { formatNumber as sig } from "../format.js";
import type { Flow } from "../flows/model.js";
import { contextOf } from "../flows/context.js";
import type { FlowConds } from "../data/flow-data.js";

/** What evaluation needs of a model. Points are row-major [n, dim] in data units; log-densities in nats. */
export interface Evaluable {
  readonly dim: number;
  logProb(x: Float64Array): { logp: Float64Array; nfe?: number };
  sample(n: number, seed: number): Float64Array;
}

export interface EvalData {
  /** Held-out points, row-major [n, dim], data units. */
  points: Float64Array;
  dim: number;
  /** The data's exact log-density, when known (toys with a closed form). */
  logProbTrue?: (x: Float64Array) => Float64Array;
}

export interface EvalOptions {
  /** Points used for the sample metrics on each side (default min(n, 2000); exact W2 is capped at 2000). */
  sampleCount?: number;
  /** Seed of the model samples. */
  seed?: number;
  /** Skip the sample metrics (they need a sampler). */
  skipSamples?: boolean;
}

export interface EvalReport {
  n: number;
  dim: number;
  /** Per-point log q(x), input order. */
  logp: Float64Array;
  nll: { mean: number; stderr: number };
  bitsPerDim: number;
  /** KL(p‖q) = E_p[log p − log q] on the same points, with its standard error; only for known densities. */
  kl?: { kl: number; stderr: number };
  /** Differential entropy estimate −E_p[log p] (when p is known). */
  entropy?: number;
  sampleCount?: number;
  mmd2?: number;
  energy?: number;
  w2?: number;
  slicedW2?: number;
  nfe?: number;
  seconds: number;
}

/** Adapts a flow-matching model: exact (or Hutchinson) ODE likelihood and ODE sampling. */
export function evaluable(model: VelocityModel, o: LogProbOptions & { sampleMethod?: string; sampleSteps?: number } = {}): Evaluable {
  return {
    dim: model.dim,
    logProb: (x) => logProb(model, x, o),
    sample: (n, seed) => sample(model, n, { method: o.sampleMethod ?? o.method, steps: o.sampleSteps ?? o.steps, rtol: o.rtol, atol: o.atol, seed }).samples,
  };
}

/**
 * Held-out evaluation of any model with logProb and sample (a VelocityModel through `evaluable`, or a Flow): NLL,
 * bits/dim, KL to a known density, and sample metrics (MMD², energy distance, W2, sliced W2).
 *
 * @example
 * ```ts
 * const toy = getToy("moons");
 * const points = toy.sample(2000, new Rng(1));
 * const report = evaluate(evaluable(model), { points, dim: 2, logProbTrue: (x) => toy.logProb(x) });
 * console.log(report.nll.mean, report.kl?.kl);
 * ```
 */
export function evaluate(model: Evaluable, data: EvalData, o: EvalOptions = {}): EvalReport {
  const t0 = performance.now();
  const D = data.dim;
  if (D !== model.dim) throw new ShapeError(`the data has dimension ${D} but the model has dimension ${model.dim}`);
  if (data.points.length % D !== 0) throw new ShapeError(`data has ${data.points.length} values, not a multiple of its dimension ${D}`);
  const n = data.points.length / D;
  const lp = model.logProb(data.points);
  const report: EvalReport = {
    n, dim: D, logp: lp.logp, nll: nll(lp.logp), bitsPerDim: meanBitsPerDim(lp.logp, D), nfe: lp.nfe, seconds: 0,
  };
  if (data.logProbTrue) {
    const lt = data.logProbTrue(data.points);
    report.kl = klFromLogDensities(lt, lp.logp);
    report.entropy = -lt.reduce((a, b) => a + b, 0) / n;
  }
  if (!o.skipSamples && n >= 2) Object.assign(report, sampleMetrics(model, data.points, D, o));
  report.seconds = (performance.now() - t0) / 1000;
  checkMetrics(report, data.points);
  return report;
}

/** Values whose squared distances overflow float64 (the sample metrics sum squares of differences). */
const SQUARE_MAX = 1e150;

function maxAbs(a: Float64Array): number {
  return a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
}

/**
 * A metric of finite inputs can still overflow (squared distances of data near 1e200, a sum of huge log-densities):
 * a NumericalError naming the metric and the data's largest |x| instead of a report with Infinity or NaN in it. The
 * standard errors are exempt (NaN for one point is "undefined", not a failure).
 */
function checkMetrics(r: EvalReport, points: Float64Array): void {
  const metrics: [string, number | undefined][] = [
    ["NLL", r.nll.mean], ["bits/dim", r.bitsPerDim], ["KL", r.kl?.kl], ["entropy", r.entropy], ["MMD²", r.mmd2],
    ["energy distance", r.energy], ["W2", r.w2], ["sliced W2", r.slicedW2],
  ];
  const bad = metrics.find(([, v]) => v !== undefined && !Number.isFinite(v));
  if (!bad) return;
  const big = maxAbs(points);
  throw new NumericalError(`eval: ${bad[0]} is ${bad[1]}: it overflows at this data scale (largest |x| ${sig(big)}); rescale the data`);
}

/**
 * The sample metrics of `evaluate`: MMD², energy distance, W2 and sliced W2 between the first m data points
 * (m = min(sampleCount, n, W2_MAX_POINTS)) and m model samples. `points` need only hold those first m rows.
 */
export function sampleMetrics(model: Evaluable, points: Float64Array, D: number, o: Pick<EvalOptions, "sampleCount" | "seed">): Pick<EvalReport, "sampleCount" | "mmd2" | "energy" | "w2" | "slicedW2"> {
  const m = Math.min(o.sampleCount ?? 2000, points.length / D, W2_MAX_POINTS);
  const xs = points.subarray(0, m * D);
  const ys = model.sample(m, o.seed ?? 1);
  const big = Math.max(maxAbs(xs), maxAbs(ys));
  if (big > SQUARE_MAX) throw new NumericalError(`eval: the sample metrics overflow at this data scale (largest |x| ${sig(big)}); rescale the data or pass --samples 0`);
  return {
    sampleCount: m, mmd2: mmd(xs, ys, D).mmd2, energy: energyDistance(xs, ys, D), w2: wasserstein2(xs, ys, D),
    slicedW2: slicedWasserstein2(xs, ys, D, { seed: o.seed ?? 1 }),
  };
}

/**
 * Adapts a discrete normalizing flow: exact log p and base sampling at temperature 1. For a conditional flow,
 * `conds` gives the points' conditions (labels or context rows); samples take the first n of them.
 */
export function flowEvaluable(model: Flow, conds?: FlowConds): Evaluable {
  const C = model.config.ctxDim;
  const ctx = (n: number) => {
    if (C === 0) return undefined;
    const all = contextOf(model, conds?.labels?.length ?? (conds?.context?.length ?? 0) / C, conds)!;
    return all.subarray(0, n * C);
  };
  return { dim: model.dim, logProb: (x) => ({ logp: model.logProb(x, { ctx: ctx(x.length / model.dim) }) }), sample: (n, seed) => model.sample(n, { seed, ctx: ctx(n) }) };
}

/** The held-out test report of either family (train/report.ts), next to `evaluate`. */
export { testReport, type TestReport } from "./report.js";
