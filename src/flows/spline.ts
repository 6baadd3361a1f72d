/**
 * The monotone rational-quadratic spline of neural spline flows (Durkan et al. 2019), elementwise.
 *
 * On [−B, B] the map is a piecewise rational-quadratic through K+1 knots (x_k, y_k) with positive derivatives
 * δ_k at the knots; outside it is the identity ("linear tails"). The boundary knots are (±B, ±B) with δ = 1, so
 * value and slope are continuous where the tails meet the spline. Parameters per element, unnormalized:
 *   widths [..., K] and heights [..., K] → softmax, then `min + (1 − K·min)·softmax` (so each bin is at least
 *   `minBinWidth`/`minBinHeight` of the 2B range), scaled to 2B;
 *   derivatives [..., K−1] (interior knots) → `minDerivative + softplus(u + c)` with c = log(e^(1−min) − 1), so an
 *   all-zero parameter gives δ = 1 everywhere: uniform bins + unit slopes = the identity map (a zero-initialized
 *   conditioner starts the flow at the identity).
 * Inside bin k, with ξ = (x − x_k)/w_k and s = h_k/w_k:
 *   y = y_k + h_k[sξ² + δ_k ξ(1−ξ)] / [s + (δ_{k+1} + δ_k − 2s) ξ(1−ξ)],
 *   dy/dx = s²[δ_{k+1}ξ² + 2sξ(1−ξ) + δ_k(1−ξ)²] / [s + (δ_{k+1} + δ_k − 2s)ξ(1−ξ)]².
 * The inverse solves aξ² + bξ + c = 0 with the root ξ = 2c / (−b − √(b² − 4ac)), which avoids the cancellation of
 * the textbook formula (b² − 4ac > 0 for a monotone spline; it is clamped at 0 against round-off).
 *
 * Numerics: the bin is found without searchsorted — count of interior knots ≤ x, then one-hot sums — so it is
 * differentiable and jit-able. The spline is always evaluated on the input clamped to [−B, B], and the tails pick
 * the identity with `where`: the unused branch stays finite, so it cannot poison gradients with 0·NaN. Exp/log go
 * through the engine's float64-exact versions.
 */
import { np, lax, exp, log, softplus, type Array } from "../engine/index.js";
import { OptionError, ShapeError } from "../errors.js";

export interface SplineOptions {
  /** Half-width B of the spline interval [−B, B] (default 3). */
  bound?: number;
  /** Minimum bin width, as a fraction of 2B (default 1e-3). */
  minBinWidth?: number;
  /** Minimum bin height, as a fraction of 2B (default 1e-3). */
  minBinHeight?: number;
  /** Minimum knot derivative (default 1e-3). */
  minDerivative?: number;
}

export interface SplineResult {
  /** Transformed values, same shape as the input. */
  out: Array;
  /** log|d out / d in| per element, same shape as the input. */
  logDet: Array;
}

/** Number of raw parameters per element for K bins: K widths, K heights, K−1 interior derivatives. */
export const splineParamCount = (bins: number): number => 3 * bins - 1;

function resolve(o: SplineOptions, K: number) {
  const r = { bound: o.bound ?? 3, minBinWidth: o.minBinWidth ?? 1e-3, minBinHeight: o.minBinHeight ?? 1e-3, minDerivative: o.minDerivative ?? 1e-3 };
  if (!(r.bound > 0)) throw new OptionError(`spline bound must be > 0, got ${r.bound}`);
  if (!(r.minBinWidth >= 0 && r.minBinWidth * K < 1)) throw new OptionError(`spline minBinWidth must be in [0, 1/K) = [0, ${1 / K}), got ${r.minBinWidth}`);
  if (!(r.minBinHeight >= 0 && r.minBinHeight * K < 1)) throw new OptionError(`spline minBinHeight must be in [0, 1/K) = [0, ${1 / K}), got ${r.minBinHeight}`);
  if (!(r.minDerivative > 0 && r.minDerivative < 1)) throw new OptionError(`spline minDerivative must be in (0, 1), got ${r.minDerivative}`);
  return r;
}

/** Scalar constant in x's dtype (exact for float64 also under jit). */
const cst = (v: number, like: Array) => np.full([], v, { dtype: like.dtype });

/** Knot positions [..., K+1] from softmax terms e [..., K] (consumed, unnormalized): −B, …, B with exact ends. */
function knots(e: Array, minSize: number, B: number): { pos: Array; size: Array } {
  const K = e.shape[e.ndim - 1]!;
  const sm = e.ref.div(e.sum(-1, { keepdims: true }));
  const frac = sm.mul(cst(1 - minSize * K, sm)).add(cst(minSize, sm));
  const inner = np.cumsum(frac, -1).mul(cst(2 * B, e)).sub(cst(B, e)); // [..., K], last ≈ B
  const parts = np.split(inner, [K - 1], -1);
  parts[1]!.dispose();
  const lo = np.full([...e.shape.slice(0, -1), 1], -B, { dtype: e.dtype });
  const hi = np.full([...e.shape.slice(0, -1), 1], B, { dtype: e.dtype });
  const pos = np.concatenate([lo, parts[0]!, hi], -1);
  const [a, b] = np.split(pos.ref, [1], -1);
  const [c, rest] = np.split(pos.ref, [K], -1);
  a.dispose();
  rest.dispose();
  return { pos, size: b.sub(c) };
}

/**
 * exp(u − max u) for widths and heights in ONE exp call: the float64 exp is a long chain of operations, and the
 * spline's cost (and jit compile time) is mostly its transcendental calls.
 */
function softmaxTerms(widths: Array, heights: Array): [Array, Array] {
  const K = widths.shape[widths.ndim - 1]!;
  const shifted = (u: Array) => u.ref.sub(lax.stopGradient(u.max(-1, { keepdims: true })));
  const e = exp(np.concatenate([shifted(widths), shifted(heights)], -1));
  const [ew, eh] = np.split(e, [K], -1);
  return [ew!, eh!];
}

/** Sum over the last axis of onehot·a (a consumed, onehot not). */
const pick = (onehot: Array, a: Array) => onehot.ref.mul(a).sum(-1);

/**
 * The spline (or its inverse) applied elementwise. `x` has any shape S; the parameter arrays have shape
 * [...S, K], [...S, K], [...S, K−1]. Consumes x and the three parameter arrays. `logDet` is the log-derivative of
 * the map that was applied (for `inverse: true`, of the inverse map).
 */
export function rqSpline(
  x: Array,
  widths: Array,
  heights: Array,
  derivatives: Array,
  opts: SplineOptions & { inverse?: boolean } = {},
): SplineResult {
  const K = widths.shape[widths.ndim - 1]!;
  const S = x.shape;
  const shapeOk = (a: Array, k: number) => a.ndim === S.length + 1 && a.shape[S.length] === k && S.every((s, i) => a.shape[i] === s);
  if (K < 1 || !shapeOk(widths, K) || !shapeOk(heights, K) || !shapeOk(derivatives, K - 1))
    throw new ShapeError(
      `spline parameters must be [${S}, K], [${S}, K], [${S}, K−1] for input [${S}]; got [${widths.shape}], [${heights.shape}], [${derivatives.shape}]`,
    );
  const o = resolve(opts, K);
  const B = o.bound;
  const [ew, eh] = softmaxTerms(widths, heights);
  const xk = knots(ew, o.minBinWidth, B);
  const yk = knots(eh, o.minBinHeight, B);
  const shift = Math.log(Math.expm1(1 - o.minDerivative));
  const dInner = softplus(derivatives.add(cst(shift, x))).add(cst(o.minDerivative, x));
  const ones = np.ones([...S, 1], { dtype: x.dtype });
  const dAll = np.concatenate([ones.ref, dInner, ones], -1); // [..., K+1]
  const [d0, d0rest] = np.split(dAll.ref, [K], -1); // δ_k for k < K
  const [d1rest, d1] = np.split(dAll, [1], -1); // δ_{k+1}
  d0rest.dispose();
  d1rest.dispose();

  const inside = np.abs(x.ref).lessEqual(cst(B, x));
  // Inside, xc is x itself (so the derivative at exactly ±B is the spline's, not clip's); outside, the bound.
  const xc = np.where(inside.ref, x.ref, np.clip(x.ref, cst(-B, x), cst(B, x)));
  // Bin index = number of interior knots ≤ input (of the x-knots forward, y-knots inverse); one-hot over K bins.
  const grid = opts.inverse ? yk.pos : xk.pos;
  const interior = np.split(grid.ref, [1, K], -1);
  interior[0]!.dispose();
  interior[2]!.dispose();
  const count = xc.ref.reshape([...S, 1]).greaterEqual(interior[1]!).astype(x.dtype).sum(-1, { keepdims: true });
  const onehot = count.equal(np.arange(K).astype(x.dtype)).astype(x.dtype);
  const [xlo, xtop] = np.split(xk.pos, [K], -1);
  const [ylo, ytop] = np.split(yk.pos, [K], -1);
  xtop.dispose();
  ytop.dispose();
  const x0 = pick(onehot, xlo), w = pick(onehot, xk.size);
  const y0 = pick(onehot, ylo), h = pick(onehot, yk.size);
  const dk = pick(onehot, d0), dk1 = pick(onehot, d1);
  onehot.dispose();
  const s = h.ref.div(w.ref);
  const sumD = dk1.ref.add(dk.ref).sub(s.ref.mul(cst(2, x))); // δ_{k+1} + δ_k − 2s

  let xi: Array;
  let out: Array;
  if (!opts.inverse) {
    xi = xc.sub(x0.ref).div(w.ref);
    const t = xi.ref.mul(np.subtract(cst(1, x), xi.ref)); // ξ(1−ξ)
    const num = h.ref.mul(s.ref.mul(xi.ref).mul(xi.ref).add(dk.ref.mul(t.ref)));
    const den = s.ref.add(sumD.ref.mul(t));
    out = y0.ref.add(num.div(den));
  } else {
    const dy = xc.sub(y0.ref);
    const a = h.ref.mul(s.ref.sub(dk.ref)).add(dy.ref.mul(sumD.ref));
    const b = h.ref.mul(dk.ref).sub(dy.ref.mul(sumD.ref));
    const c = s.ref.neg().mul(dy);
    const disc = np.maximum(b.ref.mul(b.ref).sub(a.mul(c.ref).mul(cst(4, x))), cst(0, x));
    xi = c.mul(cst(2, x)).div(b.neg().sub(np.sqrt(disc)));
    out = xi.ref.mul(w.ref).add(x0.ref);
  }
  x0.dispose();
  y0.dispose();
  w.dispose();
  h.dispose();
  // log dy/dx at ξ (shared by both directions).
  const om = np.subtract(cst(1, x), xi.ref);
  const t = xi.ref.mul(om.ref);
  const numD = dk1.mul(xi.ref).mul(xi).add(s.ref.mul(cst(2, x)).mul(t.ref)).add(dk.mul(om.ref).mul(om));
  const den = s.ref.add(sumD.mul(t));
  // One log of s²·N/den² (all factors positive and moderate) instead of three.
  let ld = log(s.ref.mul(s).mul(numD).div(den.ref.mul(den)));
  if (opts.inverse) ld = ld.neg();
  return {
    out: np.where(inside.ref, out, x),
    logDet: np.where(inside, ld, np.zerosLike(ld.ref)),
  };
}

/** Splits raw conditioner output [..., 3K−1] (consumed) into widths [..., K], heights [..., K], derivatives [..., K−1]. */
export function splitSplineParams(raw: Array, bins: number): [Array, Array, Array] {
  if (raw.shape[raw.ndim - 1] !== splineParamCount(bins))
    throw new ShapeError(`spline parameters: expected last axis ${splineParamCount(bins)} (3K−1 for K = ${bins}), got [${raw.shape}]`);
  const [w, h, d] = np.split(raw, [bins, 2 * bins], -1);
  return [w!, h!, d!];
}
