/**
 * Planar flow (Rezende & Mohamed 2015): f(x) = x + û·tanh(wᵀx + b) on the flattened event, with logDet
 * log|1 + tanh'(wᵀx + b)·wᵀû|. Invertibility needs wᵀû ≥ −1, enforced by the reparameterization
 * û = u + (m(wᵀu) − wᵀu)·w/‖w‖², m(a) = −1 + softplus(a), so that wᵀû = m(wᵀu) > −1.
 *
 * Fast only in the density direction (`fast: "forward"`): the inverse is iterative. Writing a = wᵀx + b, the
 * inverse solves the scalar equation a + c·tanh(a) = wᵀy + b (c = wᵀû, strictly increasing in a) by a fixed number
 * (PLANAR_INVERSE_ITERS) of safeguarded Newton steps inside the bracket [t − |c|, t + |c|] (t = wᵀy + b, a Newton
 * step leaving the bracket is replaced by bisection), then two Newton polishes with the float64-exact tanh, then
 * x = y − û·tanh(a). The loop runs on stop-gradient values; one final Newton step on live values makes the inverse's
 * gradient the implicit-function gradient. Round trips are exact to ~1e-12 in float64.
 */
import { np, lax, tanh, softplus, log1p, mulScalar, fromHost, type Array, type DType, Rng } from "../engine/index.js";
import { checkEvent, flatten, sizeOf } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export type PlanarParams = { u: Array; w: Array; b: Array };

/** Safeguarded Newton/bisection iterations of the inverse (before the two exact-tanh polishing steps). */
export const PLANAR_INVERSE_ITERS = 25;

export class Planar implements Bijector<PlanarParams> {
  readonly name = "planar";
  readonly fast = "forward" as const;
  /** The inverse (an unrolled safeguarded Newton iteration) takes minutes to compile: it runs eagerly. */
  readonly jit = { forward: true, inverse: false };
  readonly eventShape: number[];
  readonly dim: number;

  constructor(eventShape: number[]) {
    this.eventShape = [...eventShape];
    this.dim = sizeOf(eventShape);
  }

  /** w ~ N(0, 1/D), u ~ N(0, 0.01/D), b = 0: close to (but, by the constraint, not exactly) the identity. */
  init(rng: Rng, dtype: DType): PlanarParams {
    const D = this.dim;
    return {
      u: fromHost(rng.normals(D).map((v) => (0.1 * v) / Math.sqrt(D)), [D], dtype),
      w: fromHost(rng.normals(D).map((v) => v / Math.sqrt(D)), [D], dtype),
      b: np.zeros([], { dtype }),
    };
  }

  /** [û, c = wᵀû]. */
  private uHat(p: PlanarParams): [Array, Array] {
    const wu = p.w.ref.mul(p.u.ref).sum();
    const m = softplus(wu.ref).sub(np.onesLike(wu.ref));
    const ww = np.maximum(p.w.ref.mul(p.w.ref).sum(), np.full([], 1e-300, { dtype: p.w.dtype }));
    const uh = p.u.ref.add(p.w.ref.mul(m.ref.sub(wu).div(ww)));
    return [uh, m];
  }

  /** log(1 + tanh'(a)·c) with tanh' = 1 − tanh²; c > −1 keeps the argument positive. */
  private logDetAt(a: Array, c: Array): Array {
    const th = tanh(a);
    return log1p(np.onesLike(th.ref).sub(th.ref.mul(th)).mul(c));
  }

  forward(p: PlanarParams, x: Array, ctx?: Array): ForwardResult {
    ctx?.dispose();
    const B = checkEvent(x, this.eventShape, "planar.forward");
    const xf = flatten(x);
    const [uh, c] = this.uHat(p);
    const a = np.matmul(xf.ref, p.w.ref).add(p.b.ref); // [B]
    const y = xf.add(tanh(a.ref).reshape([B, 1]).mul(uh));
    return { y: y.reshape([B, ...this.eventShape]), logDet: this.logDetAt(a, c) };
  }

  inverse(p: PlanarParams, y: Array, ctx?: Array): InverseResult {
    ctx?.dispose();
    const B = checkEvent(y, this.eventShape, "planar.inverse");
    const yf = flatten(y);
    const [uh, c] = this.uHat(p);
    const t = np.matmul(yf.ref, p.w.ref).add(p.b.ref); // a + c·tanh(a) = t
    const g = (a: Array, cc: Array, tt: Array) => a.ref.add(tanh(a).mul(cc)).sub(tt);
    const dg = (a: Array, cc: Array) => {
      const th = tanh(a);
      return np.onesLike(th.ref).add(np.onesLike(th.ref).sub(th.ref.mul(th)).mul(cc));
    };
    // Safeguarded Newton on constants, with jax-js's native tanh (float32-accurate but ~100× cheaper than the exact
    // float64 one), then two Newton polishes with the exact tanh (quadratic convergence: ~1e-6 → ~1e-16).
    const ts = lax.stopGradient(t.ref);
    const cs = lax.stopGradient(c.ref);
    const ac = np.abs(cs.ref);
    let lo = ts.ref.sub(ac.ref);
    let hi = ts.ref.add(ac);
    let a = ts.ref;
    for (let i = 0; i < PLANAR_INVERSE_ITERS; i++) {
      const th = np.tanh(a.ref);
      const ga = a.ref.add(th.ref.mul(cs.ref)).sub(ts.ref);
      const dga = np.onesLike(th.ref).add(np.onesLike(th.ref).sub(th.ref.mul(th)).mul(cs.ref));
      const pos = ga.ref.greater(np.zerosLike(ga.ref));
      hi = np.where(pos.ref, a.ref, hi);
      lo = np.where(pos, lo, a.ref);
      const newton = a.sub(ga.div(dga));
      const inside = np.logicalAnd(newton.ref.greater(lo.ref), newton.ref.less(hi.ref));
      a = np.where(inside, newton, mulScalar(lo.ref.add(hi.ref), 0.5));
    }
    lo.dispose();
    hi.dispose();
    for (let i = 0; i < 2; i++) a = a.ref.sub(g(a.ref, cs.ref, ts.ref).div(dg(a, cs.ref)));
    ts.dispose();
    cs.dispose();
    // One Newton step on live values: value unchanged (g(a) ≈ 0), gradient = implicit-function gradient.
    const a0 = lax.stopGradient(a);
    const aLive = a0.ref.sub(g(a0.ref, c.ref, t).div(dg(a0, c.ref)));
    const x = yf.sub(tanh(aLive.ref).reshape([B, 1]).mul(uh));
    return { x: x.reshape([B, ...this.eventShape]), logDet: this.logDetAt(aLive, c).neg() };
  }
}
