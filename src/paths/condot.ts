/** CondOT (rectified-flow) scheduler: α_t = t, σ_t = 1 − t; the target velocity is x1 − x0. */
import { np, type Array } from "../engine/index.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";

export const condOT: Scheduler = function condot(t: Array) {
  return { alpha: t.ref, sigma: np.subtract(1, t.ref), dAlpha: np.onesLike(t.ref), dSigma: np.onesLike(t).neg() };
};
// The name is the registry key: set explicitly, since bundlers rename functions (minifiers, scope hoisting).
Object.defineProperty(condOT, "name", { value: "condot" });
registerScheduler(condOT);
