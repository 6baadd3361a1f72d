/**
 * Autoregressive rational-quadratic spline flow (neural spline flows, Durkan et al. 2019): z_i = RQS(x_i; θ_i(x_<i))
 * elementwise, with the 3·bins − 1 raw spline parameters of every dimension from one MADE pass (src/nets/made.ts).
 * `forward` (density, x → z) is one pass (`fast: "forward"`); `inverse` (sampling) is sequential: D MADE passes by
 * fixed-point iteration (autoregressive.ts), each inverting the spline with its stable root formula. The MADE's
 * output layer starts at zero, which makes every spline the identity (see spline.ts).
 */
import { type Array, type DType, type ActivationName, Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { made, type MadeParams } from "../nets/made.js";
import { invertAutoregressive } from "./autoregressive.js";
import { checkCtx, checkEvent } from "./shape.js";
import { rqSpline, splineParamCount, splitSplineParams, type SplineOptions } from "./spline.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export interface SplineAutoregressiveConfig extends SplineOptions {
  /** Event dimension D (arrays are [B, D]). */
  dim: number;
  /** MADE hidden widths (default [64, 64]). */
  hidden?: number[];
  /** Default "relu". */
  activation?: ActivationName;
  /** Autoregressive order: order[d] = rank of dimension d (default natural). */
  order?: number[];
  /** Context width C (default 0). */
  ctxDim?: number;
  /** Number of spline bins K (default 8). */
  bins?: number;
}

export function splineAutoregressive(config: SplineAutoregressiveConfig): Bijector<MadeParams> {
  const D = config.dim;
  const K = config.bins ?? 8;
  if (!Number.isInteger(K) || K < 2) throw new OptionError(`spline-autoregressive: expected bins ≥ 2 (one bin has no interior knot and trains to NaN), got ${config.bins}`);
  const net = made({
    inDim: D,
    hidden: config.hidden ?? [64, 64],
    outPerDim: splineParamCount(K),
    activation: config.activation ?? "relu",
    order: config.order,
    ctxDim: config.ctxDim ?? 0,
  });
  const spline: SplineOptions = {
    bound: config.bound,
    minBinWidth: config.minBinWidth,
    minBinHeight: config.minBinHeight,
    minDerivative: config.minDerivative,
  };
  /** Spline of `v` (consumed) with parameters from MADE(xCond) (consumed). */
  const apply = (params: MadeParams, xCond: Array, v: Array, ctx: Array | undefined, inverse: boolean) => {
    const [w, h, d] = splitSplineParams(net.apply(params, xCond, ctx), K);
    const s = rqSpline(v, w, h, d, { ...spline, inverse });
    return { out: s.out, logDet: s.logDet.sum(1) };
  };
  return {
    name: "spline-autoregressive",
    fast: "forward",
    eventShape: [D],
    init: (rng: Rng, dtype: DType) => net.init(rng, dtype),
    forward(params: MadeParams, x: Array, ctx?: Array): ForwardResult {
      checkCtx(ctx, checkEvent(x, [D], "spline-autoregressive.forward"), config.ctxDim ?? 0, "spline-autoregressive.forward");
      const r = apply(params, x.ref, x, ctx, false);
      return { y: r.out, logDet: r.logDet };
    },
    inverse(params: MadeParams, y: Array, ctx?: Array): InverseResult {
      checkCtx(ctx, checkEvent(y, [D], "spline-autoregressive.inverse"), config.ctxDim ?? 0, "spline-autoregressive.inverse");
      const r = invertAutoregressive(D, y, (xk) => {
        const s = apply(params, xk, y.ref, ctx?.ref, true);
        return { x: s.out, logDet: s.logDet };
      });
      y.dispose();
      ctx?.dispose();
      return r;
    },
  };
}
