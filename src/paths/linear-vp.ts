/**
 * Linear-VP scheduler: α_t = t, σ_t = √(1 − t²) (t = 0 is noise, t = 1 is data); α² + σ² = 1. dα = 1 and
 * dσ = −t/σ, infinite at t = 1. σ is evaluated as √((1 − t)(1 + t)), accurate near t = 1.
 */
import { np, type Array } from "../engine/index.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";
import { affine } from "./consts.js";

export const linearVP: Scheduler = function linearVp(t: Array) {
  const sigma = np.sqrt(affine(t.ref, 1, -1).mul(affine(t.ref, 1, 1)));
  const dSigma = t.ref.neg().div(sigma.ref);
  return { alpha: t.ref, sigma, dAlpha: np.onesLike(t), dSigma };
};
Object.defineProperty(linearVP, "name", { value: "linear-vp" });
registerScheduler(linearVP);
