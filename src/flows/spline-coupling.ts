/**
 * Rational-quadratic spline coupling (neural spline flows, Durkan et al. 2019): y_K = x_K and
 * y_T = RQS(x_T; θ(x_K, ctx)) elementwise, K the kept coordinates (mask 1), T the transformed ones (mask 0). The
 * conditioner is a dense MLP (src/nets/dense.ts) on the kept coordinates (+ context) giving 3·bins − 1 raw spline
 * parameters per transformed coordinate; its last layer starts at zero, which makes the spline the identity (see
 * spline.ts). Both directions are one parallel pass (`fast: "both"`); the inverse uses the spline's stable root
 * formula. Inputs outside [−bound, bound] pass through unchanged (linear tails). Images [B, H, W, C] are flattened.
 */
import type { Array, ActivationName } from "../engine/index.js";
import { OptionError } from "../errors.js";
import type { DenseParams } from "../nets/dense.js";
import { Coupling } from "./coupling.js";
import { halfMask, type Mask } from "./masks.js";
import { sizeOf } from "./shape.js";
import { rqSpline, splineParamCount, splitSplineParams, type SplineOptions } from "./spline.js";

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

export class SplineCoupling extends Coupling {
  readonly name = "spline-coupling";
  readonly bins: number;
  readonly spline: SplineOptions;

  constructor(eventShape: number[], opts: SplineCouplingOptions = {}) {
    const bins = opts.bins ?? 8;
    if (!Number.isInteger(bins) || bins < 2) throw new OptionError(`spline-coupling: expected bins ≥ 2 (one bin has no interior knot and trains to NaN), got ${opts.bins}`);
    const c = { hidden: opts.hidden ?? [64, 64], activation: opts.activation ?? "relu", mask: opts.mask ?? halfMask(sizeOf(eventShape)), ctxDim: opts.ctxDim };
    super(eventShape, c, splineParamCount(bins), "spline-coupling");
    this.bins = bins;
    this.spline = { bound: opts.bound, minBinWidth: opts.minBinWidth, minBinHeight: opts.minBinHeight, minDerivative: opts.minDerivative };
  }

  protected transform(out: Array, xt: Array, inverse: boolean): [Array, Array] {
    const raw = out.reshape([xt.shape[0]!, this.moved.length, splineParamCount(this.bins)]);
    const [w, hh, d] = splitSplineParams(raw, this.bins);
    const s = rqSpline(xt, w, hh, d, { ...this.spline, inverse });
    return [s.out, s.logDet.sum(1)];
  }
}
