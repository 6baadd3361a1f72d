/**
 * Rational-quadratic spline coupling (neural spline flows, Durkan et al. 2019): y_K = x_K and
 * y_T = RQS(x_T; θ(x_K, ctx)) elementwise, K the kept coordinates (mask 1), T the transformed ones (mask 0). The
 * conditioner is a dense MLP (src/nn/dense.ts) on the kept coordinates (+ context) giving 3·bins − 1 raw spline
 * parameters per transformed coordinate; its last layer starts at zero, which makes the spline the identity (see
 * spline.ts). Both directions are one parallel pass (`fast: "both"`); the inverse uses the spline's stable root
 * formula. Inputs outside [−bound, bound] pass through unchanged (linear tails). Images [B, H, W, C] are flattened.
 */
import { np, type Array, type DType, type ActivationName, Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { denseApply, initDense, type DenseConfig, type DenseParams } from "../nn/dense.js";
import { halfMask, type Mask } from "./masks.js";
import { checkCtx, checkEvent, flatten, selectColumns, sizeOf } from "./shape.js";
import { rqSpline, splineParamCount, splitSplineParams, type SplineOptions } from "./spline.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export interface SplineCouplingOptions extends SplineOptions {
  /** Conditioner hidden widths (default [64, 64]). */
  hidden?: number[];
  /** Default "relu". */
  activation?: ActivationName;
  /** 0/1 over the flattened event: 1 = kept (conditioning), 0 = transformed. Default halfMask(D). */
  mask?: Mask;
  /** Context width fed to the conditioner (0 or absent: unconditional). */
  ctxDim?: number;
  /** Number of spline bins K (default 8). */
  bins?: number;
}
export type SplineCouplingParams = { net: DenseParams };

export class SplineCoupling implements Bijector<SplineCouplingParams> {
  readonly name = "spline-coupling";
  readonly fast = "both" as const;
  readonly eventShape: number[];
  readonly ctxDim: number;
  readonly bins: number;
  readonly net: DenseConfig;
  readonly spline: SplineOptions;
  private readonly kept: number[] = [];
  private readonly moved: number[] = [];
  /** Position of each flattened coordinate in concat([x_K, x_T]). */
  private readonly unsplit: number[];

  constructor(eventShape: number[], opts: SplineCouplingOptions = {}) {
    this.eventShape = [...eventShape];
    const D = sizeOf(eventShape);
    const m = opts.mask ?? halfMask(D);
    if (m.length !== D) throw new OptionError(`spline-coupling: expected a mask of length ${D}, got ${m.length}`);
    if (!m.every((v) => v === 0 || v === 1)) throw new OptionError("spline-coupling: expected a mask of 0s and 1s");
    this.ctxDim = opts.ctxDim ?? 0;
    if (!Number.isInteger(this.ctxDim) || this.ctxDim < 0)
      throw new OptionError(`spline-coupling: expected ctxDim ≥ 0, got ${opts.ctxDim}`);
    this.bins = opts.bins ?? 8;
    if (!Number.isInteger(this.bins) || this.bins < 1) throw new OptionError(`spline-coupling: expected bins ≥ 1, got ${opts.bins}`);
    m.forEach((v, i) => (v === 1 ? this.kept : this.moved).push(i));
    if (this.moved.length === 0) throw new OptionError("spline-coupling: the mask keeps every coordinate (no 0 in it)");
    if (this.kept.length + this.ctxDim === 0)
      throw new OptionError("spline-coupling: the conditioner has no input (mask all 0 and no context)");
    this.unsplit = new globalThis.Array<number>(D);
    [...this.kept, ...this.moved].forEach((src, pos) => (this.unsplit[src] = pos));
    this.spline = { bound: opts.bound, minBinWidth: opts.minBinWidth, minBinHeight: opts.minBinHeight, minDerivative: opts.minDerivative };
    this.net = {
      inDim: this.kept.length + this.ctxDim,
      hidden: opts.hidden ?? [64, 64],
      outDim: splineParamCount(this.bins) * this.moved.length,
      activation: opts.activation ?? "relu",
      zeroLast: true,
    };
  }

  init(rng: Rng, dtype: DType): SplineCouplingParams {
    return { net: initDense(this.net, rng, dtype) };
  }

  private run(p: SplineCouplingParams, x: Array, ctx: Array | undefined, inverse: boolean): [Array, Array] {
    const where = `${this.name}.${inverse ? "inverse" : "forward"}`;
    const B = checkEvent(x, this.eventShape, where);
    checkCtx(ctx, B, this.ctxDim, where);
    const flat = flatten(x);
    const xk = selectColumns(flat.ref, this.kept);
    const xt = selectColumns(flat, this.moved);
    const h = ctx === undefined ? xk.ref : np.concatenate([xk.ref, ctx.astype(xk.dtype)], 1);
    const raw = denseApply(this.net, p.net, h).reshape([B, this.moved.length, splineParamCount(this.bins)]);
    const [w, hh, d] = splitSplineParams(raw, this.bins);
    const s = rqSpline(xt, w, hh, d, { ...this.spline, inverse });
    const y = selectColumns(np.concatenate([xk, s.out], 1), this.unsplit);
    return [y.reshape([B, ...this.eventShape]), s.logDet.sum(1)];
  }

  forward(p: SplineCouplingParams, x: Array, ctx?: Array): ForwardResult {
    const [y, logDet] = this.run(p, x, ctx, false);
    return { y, logDet };
  }
  inverse(p: SplineCouplingParams, y: Array, ctx?: Array): InverseResult {
    const [x, logDet] = this.run(p, y, ctx, true);
    return { x, logDet };
  }
}
