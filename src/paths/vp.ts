/**
 * Variance-preserving (VP-SDE) diffusion scheduler with a linear noise rate β(s) = β_min + s·(β_max − β_min),
 * β_min = 0.1, β_max = 20, written in this library's convention t = 0 is noise, t = 1 is data — the diffusion time
 * is s = 1 − t, as in Meta's flow_matching `VPScheduler` (Lipman et al. 2024, the same formulas):
 *
 *   T(t) = ∫₀^{1−t} β(s) ds = ½(1 − t)²(β_max − β_min) + (1 − t)·β_min,   T'(t) = −(1 − t)(β_max − β_min) − β_min,
 *   α_t = e^{−T/2},   σ_t = √(1 − e^{−T}),   dα = −½·T'·α,   dσ = ½·T'·e^{−T}/σ.
 *
 * α² + σ² = 1 exactly in exact arithmetic. Endpoints: at t = 1 (data), T = 0, so α = 1 and σ = 0 exactly, with dσ
 * infinite (σ ≈ √(β_min·(1 − t)) near t = 1); at t = 0 (noise), T = 10.05, so α = e^{−5.025} ≈ 0.00657 and
 * σ ≈ 0.99998 — the VP path only approximately reaches the noise distribution, as in score-based diffusion.
 *
 * Precision: float64 uses the engine's exact exp (once), and 1 − e^{−T} switches to its Taylor series for small T so
 * that σ keeps full relative accuracy as T → 0 (t → 1).
 */
import { np, exp, type Array } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";
import { affine, scalarLike } from "./consts.js";

export const VP_BETA_MIN = 0.1;
export const VP_BETA_MAX = 20;

// 1 − e^{−T} = T·Σ (−T)ᵏ/(k+1)!, k = 0 … 10 (Horner order); for T < 0.1 the first omitted term is < 3e-21.
const SERIES = globalThis.Array.from({ length: 11 }, (_, i) => 10 - i).map((k) => (k % 2 ? -1 : 1) / factorial(k + 1));
const SERIES_BELOW = 0.1;

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/**
 * σ² = 1 − e^{−T} from T ≥ 0 and e^{−T}: directly for T ≥ 0.1 (relative error < 2e-15), by its Taylor series below,
 * where the subtraction would cancel. No second exp/log on purpose: jax-js's jit compile time grows steeply with
 * nested float64 transcendental functions (jit(grad(exp∘exp)) takes about a minute), so the path stays at one exp.
 * Consumes both.
 */
function oneMinusExpNeg(T: Array, expNegT: Array): Array {
  let p = np.fullLike(T.ref, SERIES[0]);
  for (const c of SERIES.slice(1)) p = p.mul(T.ref).add(scalarLike(T, c));
  const small = p.mul(T.ref);
  const direct = np.subtract(scalarLike(T, 1), expNegT);
  return np.where(T.less(scalarLike(small, SERIES_BELOW)), small, direct);
}

/** The VP scheduler for given β_min < β_max (both ≥ 0); the registered "vp" uses 0.1 and 20. */
export function vpScheduler(betaMin: number = VP_BETA_MIN, betaMax: number = VP_BETA_MAX): Scheduler {
  if (!(Number.isFinite(betaMin) && Number.isFinite(betaMax) && betaMin >= 0 && betaMax > betaMin)) {
    throw new OptionError(`vp scheduler: expected 0 <= beta_min < beta_max, got beta_min=${betaMin}, beta_max=${betaMax}`);
  }
  const d = betaMax - betaMin;
  const fn = (t: Array) => {
    const s = affine(t, 1, -1); // diffusion time 1 − t
    // T = s·(β_min + ½·d·s), T' = −(β_min + d·s)
    const T = s.ref.mul(affine(s.ref, betaMin, d / 2));
    const dT = affine(s, -betaMin, -d);
    const alpha = exp(T.ref.mul(scalarLike(T, -0.5))); // the one float64 exp
    const var_ = oneMinusExpNeg(T, alpha.ref.mul(alpha.ref)); // σ² = 1 − e^{−T}, e^{−T} = α²
    const sigma = np.sqrt(var_);
    const dAlpha = dT.ref.mul(alpha.ref).mul(scalarLike(alpha, -0.5));
    // e^{−T} = α²
    const dSigma = dT.mul(alpha.ref).mul(alpha.ref).div(sigma.ref).mul(scalarLike(alpha, 0.5));
    return { alpha, sigma, dAlpha, dSigma };
  };
  const isDefault = betaMin === VP_BETA_MIN && betaMax === VP_BETA_MAX;
  Object.defineProperty(fn, "name", { value: isDefault ? "vp" : `vp-${betaMin}-${betaMax}` });
  return fn as Scheduler;
}

export const vp: Scheduler = vpScheduler();
registerScheduler(vp);
