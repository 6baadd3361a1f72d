/** CondOT (rectified-flow) scheduler: α_t = t, σ_t = 1 − t; the target velocity is x1 − x0. */
import { np, type Array } from "../engine/index.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";

// The function's own name ("condot") is the registry key.
export const condOT: Scheduler = function condot(t: Array) {
  return { alpha: t.ref, sigma: np.subtract(1, t.ref), dAlpha: np.onesLike(t.ref), dSigma: np.onesLike(t).neg() };
};
registerScheduler(condOT);
