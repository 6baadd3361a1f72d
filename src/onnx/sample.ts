/**
 * Sampling on ONNX Runtime: the fast path behind `--backend onnx`. The model's whole fixed-step sampler (K steps,
 * standardizer folded in: export.ts) is compiled once per (model, method, steps) into an ONNX Runtime session and
 * run as one graph call per chunk of rows, on native CPU kernels with intra-op threads — instead of K jax-js calls
 * on the wasm engine. Unconditional and conditional models; fixed-step methods only (dopri5 stays on jax-js).
 * Node-only: loads the optional `onnxruntime-node`.
 */
import { Rng } from "../engine/index.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { labelIndex } from "../fm/conditioning.js";
import { ShapeError, OptionError } from "../errors.js";
import { checkFinite } from "../model/numerics.js";
import { samplerOnnx, EXPORT_SAMPLERS, type ExportSampler } from "./export.js";
import { loadOrt, type OrtModule } from "./runtime.js";
import { cachedSession, releaseSessions } from "./session-cache.js";

export interface OnnxSampleOptions {
  method?: string;
  steps?: number;
  seed?: number;
  /** Explicit noise (row-major [n, D]) instead of drawing it from `seed` (the same draws as `sample`). */
  noise?: Float64Array;
  /** Class-conditional models: one label value for all rows (as in the training data). */
  label?: string | number;
  /** Context-conditional models: row-major [n, C]. */
  context?: Float64Array;
  guidance?: number;
}

/** Releases the sessions compiled for `model` (they also go when the model object is collected). */
export const releaseOnnxSessions = releaseSessions;

/**
 * `n` samples (row-major [n, D], data units) like `sample(model, n, o)` with a fixed-step method, computed by ONNX
 * Runtime; the same noise gives the same samples to float32 rounding.
 */
export async function sampleOnnx(model: VelocityModel, n: number, o: OnnxSampleOptions = {}): Promise<{ samples: Float64Array; noise: Float64Array; nfe: number }> {
  const method = (o.method ?? "rk4") as ExportSampler;
  if (!EXPORT_SAMPLERS.includes(method)) throw new OptionError(`the onnx backend samples with ${EXPORT_SAMPLERS.join(", ")} (fixed steps); got "${o.method}"`);
  const steps = o.steps ?? 100;
  const D = model.dim;
  const noise = o.noise ?? new Rng(o.seed ?? 0).normals(n * D);
  if (noise.length !== n * D) throw new ShapeError(`noise has ${noise.length} values, expected n·D = ${n}·${D}`);
  const c = model.config.cond;
  if (!c && (o.label !== undefined || o.context !== undefined || (o.guidance ?? 0) !== 0)) {
    throw new OptionError("this model is unconditional: drop the label/context/guidance");
  }
  const ort = await loadOrt();
  const feeds: Record<string, InstanceType<OrtModule["Tensor"]>> = { noise: new ort.Tensor("float32", Float32Array.from(noise), [n, D]) };
  if (c) {
    if (c.kind === "class") {
      const k = o.label === undefined ? -1 : labelIndex(c, o.label);
      feeds.label = new ort.Tensor("int64", new BigInt64Array(n).fill(BigInt(k)), [n]);
    } else {
      if (!o.context || o.context.length !== n * c.dim) throw new ShapeError(`expected context of shape [${n}, ${c.dim}]`);
      feeds.context = new ort.Tensor("float32", Float32Array.from(o.context), [n, c.dim]);
    }
    feeds.guidance = new ort.Tensor("float32", new Float32Array(n).fill(o.guidance ?? 0), [n]);
  }
  const s = await cachedSession(model, `sample:${method}:${steps}`, () => samplerOnnx(model, method, steps));
  const out = await s.run(feeds);
  const samples = Float64Array.from(out.samples!.data as Float32Array);
  checkFinite(samples, D, "sample", { params: model.params, dim: D, solver: { method, steps } }); // as `sample` does
  const evals = { euler: 1, midpoint: 2, rk4: 4 }[method];
  return { samples, noise, nfe: evals * steps };
}
