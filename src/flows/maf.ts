/**
 * Masked autoregressive flow (MAF, Papamakarios et al. 2017) and inverse autoregressive flow (IAF, Kingma et al.
 * 2016): the affine autoregressive transform z_i = (x_i − μ_i(x_<i))·exp(−α_i(x_<i)), with μ, α from a MADE.
 *
 * Which direction is cheap:
 *  - MAF: `forward` (density, x → z) is ONE MADE pass, since all μ, α read x only. `inverse` (sampling, z → x) is
 *    sequential: D MADE passes (see autoregressive.ts). `fast: "forward"`.
 *  - IAF: the same transform used the other way round — IAF.forward = MAF.inverse (D passes: density is slow),
 *    IAF.inverse = MAF.forward (one pass: sampling is fast). `fast: "inverse"`. Same parameters, same MADE.
 *
 * The log-scale is soft-clamped, α = c·tanh(a/c) with c = `alphaBound` (default 3): smooth, α ≈ a near 0, and
 * |α| < c so one layer never scales by more than e^c — this keeps the sequential inverse and early training
 * stable. forward logDet = −Σα_i.
 */
import { np, tanh, exp, mulScalar, type Array, type ActivationName, type DType } from "../engine/index.js";
import { Rng } from "../engine/index.js";
import { made, type MadeParams } from "../nets/made.js";
import { OptionError } from "../errors.js";
import { invertAutoregressive } from "./autoregressive.js";
import { checkCtx, checkEvent } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export interface MafConfig {
  /** Event dimension D (arrays are [B, D]). */
  dim: number;
  /** MADE hidden widths (default [64, 64]). */
  hidden?: number[];
  /** Default "relu". */
  activation?: ActivationName;
  /** Autoregressive order: order[d] = rank of dimension d (default natural). */
  order?: number[];
  /** Context width C for conditional flows (default 0). */
  ctxDim?: number;
  /** Soft bound c on the log-scale α = c·tanh(a/c) (default 3). */
  alphaBound?: number;
}

/** α = c·tanh(a/c) (a consumed). */
function softClamp(a: Array, c: number): Array {
  return mulScalar(tanh(mulScalar(a, 1 / c)), c);
}

/** μ, α as [B, D] each from the MADE output [B, D, 2] (consumed). */
function shiftLogScale(out: Array, c: number): { mu: Array; alpha: Array } {
  const [B, D] = out.shape as [number, number, number];
  const [m, a] = np.split(out, [1], -1);
  return { mu: m.reshape([B, D]), alpha: softClamp(a.reshape([B, D]), c) };
}

/** The masked affine autoregressive transform, density direction one pass (`fast: "forward"`). */
export function maf(config: MafConfig): Bijector<MadeParams> {
  const c = config.alphaBound ?? 3;
  if (!(c > 0)) throw new OptionError(`MAF alphaBound must be > 0, got ${c}`);
  const D = config.dim;
  const net = made({
    inDim: D,
    hidden: config.hidden ?? [64, 64],
    outPerDim: 2,
    activation: config.activation ?? "relu",
    order: config.order,
    ctxDim: config.ctxDim ?? 0,
  });
  return {
    name: "maf",
    fast: "forward",
    eventShape: [D],
    init: (rng: Rng, dtype: DType) => net.init(rng, dtype),
    forward(params: MadeParams, x: Array, ctx?: Array): ForwardResult {
      checkCtx(ctx, checkEvent(x, [D], "maf.forward"), config.ctxDim ?? 0, "maf.forward");
      const { mu, alpha } = shiftLogScale(net.apply(params, x.ref, ctx), c);
      const y = x.sub(mu).mul(exp(alpha.ref.neg()));
      return { y, logDet: alpha.sum(-1).neg() };
    },
    inverse(params: MadeParams, y: Array, ctx?: Array): InverseResult {
      checkCtx(ctx, checkEvent(y, [D], "maf.inverse"), config.ctxDim ?? 0, "maf.inverse");
      const r = invertAutoregressive(D, y, (xk) => {
        const { mu, alpha } = shiftLogScale(net.apply(params, xk, ctx?.ref), c);
        return { x: y.ref.mul(exp(alpha.ref)).add(mu), logDet: alpha.sum(-1) };
      });
      y.dispose();
      ctx?.dispose();
      return r;
    },
  };
}

/**
 * IAF: MAF with the directions swapped. forward (density) is the sequential one (D passes); inverse (sampling) is
 * one pass (`fast: "inverse"`). Parameters are exactly MAF's.
 */
export function iaf(config: MafConfig): Bijector<MadeParams> {
  const m = maf(config);
  return {
    name: "iaf",
    fast: "inverse",
    eventShape: m.eventShape,
    init: m.init,
    forward(params: MadeParams, x: Array, ctx?: Array): ForwardResult {
      const r = m.inverse(params, x, ctx);
      return { y: r.x, logDet: r.logDet };
    },
    inverse(params: MadeParams, y: Array, ctx?: Array): InverseResult {
      const r = m.forward(params, y, ctx);
      return { x: r.y, logDet: r.logDet };
    },
  };
}
