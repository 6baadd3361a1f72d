/**
 * Transcendental functions accurate in float64.
 *
 * jax-js's wasm kernels evaluate exp/log/log1p/tanh in float32 even for float64 arrays (relative errors of
 * 1e-8…1e-6 measured here), which would make float64 tests of log-dets, inverses and likelihoods meaningless. For
 * float64 inputs these versions build the functions from exactly-rounded float64 arithmetic (range reduction, a
 * Taylor polynomial, Newton's method); for float32 they are jax-js's own kernels. Gradients come from autodiff
 * of the same formulas and are equally accurate. All functions consume their argument.
 */
import { np, type Array } from "./jax.js";

const LN2_HI = 6.93147180369123816490e-1; // fdlibm split of ln 2: k·LN2_HI is exact for |k| < 2^11
const LN2_LO = 1.90821492927058770002e-10;
// 1/n! for n = 13 … 0 (Horner order); on |r| ≤ ln2/2 the first omitted term is < 5e-18.
const EXP_COEFFS = [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((n) => 1 / factorial(n));

/**
 * A float64 scalar array. Under `jit`, jax-js rounds plain JS number operands to float32 (0.1 → 0.10000000149),
 * so every constant in the float64 paths goes through this.
 */
export function f64(v: number): Array {
  return np.full([], v, { dtype: np.float64 });
}
const isF64 = (x: Array) => x.dtype === np.float64;

/** a · c for a JS number c, keeping c exact for float64 arrays under jit (see `f64`); consumes `a`. */
export function mulScalar(a: Array, c: number): Array {
  return isF64(a) ? a.mul(f64(c)) : a.mul(c);
}

/** a + c for a JS number c, exact for float64 arrays under jit (see `f64`); consumes `a`. */
export function addScalar(a: Array, c: number): Array {
  return isF64(a) ? a.add(f64(c)) : a.add(c);
}

function factorial(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return f;
}

/** 2^k for integer-valued float64 k with |k| < 1024, exactly: a product of exact powers of two chosen by k's bits. */
function pow2(k: Array): Array {
  const a = np.abs(k.ref);
  let scale = np.onesLike(a.ref);
  for (let i = 0; i < 10; i++) {
    const bit = np.floor(a.ref.div(f64(2 ** i))).mod(f64(2)).equal(f64(1));
    // A scalar-only `where` comes back float32 (2^256 → Infinity), so give it a float64 array branch.
    scale = scale.mul(np.where(bit, np.fullLike(a.ref, 2 ** (2 ** i)), f64(1)));
  }
  a.dispose();
  return np.where(k.less(f64(0)), np.reciprocal(scale.ref), scale);
}

function exp64(x: Array): Array {
  const xc = np.clip(x, f64(-745), f64(709.78));
  const k = np.round(xc.ref.div(f64(Math.LN2)));
  const r = xc.sub(k.ref.mul(f64(LN2_HI))).sub(k.ref.mul(f64(LN2_LO)));
  let p = np.fullLike(r.ref, EXP_COEFFS[0]);
  for (const c of EXP_COEFFS.slice(1)) p = p.mul(r.ref).add(f64(c));
  r.dispose();
  // Split 2^k in two halves so neither factor overflows or goes subnormal on its own.
  const k1 = np.floor(k.ref.div(f64(2)));
  const k2 = k.sub(k1.ref);
  return p.mul(pow2(k1)).mul(pow2(k2));
}

function log64(x: Array): Array {
  // jax-js's kernel is off by up to ~3e-6 relative; one Halley step y ← y + 2(x − e^y)/(x + e^y) cubes that error
  // away. No stop-gradient: the step also makes the derivative 1/x accurate to third order.
  const y0 = np.log(x.ref);
  const e = exp64(y0.ref);
  return y0.add(x.ref.sub(e.ref).mul(f64(2)).div(x.add(e)));
}


/** e^x. */
export function exp(x: Array): Array {
  return isF64(x) ? exp64(x) : np.exp(x);
}

/** Natural log. */
export function log(x: Array): Array {
  return isF64(x) ? log64(x) : np.log(x);
}

/**
 * log(1 + u) for u > −1, by Goldberg's trick log(w)·u/(w − 1) with w = 1 + u: as accurate as `log`, also for tiny
 * u. The `where` keeps the unused branch finite so that gradients stay finite.
 */
export function log1p(u: Array): Array {
  const one = () => np.full([], 1, { dtype: u.dtype });
  const w = u.ref.add(one());
  const same = w.ref.equal(one());
  const denom = np.where(same.ref, one(), w.ref.sub(one()));
  return np.where(same, u.ref, log(w).mul(u).div(denom));
}

/** tanh x = sign(x)·(1 − e^(−2|x|))/(1 + e^(−2|x|)); an odd Taylor series near 0 avoids the cancellation. */
export function tanh(x: Array): Array {
  if (!isF64(x)) return np.tanh(x);
  const ax = np.abs(x.ref);
  const e = exp64(ax.ref.mul(f64(-2)));
  const big = np.sign(x.ref).mul(np.subtract(f64(1), e.ref).div(e.add(f64(1))));
  const x2 = x.ref.mul(x.ref);
  // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835: error < 1e-17 relative for |x| < 0.01.
  let s = np.fullLike(x2.ref, 62 / 2835);
  for (const c of [-17 / 315, 2 / 15, -1 / 3, 1]) s = s.mul(x2.ref).add(f64(c));
  x2.dispose();
  return np.where(ax.less(f64(0.01)), s.mul(x), big);
}

// fdlibm's split of π/2 into 33 + 33 + 53 bits: k·PIO2_1 and k·PIO2_2 are exact for |k| < 2^20, so the reduced
// argument keeps ~1e-16 absolute accuracy for |x| up to ~1.6e6 (far beyond 2π·f·t for any time embedding).
const PIO2_1 = 1.57079632673412561417e0;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_3 = 2.02226624871116645580e-21;
// Taylor coefficients on |r| ≤ π/4: sin r = r·Σ S_n r^(2n), cos r = Σ C_n r^(2n), in Horner order (highest first);
// the first omitted terms (r^23/23!, r^22/22!) are below 1e-23.
const SIN_COEFFS = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((n) => (-1) ** n / factorial(2 * n + 1));
const COS_COEFFS = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map((n) => (-1) ** n / factorial(2 * n));

function horner(coeffs: number[], r2: Array): Array {
  let p = np.fullLike(r2.ref, coeffs[0]!);
  for (const c of coeffs.slice(1)) p = p.mul(r2.ref).add(f64(c));
  r2.dispose();
  return p;
}

/** x − 4·⌊x/4⌋ ∈ {0, 1, 2, 3} for integer-valued float64 x (floor-based, so negative k land in range too). */
function mod4(k: Array): Array {
  return k.ref.sub(np.floor(k.div(f64(4))).mul(f64(4)));
}

/**
 * [sin x, cos x] in float64 by Cody–Waite reduction x = k·π/2 + r (|r| ≤ π/4, three-part π/2) and Taylor
 * polynomials on r, then the quadrant k mod 4 picks ±sin r or ±cos r. Every step is a float64 array op, so jit,
 * grad and jvp trace it (round/floor have zero derivative; d/dx of the sin polynomial is the cos polynomial).
 */
function sinCos64(x: Array): [Array, Array] {
  const k = np.round(x.ref.div(f64(Math.PI / 2)));
  const r = x.sub(k.ref.mul(f64(PIO2_1))).sub(k.ref.mul(f64(PIO2_2))).sub(k.ref.mul(f64(PIO2_3)));
  const r2 = r.ref.mul(r.ref);
  const s = horner(SIN_COEFFS, r2.ref).mul(r);
  const c = horner(COS_COEFFS, r2);
  const q = mod4(k);
  // q: 0 → (s, c), 1 → (c, −s), 2 → (−s, −c), 3 → (−c, s).
  const odd = q.ref.sub(np.floor(q.ref.div(f64(2))).mul(f64(2))).equal(f64(1));
  const sinSign = np.subtract(f64(1), np.floor(q.ref.div(f64(2))).mul(f64(2)));
  const cosSign = np.subtract(f64(1), np.floor(mod4(q.add(f64(1))).div(f64(2))).mul(f64(2)));
  const sinX = np.where(odd.ref, c.ref, s.ref).mul(sinSign);
  const cosX = np.where(odd, s, c).mul(cosSign);
  return [sinX, cosX];
}

/** sin x; float64 inputs get the exactly-reduced version (jax-js's kernel is float32-accurate). Consumes x. */
export function sin(x: Array): Array {
  if (!isF64(x)) return np.sin(x);
  const [s, c] = sinCos64(x);
  c.dispose();
  return s;
}

/** cos x; float64-accurate for float64 inputs (see `sin`). Consumes x. */
export function cos(x: Array): Array {
  if (!isF64(x)) return np.cos(x);
  const [s, c] = sinCos64(x);
  s.dispose();
  return c;
}

/**
 * [sin x, cos x] sharing one range reduction (float64) — what a sinusoidal time embedding needs. Consumes x.
 *
 * ```ts
 * const [s, c] = sinCos(np.array([0.5, 100], { dtype: np.float64 })); // |s − Math.sin| ≲ 2e-16
 * ```
 */
export function sinCos(x: Array): [Array, Array] {
  if (isF64(x)) return sinCos64(x);
  return [np.sin(x.ref), np.cos(x)];
}
