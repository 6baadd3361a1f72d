/**
 * CondOT with a minimum noise level σ_min (Lipman et al. 2023): α_t = t, σ_t = 1 − (1 − σ_min)·t (t = 0 is noise,
 * t = 1 is data), so at t = 1 the path ends at x1 + σ_min·x0 rather than exactly at x1: σ(1) = σ_min ≠ 0. The
 * target velocity is x1 − (1 − σ_min)·x0. The registered "condot-sigma-min" uses σ_min = 1e-4; other values come
 * from {@link condOTSigmaMin}, named `condot-sigma-min-<σ_min>` (not registered). σ_min = 0 is CondOT.
 */
import { np, type Array } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";
import { affine, scalarLike } from "./consts.js";

export const CONDOT_SIGMA_MIN_DEFAULT = 1e-4;

export function condOTSigmaMin(sigmaMin: number = CONDOT_SIGMA_MIN_DEFAULT): Scheduler {
  if (!(Number.isFinite(sigmaMin) && sigmaMin >= 0 && sigmaMin < 1)) {
    throw new OptionError(`condot-sigma-min scheduler: expected 0 <= sigma_min < 1, got ${sigmaMin}`);
  }
  const k = 1 - sigmaMin;
  const fn = (t: Array) => {
    const sigma = affine(t.ref, 1, -k);
    const dSigma = np.fullLike(t.ref, -1).mul(scalarLike(t, k));
    return { alpha: t.ref, sigma, dAlpha: np.onesLike(t), dSigma };
  };
  const isDefault = sigmaMin === CONDOT_SIGMA_MIN_DEFAULT;
  Object.defineProperty(fn, "name", { value: isDefault ? "condot-sigma-min" : `condot-sigma-min-${sigmaMin}` });
  return fn as Scheduler;
}

export const condOTSigmaMinDefault: Scheduler = condOTSigmaMin();
registerScheduler(condOTSigmaMinDefault);
