/**
 * Polynomial convex scheduler: κ_t = tⁿ, α_t = tⁿ, σ_t = 1 − tⁿ (t = 0 is noise, t = 1 is data). n = 1 is CondOT;
 * larger n spends more of the path near the noise end. The registered "poly" uses n = 2; other exponents come from
 * {@link polynomialScheduler}, whose scheduler is named `poly-<n>` (not registered, so that names stay a fixed set).
 */
import { np, exp, log, type Array } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";
import { scalarLike } from "./consts.js";

export const POLY_DEFAULT_EXPONENT = 2;

/** tᵏ for an integer k ≥ 0 by repeated squaring: exact to rounding in float64, finite at t = 0. Consumes t. */
function intPow(t: Array, k: number): Array {
  if (k === 0) return np.onesLike(t);
  let result: Array | null = null;
  let base = t;
  while (k > 0) {
    if (k & 1) result = result === null ? base.ref : result.mul(base.ref);
    k >>= 1;
    if (k > 0) base = base.ref.mul(base);
  }
  base.dispose();
  return result!;
}

/**
 * α = tⁿ and dα = n·tⁿ⁻¹ on t ≥ 0. Integer n: repeated squaring. Otherwise tⁿ = exp(n·log t) with the engine's
 * float64-exact exp/log (jax-js's own `power` is float32-accurate) and dα = n·α/t, so that only one exp∘log is
 * traced — nested float64 transcendentals are slow to compile under jit (a non-integer exponent still costs a few
 * seconds of jit compile time in float64; float32 uses jax-js's kernels and compiles instantly). At t = 0, α = 0 and
 * dα is 0 (n > 1), 1 (n = 1) or +∞ (n < 1). Consumes t.
 */
function powAndDerivative(t: Array, n: number): [Array, Array] {
  if (Number.isInteger(n)) {
    const dAlpha = (n === 1 ? np.onesLike(t.ref) : intPow(t.ref, n - 1)).mul(scalarLike(t, n));
    return [intPow(t, n), dAlpha];
  }
  const pos = t.ref.greater(scalarLike(t, 0));
  const safe = np.where(pos.ref, t.ref, np.onesLike(t.ref));
  const y = exp(log(safe.ref).mul(scalarLike(t, n)));
  const alpha = np.where(pos.ref, y.ref, np.zerosLike(t.ref));
  const dAlpha = np.where(pos, y.mul(scalarLike(safe, n)).div(safe), np.fullLike(t, n > 1 ? 0 : Infinity));
  return [alpha, dAlpha];
}

/** The polynomial convex scheduler with exponent n > 0 (finite). dα at t = 0 is infinite for n < 1. */
export function polynomialScheduler(n: number = POLY_DEFAULT_EXPONENT): Scheduler {
  if (!(Number.isFinite(n) && n > 0)) throw new OptionError(`poly scheduler: expected an exponent n > 0, got ${n}`);
  const fn = (t: Array) => {
    const [alpha, dAlpha] = powAndDerivative(t, n);
    return { alpha: alpha.ref, sigma: np.subtract(scalarLike(alpha, 1), alpha), dAlpha: dAlpha.ref, dSigma: dAlpha.neg() };
  };
  Object.defineProperty(fn, "name", { value: n === POLY_DEFAULT_EXPONENT ? "poly" : `poly-${n}` });
  return fn as Scheduler;
}

export const polynomial: Scheduler = polynomialScheduler();
registerScheduler(polynomial);
