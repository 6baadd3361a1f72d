/**
 * Cosine scheduler: α_t = sin(πt/2), σ_t = cos(πt/2) (t = 0 is noise, t = 1 is data); α² + σ² = 1, so it is a
 * variance-preserving path, and dα = (π/2)·σ, dσ = −(π/2)·α.
 *
 * Precision: jax-js's wasm sin/cos are only float32-accurate, also on float64 arrays, which would make float64
 * finite-difference and round-trip checks meaningless. For float64 inputs {@link sinCosHalfPi} therefore evaluates
 * the pair from exactly-rounded arithmetic: with r = (π/2)(t − ½), sin(πt/2) = (sin r + cos r)/√2 and
 * cos(πt/2) = (cos r − sin r)/√2, and sin r, cos r are Taylor polynomials through r²⁵ / r²⁴, whose truncation error
 * is below 1e-17 for |r| ≤ 3π/4, i.e. t ∈ [−1, 2] (outside that range accuracy degrades; t ∈ [0, 1] is the intended
 * domain). Float32 inputs use jax-js's kernels. Everything is traceable (jit, grad).
 */
import { np, type Array } from "../engine/index.js";
import { registerScheduler, type Scheduler } from "./scheduler.js";
import { affine, scalarLike } from "./consts.js";

const TERMS = 13;
// (−1)ᵏ/(2k+1)! and (−1)ᵏ/(2k)! for k = TERMS−1 … 0 (Horner order in r²).
const SIN_COEFFS: number[] = [];
const COS_COEFFS: number[] = [];
{
  const fact = [1];
  for (let i = 1; i <= 2 * TERMS + 1; i++) fact.push(fact[i - 1] * i);
  for (let k = TERMS - 1; k >= 0; k--) {
    SIN_COEFFS.push((k % 2 ? -1 : 1) / fact[2 * k + 1]);
    COS_COEFFS.push((k % 2 ? -1 : 1) / fact[2 * k]);
  }
}

function horner(x2: Array, coeffs: number[]): Array {
  let p = np.fullLike(x2.ref, coeffs[0]);
  for (const c of coeffs.slice(1)) p = p.mul(x2.ref).add(scalarLike(x2, c));
  x2.dispose();
  return p;
}

/** [sin(πt/2), cos(πt/2)], float64-accurate for float64 t (see the module note). Consumes t. */
export function sinCosHalfPi(t: Array): [Array, Array] {
  if (t.dtype !== np.float64) {
    const theta = t.mul(Math.PI / 2);
    return [np.sin(theta.ref), np.cos(theta)];
  }
  const r = affine(t, -Math.PI / 4, Math.PI / 2); // (π/2)(t − ½)
  const r2 = r.ref.mul(r.ref);
  const sinR = horner(r2.ref, SIN_COEFFS).mul(r);
  const cosR = horner(r2, COS_COEFFS);
  const k = Math.SQRT1_2;
  const sin = sinR.ref.add(cosR.ref).mul(scalarLike(sinR, k));
  const cos = cosR.sub(sinR).mul(scalarLike(sin, k));
  return [sin, cos];
}

export const cosine: Scheduler = function cosine(t: Array) {
  const [alpha, sigma] = sinCosHalfPi(t);
  const half = Math.PI / 2;
  const dAlpha = sigma.ref.mul(scalarLike(sigma, half));
  const dSigma = alpha.ref.mul(scalarLike(alpha, -half));
  return { alpha, sigma, dAlpha, dSigma };
};
// The name is the registry key: set explicitly, since bundlers rename functions (esbuild's scope hoisting made it "cosine2").
Object.defineProperty(cosine, "name", { value: "cosine" });
registerScheduler(cosine);
