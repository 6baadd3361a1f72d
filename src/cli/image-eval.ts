/**
 * `eval` of an image model (a U-Net checkpoint): bits/dim of held-out images. The pixels (integer levels) get one
 * draw of uniform dequantization noise, the ODE likelihood scores them in pixel units (a level is a bin of width 1,
 * so −log₂ q / D is the bits/dim of the discrete images, up to the dequantization gap), and the report gives the mean
 * with its standard error over images — which with the Hutchinson estimator also holds the probes' noise, as each
 * image has its own probe. The default is Hutchinson (one probe): the exact divergence of a U-Net on 8×8 digits is
 * 64 Jacobian-vector products per ODE step, measured at ~13 s per image per step on this 2-core machine — hours for
 * the 180 held-out digits; `--divergence exact` runs it (one image per solve, 64 tangents, to bound memory). A
 * class-conditional model is scored by its unconditional field (the ∅ label it learned through condition dropout).
 */
import { Rng, type Array, type JsTree } from "../engine/index.js";
import { logProb, type FieldModel, type LogProbOptions } from "../likelihood/logprob.js";
import { conditionInput } from "../fm/conditioning.js";
import { dequantize } from "../data/flow-data.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { loadImageSet } from "../node/images.js";
import { openUnetData } from "./image-train.js";
import { imageLevels, modelImage } from "./image-plot.js";
import { ShapeError, DataError } from "../errors.js";
import { formatNumber as sig } from "../format.js";

/** The model's unconditional field as a likelihood model (a conditional model's ∅ input filled in). */
export function unconditionalField(model: VelocityModel): FieldModel {
  const cond = model.config.cond;
  return {
    // No `cond` in the config: the ∅ input is filled in here, so logProb takes no conditions for it.
    dim: model.dim, dtype: model.dtype, params: model.params as unknown as JsTree<Array>, config: { standardizer: model.config.standardizer, dataScale: model.config.dataScale },
    apply: (p, x, t) => model.apply(p as never, x, t, cond ? conditionInput(cond, x.shape[0]!, null, model.dtype) : undefined),
  };
}

/**
 * Held-out pixels for an image model: the test split its run held out (when `spec` is its training data and it
 * held some out), else every image of `spec` (e.g. a separate t10k IDX file); the first `n` when given.
 */
export function imageTestPoints(model: VelocityModel, spec: string, n?: number): { points: Float64Array; split: string } {
  const c = model.config;
  const D = model.dim;
  let points: Float64Array, split: string;
  if (spec === c.data && (c.testFraction ?? 0) > 0) {
    points = openUnetData(spec, { testFraction: c.testFraction, standardizer: c.standardizer }).test!;
    split = `the ${Math.round(100 * c.testFraction!)}% held out in training`;
  } else {
    const set = loadImageSet(spec);
    if (set.pixels.length % D !== 0 || set.shape[0] * set.shape[1] * set.shape[2] !== D)
      throw new ShapeError(`${spec} holds ${set.shape.join("×")} images but the model's are ${modelImage(model)!.join("×")}`);
    points = set.pixels;
    split = "every image of the file";
  }
  if (points.length === 0) throw new DataError(`${spec}: no held-out images`);
  const m = Math.min(n ?? Infinity, points.length / D);
  return { points: points.subarray(0, m * D), split };
}

export interface ImageEvalReport {
  n: number;
  dim: number;
  levels: number;
  split: string;
  divergence: string;
  nll: { mean: number; stderr: number };
  bitsPerDim: { mean: number; stderr: number };
  nfe: number;
  seconds: number;
}

/** Bits/dim of `points` (integer pixel levels, row-major [n, D]) under the model, dequantized with `seed`. */
export function imageBitsPerDim(model: VelocityModel, points: Float64Array, o: LogProbOptions & { seed: number; split?: string }): ImageEvalReport {
  const t0 = performance.now();
  const D = model.dim;
  const divergence = o.divergence ?? "hutchinson";
  const x = dequantize(points, new Rng((o.seed + 4242) >>> 0));
  // Few images per solve: a U-Net's activations for a whole held-out set over an RK4 solve exceeded wasm's 4 GiB
  // (179 digits, Hutchinson); exact divergence multiplies the rows by D.
  const r = logProb(unconditionalField(model), x, { ...o, divergence, batchSize: divergence === "exact" ? 1 : Math.min(o.batchSize ?? 16, 16) });
  const n = r.logp.length;
  const mean = r.logp.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(r.logp.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, n - 1));
  const stderr = sd / Math.sqrt(n);
  const k = D * Math.LN2;
  return {
    n, dim: D, levels: imageLevels(model), split: o.split ?? "", divergence,
    nll: { mean: -mean, stderr }, bitsPerDim: { mean: -mean / k, stderr: stderr / k }, nfe: r.nfe, seconds: (performance.now() - t0) / 1000,
  };
}

/** The text report. */
export function formatImageEval(r: ImageEvalReport): string {
  return [
    `points        ${r.n} images (dim ${r.dim}), ${r.split}; dequantized (${r.levels} levels, one draw of uniform noise)`,
    `NLL           ${sig(r.nll.mean)} ± ${sig(r.nll.stderr)} nats`,
    `bits/dim      ${sig(r.bitsPerDim.mean)} ± ${sig(r.bitsPerDim.stderr)}   (${r.divergence} divergence${r.divergence === "hutchinson" ? ", one probe per image: the ± holds its noise" : ""})`,
    `NFE ${r.nfe}, ${sig(r.seconds, 2)} s`,
  ].join("\n");
}
