/**
 * The affine path x_t = α_t·x1 + σ_t·x0 and its conditional target velocity u_t = dα·x1 + dσ·x0 (t = 0 is the
 * noise x0, t = 1 the data x1), plus the flow-matching MSE loss.
 */
import { np, type Array } from "../engine/index.js";
import type { Scheduler } from "./scheduler.js";

export interface PathSample {
  xt: Array;
  /** Target velocity u_t(x_t | x0, x1). */
  ut: Array;
}

/** x0, x1: [B, …]; t: [B]. Consumes all three. */
export function samplePath(s: Scheduler, x0: Array, x1: Array, t: Array): PathSample {
  const shape = [t.shape[0], ...x1.shape.slice(1).map(() => 1)];
  const { alpha, sigma, dAlpha, dSigma } = s(t.reshape(shape));
  const xt = alpha.mul(x1.ref).add(sigma.mul(x0.ref));
  const ut = dAlpha.mul(x1).add(dSigma.mul(x0));
  return { xt, ut };
}

/** Mean over batch and dimensions of (v − u)²; consumes both. */
export function mseLoss(v: Array, u: Array): Array {
  return np.square(v.sub(u)).mean();
}
