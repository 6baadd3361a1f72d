/**
 * Reflow (rectified flow, Liu et al. 2022): draw (noise, sample) pairs from a trained model by solving its ODE, then
 * train on those fixed pairs — the new flow's paths are straighter, so few-step sampling improves. Also the
 * straightness measure used to report it.
 */
import type { Rng } from "../engine/index.js";
import { sample, type SampleOptions } from "./sample.js";
import { sampleChunks } from "./sample-chunks.js";
import { standardize } from "../data/normalize.js";
import type { VelocityModel } from "./velocity-model.js";
import type { DataSource } from "../data/data-source.js";
import { OptionError } from "../errors.js";

export interface ReflowPairs {
  /** Noise (model units), row-major [n, D]. */
  x0: Float64Array;
  /** The model's sample from that noise (model units), row-major [n, D]. */
  x1: Float64Array;
}

/**
 * n (noise, sample) pairs from the model's ODE (default dopri5 at 1e-5), in model units. The ODE is solved in chunks
 * (`sampleChunks`: `chunk` rows, default from the memory budget), so the solver's memory stays bounded whatever n;
 * only the pairs themselves grow with n. The noise is one stream, so a fixed-step method gives the pairs of a
 * one-chunk solve; dopri5 picks its steps per chunk (within its tolerance of a one-chunk solve).
 */
export function generatePairs(model: VelocityModel, n: number, o: SampleOptions & { chunk?: number } = {}): ReflowPairs {
  if (model.config.cond) throw new OptionError("reflow supports unconditional models only");
  const D = model.dim;
  const x0 = new Float64Array(n * D), x1 = new Float64Array(n * D);
  const std = model.config.standardizer;
  for (const c of sampleChunks(model, n, { method: "dopri5", ...o })) {
    x0.set(c.noise, c.start * D);
    x1.set(std ? standardize(c.samples, std) : c.samples, c.start * D);
  }
  return { x0, x1 };
}

/** A data source that serves the fixed pairs (rows drawn with replacement); `base` supplies name and units. */
export function pairedSource(base: Pick<DataSource, "spec" | "standardizer">, pairs: ReflowPairs, dim: number): DataSource {
  const n = pairs.x0.length / dim;
  if (pairs.x1.length !== pairs.x0.length || !Number.isInteger(n)) throw new OptionError("reflow pairs: x0 and x1 must both be [n, dim]");
  const pick = (rng: Rng, k: number) => {
    const x0 = new Float64Array(k * dim), x1 = new Float64Array(k * dim);
    for (let i = 0; i < k; i++) {
      const r = rng.int(n);
      x0.set(pairs.x0.subarray(r * dim, (r + 1) * dim), i * dim);
      x1.set(pairs.x1.subarray(r * dim, (r + 1) * dim), i * dim);
    }
    return { x0, x1 };
  };
  return {
    spec: `reflow pairs of ${base.spec}`, kind: "toy", dim, standardizer: base.standardizer,
    sample: (k, rng) => pick(rng, k).x1,
    samplePairs: (k, rng) => pick(rng, k),
  };
}

/**
 * Straightness S = E_t E‖v(x_t, t) − (x1 − x0)‖²: how far the velocity along a sampling trajectory strays from the
 * trajectory's own end-to-end displacement (0 for straight paths at constant speed). Measured on `steps` Euler steps
 * (so v at step k is exactly (x_{k+1} − x_k)/h), in data units, averaged over n trajectories.
 */
export function straightness(model: VelocityModel, n = 1000, o: { steps?: number; seed?: number } = {}): number {
  const steps = o.steps ?? 100;
  const r = sample(model, n, { method: "euler", steps, seed: o.seed ?? 0, trajectory: true });
  const tr = r.trajectory!;
  const D = model.dim;
  const first = tr[0]!, last = tr[steps]!;
  const h = 1 / steps;
  let acc = 0;
  for (let k = 0; k < steps; k++) {
    const a = tr[k]!, b = tr[k + 1]!;
    for (let i = 0; i < n * D; i++) acc += ((b[i]! - a[i]!) / h - (last[i]! - first[i]!)) ** 2;
  }
  return acc / (steps * n);
}
