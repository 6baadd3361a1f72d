/**
 * Conversions between the three things a network can predict on an affine path x_t = α_t·x1 + σ_t·ε (t = 0 is
 * noise, t = 1 is data; the noise sample x0 is called ε here): the velocity v = dα·x1 + dσ·ε, the data x1, and the
 * noise ε. Given x_t and any one prediction, the other two follow from the 2×2 system
 *
 *   [ α   σ  ] [x1]   [x_t]
 *   [ dα  dσ ] [ε ] = [ v ],    det = α·dσ − σ·dα.
 *
 * Singular points (the division yields ±∞/NaN there; callers should keep t inside the open interval):
 *   - from ε: divides by α, which is 0 at t = 0 for condot, poly, cosine, linear-vp, condot-sigma-min;
 *   - from x1: divides by σ, which is 0 at t = 1 for condot, poly, cosine, vp, linear-vp (condot-sigma-min has
 *     σ(1) = σ_min > 0);
 *   - from v: divides by det, which is −1 for condot, −π/2 for cosine, −(1 − σ_min) for condot-sigma-min, but
 *     −n·tⁿ⁻¹ (→ 0 at t = 0 for n > 1) for poly, and infinite at t = 1 for vp and linear-vp, where dσ is.
 *
 * All functions take the scheduler, x_t [B, …], the prediction [B, …] and t (a scalar or [B]), consume x_t, the
 * prediction and t, and return arrays shaped like x_t.
 */
import type { Array } from "../engine/index.js";
import { OptionError } from "../errors.js";
import type { Scheduler, SchedulerOutput } from "./scheduler.js";

/** What a model predicts: the velocity, the data x1, or the noise ε (= x0). */
export type PredictionKind = "velocity" | "x1" | "eps";
export const PREDICTION_KINDS: readonly PredictionKind[] = ["velocity", "x1", "eps"];

/** Scheduler values at t, reshaped to broadcast against x ([B] → [B, 1, …]; scalars stay scalars). */
function coeffs(s: Scheduler, x: Array, t: Array): SchedulerOutput {
  const tb = t.ndim === 1 && x.ndim > 1 ? t.reshape([t.shape[0], ...x.shape.slice(1).map(() => 1)]) : t;
  return s(tb);
}

function dispose(...xs: Array[]): void {
  for (const x of xs) x.dispose();
}

/** v = dα·x̂1 + dσ·ε̂ with ε̂ = (x_t − α·x̂1)/σ. */
export function velocityFromX1(s: Scheduler, xt: Array, x1: Array, t: Array): Array {
  const { alpha, sigma, dAlpha, dSigma } = coeffs(s, xt, t);
  const eps = xt.sub(alpha.mul(x1.ref)).div(sigma);
  return dAlpha.mul(x1).add(dSigma.mul(eps));
}

/** v = dα·x̂1 + dσ·ε̂ with x̂1 = (x_t − σ·ε̂)/α. */
export function velocityFromEps(s: Scheduler, xt: Array, eps: Array, t: Array): Array {
  const { alpha, sigma, dAlpha, dSigma } = coeffs(s, xt, t);
  const x1 = xt.sub(sigma.mul(eps.ref)).div(alpha);
  return dAlpha.mul(x1).add(dSigma.mul(eps));
}

/** x̂1 = (dσ·x_t − σ·v)/det. */
export function x1FromVelocity(s: Scheduler, xt: Array, v: Array, t: Array): Array {
  const { alpha, sigma, dAlpha, dSigma } = coeffs(s, xt, t);
  const det = alpha.mul(dSigma.ref).sub(sigma.ref.mul(dAlpha));
  return dSigma.mul(xt).sub(sigma.mul(v)).div(det);
}

/** ε̂ = (α·v − dα·x_t)/det. */
export function epsFromVelocity(s: Scheduler, xt: Array, v: Array, t: Array): Array {
  const { alpha, sigma, dAlpha, dSigma } = coeffs(s, xt, t);
  const det = alpha.ref.mul(dSigma).sub(sigma.mul(dAlpha.ref));
  return alpha.mul(v).sub(dAlpha.mul(xt)).div(det);
}

/** x̂1 = (x_t − σ·ε̂)/α. */
export function x1FromEps(s: Scheduler, xt: Array, eps: Array, t: Array): Array {
  const { alpha, sigma, dAlpha, dSigma } = coeffs(s, xt, t);
  dispose(dAlpha, dSigma);
  return xt.sub(sigma.mul(eps)).div(alpha);
}

/** ε̂ = (x_t − α·x̂1)/σ. */
export function epsFromX1(s: Scheduler, xt: Array, x1: Array, t: Array): Array {
  const { alpha, sigma, dAlpha, dSigma } = coeffs(s, xt, t);
  dispose(dAlpha, dSigma);
  return xt.sub(alpha.mul(x1)).div(sigma);
}

/**
 * Convert a prediction of kind `from` at (x_t, t) to kind `to` — the one entry point a model wrapper needs to
 * train or sample with any of the three parameterizations. Consumes xt, pred and t.
 */
export function convertPrediction(
  s: Scheduler, from: PredictionKind, to: PredictionKind, xt: Array, pred: Array, t: Array,
): Array {
  for (const k of [from, to]) {
    if (!PREDICTION_KINDS.includes(k)) {
      throw new OptionError(`unknown prediction "${k}"; valid predictions: ${PREDICTION_KINDS.join(", ")}`);
    }
  }
  if (from === to) {
    dispose(xt, t);
    return pred;
  }
  if (from === "velocity") return to === "x1" ? x1FromVelocity(s, xt, pred, t) : epsFromVelocity(s, xt, pred, t);
  if (from === "x1") return to === "velocity" ? velocityFromX1(s, xt, pred, t) : epsFromX1(s, xt, pred, t);
  return to === "velocity" ? velocityFromEps(s, xt, pred, t) : x1FromEps(s, xt, pred, t);
}
