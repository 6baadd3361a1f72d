/**
 * Sampling: solve dx/dt = v(x, t) from noise at t = 0 to data at t = 1 (and back, for `invert`). Takes and returns
 * plain Float64Arrays in the data's original units; the standardization stored with the model is undone here.
 */
import { Rng, fromHost, toHostF64, type Array } from "../engine/index.js";
import { odeint } from "../solvers/index.js";
import { standardize, unstandardize } from "../data/normalize.js";
import type { VelocityModel } from "./velocity-model.js";
import { ShapeError, OptionError } from "../errors.js";
import { conditionInput, labelIndex } from "./conditioning.js";
import { checkFinite, withCause, type NumericContext } from "../model/numerics.js";

export interface SampleOptions {
  /** Solver name (see `solverNames()`); default "dopri5". */
  method?: string;
  /** Steps for fixed-step methods (default 100). */
  steps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
  /** Also return the states on the solver's output grid (`steps + 1` of them). */
  trajectory?: boolean;
  /** Explicit noise (row-major [n, D]) instead of drawing it from `seed`. */
  noise?: Float64Array;
  /** Class-conditional models: one label value for all samples, or one per sample (values as in the training data). */
  label?: string | number | (string | number)[];
  /** Context-conditional models: row-major [n, C] context vectors. */
  context?: Float64Array;
  /** Classifier-free guidance weight w: v = (1 + w)·v(x, t, c) − w·v(x, t, ∅). 0 (default) is the plain conditional model. */
  guidance?: number;
}

/** The condition inputs for n samples (cond and, when guided, ∅), or undefined for an unconditional draw. */
function conditions(model: VelocityModel, n: number, o: SampleOptions) {
  const c = model.config.cond;
  if (!c) {
    // Guidance mixes conditional and unconditional fields: on an unconditional model it would be silently ignored.
    if (o.label !== undefined || o.context !== undefined || (o.guidance ?? 0) !== 0) throw new OptionError("this model is unconditional: drop the label/context/guidance");
    return undefined;
  }
  let cond;
  if (o.label !== undefined) {
    const vals = globalThis.Array.isArray(o.label) ? o.label : new globalThis.Array(n).fill(o.label);
    if (vals.length !== n) throw new ShapeError(`${vals.length} labels for ${n} samples`);
    cond = conditionInput(c, n, { labels: vals.map((v) => labelIndex(c, v)) }, model.dtype);
  } else if (o.context !== undefined) cond = conditionInput(c, n, { context: o.context }, model.dtype);
  else cond = conditionInput(c, n, null, model.dtype); // ∅: the unconditional model learned through dropout
  const w = o.guidance ?? 0;
  return { cond, nullCond: w !== 0 ? conditionInput(c, n, null, model.dtype) : undefined, guidance: w };
}

export interface SampleResult {
  /** Row-major [n, D] in data units. */
  samples: Float64Array;
  /** The noise the samples came from (model units). */
  noise: Float64Array;
  nfe: number;
  /** States (data units) along the path, when requested; ts are the times (0 → 1). */
  trajectory?: Float64Array[];
  ts?: number[];
}

function toHost(a: Array, model: VelocityModel): Float64Array {
  const d = toHostF64(a);
  return model.config.standardizer ? unstandardize(d, model.config.standardizer) : d;
}

/**
 * `n` samples from the model: noise x0 ~ N(0, I) at t = 0 carried to t = 1. Returns host arrays; the model is
 * borrowed. A NaN/±Inf sample (or a solver failure) throws a `NumericalError` naming the likely cause — the weights,
 * or the solver and its tolerances/steps (model/numerics.ts) — rather than returning NaN rows.
 *
 * @example
 * ```ts
 * const { samples, nfe } = sample(model, 1000, { method: "rk4", steps: 50, seed: 0 }); // samples: [1000 · D]
 * const guided = sample(model, 100, { label: "3", guidance: 2 }); // a class-conditional model
 * ```
 */
export function sample(model: VelocityModel, n: number, o: SampleOptions = {}): SampleResult {
  const D = model.dim;
  const noise = o.noise ?? new Rng(o.seed ?? 0).normals(n * D);
  if (noise.length !== n * D) throw new ShapeError(`noise has ${noise.length} values, expected n·D = ${n}·${D}`);
  const cond = conditions(model, n, o);
  const x0 = fromHost(noise, [n, D], model.dtype);
  const ctx: NumericContext = { params: model.params, dim: D, solver: o };
  let r;
  try {
    r = odeint(model.odeFunc(cond), x0, {
      method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, t0: 0, t1: 1, trajectory: o.trajectory,
    });
  } catch (e) {
    throw withCause(e, "sampling", ctx);
  } finally {
    x0.dispose(); // odeint borrows it
    cond?.cond.dispose();
    cond?.nullCond?.dispose();
  }
  const out: SampleResult = { samples: toHost(r.x, model), noise, nfe: r.nfe };
  if (r.trajectory) {
    out.trajectory = r.trajectory.map((a) => toHost(a, model));
    out.ts = r.ts;
  }
  checkFinite(out.samples, D, "sample", ctx);
  return out;
}

/**
 * Data (row-major [n, D], data units) → noise at t = 0, by solving the ODE backwards from t = 1.
 *
 * @example
 * ```ts
 * const { noise } = invert(model, points, { method: "rk4", steps: 50 }); // sample(model, n, { noise }) maps back
 * ```
 */
export function invert(model: VelocityModel, x: Float64Array, o: Omit<SampleOptions, "seed" | "noise"> = {}): { noise: Float64Array; nfe: number } {
  const D = model.dim;
  if (x.length % D !== 0) throw new ShapeError(`data has ${x.length} values, not a multiple of the model dimension ${D}`);
  const z = model.config.standardizer ? standardize(x, model.config.standardizer) : x;
  const x1 = fromHost(z, [x.length / D, D], model.dtype);
  const ctx: NumericContext = { params: model.params, dim: D, inputs: x, standardizer: model.config.standardizer, dataScale: model.config.dataScale, solver: o };
  let r;
  try {
    r = odeint(model.odeFunc(), x1, { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, t0: 1, t1: 0 });
  } catch (e) {
    throw withCause(e, "inversion", ctx);
  } finally {
    x1.dispose(); // odeint borrows it
  }
  const noise = toHostF64(r.x);
  checkFinite(noise, D, "noise of", ctx);
  return { noise, nfe: r.nfe };
}
