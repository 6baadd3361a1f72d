/**
 * The conditional flow matcher (torchcfm's `sample_location_and_conditional_flow`): from a noise batch x0 and a
 * data batch x1 it pairs the rows (independent, exact OT, Sinkhorn or Schrödinger bridge), draws the times t and
 * returns the path point x_t with the regression target u_t — the path's velocity, or x1 / ε = x0 for those
 * prediction kinds. Labels and context rows travel with the data rows they belong to through the pairing.
 * Convention: t = 0 is noise, t = 1 is data.
 *
 * It works in two stages, which is how the trainer uses it: `draw` does everything random on the host (pairing,
 * times, bridge noise — in that order, from one Rng, so a checkpointed rng resumes the exact stream) and `target`
 * is the traceable array part (x_t and the target from x0, x1, t). `sample` runs both on arrays, for users who
 * write their own loop.
 *
 * @example
 * const fm = createMatcher({ path: "condot", pairing: "ot" });
 * const { t, xt, ut, labels } = fm.sample(x0, x1, { rng: new Rng(0), labels: y1 });
 * const loss = mseLoss(myNet(params, xt, t, labels), ut); // then dispose what you keep
 */
import { fromHost, Rng, toHostF64, type Array, type DType } from "../engine/index.js";
import { OptionError, ShapeError } from "../errors.js";
import { getScheduler, type Scheduler } from "../paths/scheduler.js";
import "../paths/index.js";
import { samplePath } from "../paths/affine.js";
import { bridgeSample, getPairing, gatherRows, type PairedBatch, type Pairing, type PairingOptions } from "../pairing/index.js";

type Prediction = "velocity" | "x1" | "eps";

export interface MatcherOptions {
  /** Scheduler name of the affine path (default "condot"); the "sb" pairing brings its own Brownian bridge. */
  path?: string;
  /** Pairing name or object (default "independent"). */
  pairing?: string | Pairing;
  /** Options of the named pairing (Sinkhorn's reg, the bridge's sigma, …). */
  pairingOptions?: PairingOptions;
  /**
   * How t is drawn: uniform on [0, 1) (default) or logit-normal t = σ(mean + std·z); with `logitNormal.uniform` = p,
   * a fraction p of the logit-normal draws are uniform instead, so the ends (t ≈ 0 for few-step sampling) still train.
   */
  timeSampling?: "uniform" | "logit-normal";
  logitNormal?: { mean: number; std: number; uniform?: number };
  /** What the network regresses on: the velocity u_t (default), the data x1, or the noise ε = x0. */
  prediction?: Prediction;
  /**
   * With class labels, pair only rows of the same label (default true). A pairing across labels would hand each
   * class the noise nearest to its data, so x0 given a label would no longer be N(0, I) while sampling draws it
   * so: on 8gaussians a label's samples then land in its mode about a third of the time instead of nearly always.
   * false pairs the whole batch and permutes the labels with their rows (torchcfm's guided matcher). Context
   * vectors cannot be grouped: they always travel with their rows through a whole-batch pairing.
   */
  pairWithinLabels?: boolean;
}

/** A host batch after the random stage: row i of each array belongs to pair i (all row-major, owned). */
export interface MatcherDraw {
  x0: Float64Array;
  x1: Float64Array;
  t: Float64Array;
  /** The labels of the x1 rows paired (when labels were given). */
  labels?: Int32Array;
  /** The context rows of the x1 rows paired, [n, C] (when context was given). */
  context?: Float64Array;
  /** "sb" only: the bridge point and its target, computed on the host. */
  xt?: Float64Array;
  ut?: Float64Array;
}

export interface MatcherDrawOptions {
  rng: Rng;
  labels?: ArrayLike<number>;
  context?: Float64Array;
  /** Given times (one for all rows, or one per row): no times are drawn. */
  t?: number | ArrayLike<number>;
  /** false: the rows are already paired (reflow pairs), skip the pairing. Default true. */
  pair?: boolean;
}

export interface MatcherSampleOptions {
  /** The random source, or a seed for a fresh one. Default seed 0. */
  rng?: Rng | number;
  /** Class label per x1 row. */
  labels?: ArrayLike<number>;
  /** Context vector per x1 row, [n, C] (borrowed). */
  context?: Array;
  t?: number | ArrayLike<number>;
}

/** The matcher's output: owned arrays in x0's dtype; x0/x1 are the paired rows. */
export interface MatcherSample {
  t: Array;
  xt: Array;
  ut: Array;
  x0: Array;
  x1: Array;
  labels?: Int32Array;
  context?: Array;
}

export interface Matcher {
  readonly path: string;
  readonly pairing: Pairing;
  readonly prediction: Prediction;
  /** The random stage on host batches x0, x1 [n, dim]; inputs are never modified. */
  draw(x0: Float64Array, x1: Float64Array, dim: number, o: MatcherDrawOptions): MatcherDraw;
  /** x_t and the regression target for arrays x0, x1 [B, …] and t [B]; consumes them; traceable. Not for "sb". */
  target(x0: Array, x1: Array, t: Array): { xt: Array; ut: Array };
  /** Both stages on arrays: x0, x1 [n, dim] borrowed, results owned. */
  sample(x0: Array, x1: Array, o?: MatcherSampleOptions): MatcherSample;
}

/**
 * Builds a matcher (torchcfm's `sample_location_and_conditional_flow`); OptionError for an unknown path/pairing or
 * an unsupported combination.
 *
 * @example
 * ```ts
 * const matcher = createMatcher({ path: "condot", pairing: "ot" });
 * const { t, xt, ut, x0: x0p, x1: x1p } = matcher.sample(x0, x1, { rng: 7 }); // x0, x1 [n, D] borrowed
 * // … regress v(xt, t) on ut in your own loop, then free what it returned:
 * for (const a of [t, xt, ut, x0p, x1p]) a.dispose();
 * ```
 */
export function createMatcher(options: MatcherOptions = {}): Matcher {
  const pathName = options.path ?? "condot";
  const sched: Scheduler = getScheduler(pathName);
  const pairing = typeof options.pairing === "object" ? options.pairing : getPairing(options.pairing ?? "independent", options.pairingOptions);
  const prediction = options.prediction ?? "velocity";
  if (!["velocity", "x1", "eps"].includes(prediction)) throw new OptionError(`unknown prediction "${prediction}"; valid: velocity, x1, eps`);
  const timeSampling = options.timeSampling ?? "uniform";
  if (timeSampling !== "uniform" && timeSampling !== "logit-normal") {
    throw new OptionError(`time sampling must be uniform or logit-normal, got "${timeSampling}"`);
  }
  const { mean, std, uniform = 0 } = options.logitNormal ?? { mean: 0, std: 1 };
  if (!(uniform >= 0 && uniform <= 1)) throw new OptionError(`the uniform share of logit-normal times must be in [0, 1], got ${uniform}`);
  const sb = pairing.name === "sb";
  if (sb && prediction !== "velocity") throw new OptionError("the sb coupling trains a velocity; use --prediction velocity");
  if (sb && pathName !== "condot") throw new OptionError("the sb coupling uses its own Brownian-bridge path; use --path condot");
  const withinLabels = options.pairWithinLabels ?? true;
  const sigma = (pairing as { sigma?: number }).sigma ?? options.pairingOptions?.sigma ?? 1;

  const drawTimes = (n: number, rng: Rng, given: MatcherDrawOptions["t"]): Float64Array => {
    if (given !== undefined) {
      const t = typeof given === "number" ? new Float64Array(n).fill(given) : Float64Array.from(given);
      if (t.length !== n) throw new ShapeError(`matcher: ${t.length} times for ${n} rows`);
      return t;
    }
    const t = new Float64Array(n);
    if (timeSampling === "uniform") for (let i = 0; i < n; i++) t[i] = rng.uniform();
    else for (let i = 0; i < n; i++) t[i] = uniform > 0 && rng.uniform() < uniform ? rng.uniform() : 1 / (1 + Math.exp(-(mean + std * rng.normal())));
    return t;
  };

  const draw = (x0: Float64Array, x1: Float64Array, dim: number, o: MatcherDrawOptions): MatcherDraw => {
    const n = x1.length / dim;
    if (o.labels !== undefined && o.labels.length !== n) throw new ShapeError(`matcher: ${o.labels.length} labels for ${n} data rows`);
    if (o.context !== undefined && o.context.length % Math.max(n, 1) !== 0) {
      throw new ShapeError(`matcher: context of ${o.context.length} values is not [${n}, C]`);
    }
    const p: PairedBatch = o.pair === false ? { x0, x1 }
      : o.labels !== undefined && withinLabels && pairing.name !== "independent" ? pairByLabel(pairing, x0, x1, dim, o.labels, o.rng)
      : pairing.pair(x0, x1, dim, o.rng);
    const out: MatcherDraw = { x0: p.x0, x1: p.x1, t: drawTimes(n, o.rng, o.t) };
    const cols = p.cols;
    if (o.labels !== undefined) out.labels = cols ? Int32Array.from(cols, (j) => o.labels![j]!) : Int32Array.from(o.labels);
    if (o.context !== undefined) {
      const C = o.context.length / Math.max(n, 1);
      out.context = cols ? gatherRows(o.context, cols, C) : o.context.slice();
    }
    if (sb) Object.assign(out, bridgeSample(out.x0, out.x1, out.t, o.rng.normals(n * dim), sigma, dim));
    return out;
  };

  const target = (x0: Array, x1: Array, t: Array) => {
    if (sb) throw new OptionError("matcher.target: the sb pairing's bridge noise is drawn on the host; use draw/sample");
    const { xt, ut } = samplePath(sched, x0.ref, x1.ref, t);
    if (prediction === "velocity") {
      x0.dispose();
      x1.dispose();
      return { xt, ut };
    }
    ut.dispose();
    if (prediction === "x1") {
      x0.dispose();
      return { xt, ut: x1 };
    }
    x1.dispose();
    return { xt, ut: x0 };
  };

  const sample = (x0: Array, x1: Array, o: MatcherSampleOptions = {}): MatcherSample => {
    if (x0.shape.length !== 2 || x1.shape.length !== 2 || x0.shape[1] !== x1.shape[1]) {
      throw new ShapeError(`matcher.sample: expected x0 and x1 of shape [n, dim], got [${x0.shape}] and [${x1.shape}]`);
    }
    const dim = x1.shape[1]!;
    const dtype: DType = x0.dtype;
    const rng = o.rng instanceof Rng ? o.rng : new Rng(o.rng ?? 0);
    const d = draw(toHostF64(x0.ref), toHostF64(x1.ref), dim, {
      rng, labels: o.labels, t: o.t, context: o.context ? toHostF64(o.context.ref) : undefined,
    });
    const n = d.t.length;
    const up = (a: Float64Array, shape: number[]) => fromHost(a, shape, dtype);
    const res: MatcherSample = sb
      ? { t: up(d.t, [n]), xt: up(d.xt!, [n, dim]), ut: up(d.ut!, [n, dim]), x0: up(d.x0, [n, dim]), x1: up(d.x1, [n, dim]) }
      : (() => {
          const p0 = up(d.x0, [n, dim]), p1 = up(d.x1, [n, dim]), t = up(d.t, [n]);
          return { t, ...target(p0.ref, p1.ref, t.ref), x0: p0, x1: p1 };
        })();
    if (d.labels) res.labels = d.labels;
    if (d.context) res.context = up(d.context, [n, d.context.length / Math.max(n, 1)]);
    return res;
  };

  return { path: sb ? "sb" : pathName, pairing, prediction, draw, target, sample };
}

/**
 * Pairs each label's rows among themselves (labels in ascending order, each group in row order) and puts the
 * pairs back at that label's row positions, so row i keeps label i; rows/cols index the whole batch.
 */
function pairByLabel(pairing: Pairing, x0: Float64Array, x1: Float64Array, dim: number, labels: ArrayLike<number>, rng: Rng): PairedBatch {
  const n = labels.length;
  if (x0.length !== n * dim || x1.length !== n * dim) throw new ShapeError(`matcher: x0, x1 must both be [${n}, ${dim}]`);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const g = groups.get(labels[i]!);
    if (g) g.push(i);
    else groups.set(labels[i]!, [i]);
  }
  const out = { x0: new Float64Array(n * dim), x1: new Float64Array(n * dim), rows: new Int32Array(n), cols: new Int32Array(n) };
  for (const k of [...groups.keys()].sort((a, b) => a - b)) {
    const idx = groups.get(k)!;
    const p = pairing.pair(gatherRows(x0, idx, dim), gatherRows(x1, idx, dim), dim, rng);
    idx.forEach((i, r) => {
      out.x0.set(p.x0.subarray(r * dim, (r + 1) * dim), i * dim);
      out.x1.set(p.x1.subarray(r * dim, (r + 1) * dim), i * dim);
      out.rows[i] = idx[p.rows ? p.rows[r]! : r]!;
      out.cols[i] = idx[p.cols ? p.cols[r]! : r]!;
    });
  }
  return out;
}
