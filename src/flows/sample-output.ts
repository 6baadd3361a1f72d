/**
 * What every flow pass does with its rows, whichever engine runs the flow (jax-js in model.ts, ONNX Runtime in
 * onnx/flow-sample.ts and flow-logprob.ts): a chunk's context rows, a non-finite check per chunk, model units → data units.
 */
import { standardizerLogDet, unstandardize, type Standardizer } from "../data/normalize.js";
import { checkFinite, type NumericContext } from "../model/numerics.js";
import { ShapeError } from "../errors.js";

/**
 * Context rows start … start + m − 1 of n, row-major [m, C]: `ctx` holds C values shared by every row, or n·C.
 * undefined for an unconditional flow (C = 0), which refuses a context.
 */
export function contextRows(C: number, ctx: ArrayLike<number> | undefined, n: number, start: number, m: number): Float64Array | undefined {
  if (C === 0) {
    if (ctx !== undefined && ctx.length > 0) throw new ShapeError("this flow is unconditional but a context was given");
    return undefined;
  }
  if (ctx === undefined) throw new ShapeError(`this flow is conditional: expected a context of ${C} values (or ${n}×${C})`);
  const c = Float64Array.from(ctx);
  const out = new Float64Array(m * C);
  if (c.length === C) for (let i = 0; i < m; i++) out.set(c, i * C);
  else if (c.length === n * C) out.set(c.subarray(start * C, (start + m) * C));
  else throw new ShapeError(`context: expected ${C} or ${n}×${C} values, got ${c.length}`);
  return out;
}

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
