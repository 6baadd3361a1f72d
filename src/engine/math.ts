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
