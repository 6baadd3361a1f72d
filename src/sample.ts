/**
 * Sampling: solve dx/dt = v(x, t) from noise at t = 0 to data at t = 1 (and back, for `invert`). Takes and returns
 * plain Float64Arrays in the data's original units; the standardization stored with the model is undone here.
 */
import { Rng, fromHost, toHostF64, type Array } from "./engine/index.js";
import { odeint } from "./solvers/index.js";
import { standardize, unstandardize } from "./data/normalize.js";
import type { VelocityModel } from "./model/velocity-model.js";
import { ShapeError } from "./errors.js";

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

/** `n` samples from the model: noise x0 ~ N(0, I) at t = 0 carried to t = 1. */
export function sample(model: VelocityModel, n: number, o: SampleOptions = {}): SampleResult {
  const D = model.dim;
  const noise = o.noise ?? new Rng(o.seed ?? 0).normals(n * D);
  if (noise.length !== n * D) throw new ShapeError(`noise has ${noise.length} values, expected n·D = ${n}·${D}`);
  const x0 = fromHost(noise, [n, D], model.dtype);
  const r = odeint(model.odeFunc(), x0, {
    method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, t0: 0, t1: 1, trajectory: o.trajectory,
  });
  const out: SampleResult = { samples: toHost(r.x, model), noise, nfe: r.nfe };
  if (r.trajectory) {
    out.trajectory = r.trajectory.map((a) => toHost(a, model));
    out.ts = r.ts;
  }
  return out;
}

/** Data (row-major [n, D], data units) → noise at t = 0, by solving the ODE backwards from t = 1. */
export function invert(model: VelocityModel, x: Float64Array, o: Omit<SampleOptions, "seed" | "noise"> = {}): { noise: Float64Array; nfe: number } {
  const D = model.dim;
  if (x.length % D !== 0) throw new ShapeError(`data has ${x.length} values, not a multiple of the model dimension ${D}`);
  const z = model.config.standardizer ? standardize(x, model.config.standardizer) : x;
  const x1 = fromHost(z, [x.length / D, D], model.dtype);
  const r = odeint(model.odeFunc(), x1, { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, t0: 1, t1: 0 });
  return { noise: toHostF64(r.x), nfe: r.nfe };
}
