/**
 * What every flow sampling pass does with its rows, whichever engine ran the inverse (jax-js in model.ts, ONNX
 * Runtime in onnx/flow-sample.ts): a non-finite check per chunk, then model units → data units.
 */
import { standardizerLogDet, unstandardize, type Standardizer } from "../data/normalize.js";
import { checkFinite, type NumericContext } from "../model/numerics.js";

/** Rows [i, i + m) of the samples `xs` (D per row) and their log-densities `lps`: one NumericalError naming the row. */
export function checkSampleChunk(xs: Float64Array, lps: Float64Array, i: number, m: number, D: number, params: unknown): void {
  const ctx: NumericContext = { params, dim: D, rowOffset: i };
  checkFinite(xs.subarray(i * D, (i + m) * D), D, "sample", ctx);
  checkFinite(lps.subarray(i, i + m), 1, "log-density of sample", ctx, true);
}

/** Samples and their log-densities in the data's units: the standardizer's inverse map and its log|det|. */
export function sampleInDataUnits(xs: Float64Array, lps: Float64Array, s: Standardizer | undefined): { samples: Float64Array; logp: Float64Array } {
  if (!s) return { samples: xs, logp: lps };
  const offset = standardizerLogDet(s);
  return { samples: unstandardize(xs, s), logp: lps.map((v) => v + offset) };
}
