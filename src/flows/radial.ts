/**
 * Radial flow (Rezende & Mohamed 2015): f(x) = x + β·h(r)·(x − x0), h(r) = 1/(α + r), r = ‖x − x0‖ on the
 * flattened event (dimension D), with α = softplus(rawAlpha) > 0 and β = −α + softplus(rawBeta) > −α, which makes f
 * invertible. logDet = (D − 1)·log(1 + βh) + log(1 + βh + βh′r) = (D − 1)·log(1 + β/(α + r)) + log(1 + αβ/(α + r)²).
 * `init` (rawAlpha = rawBeta = 0, so β = 0) is the identity.
 *
 * Fast only in the density direction (`fast: "forward"`, as in the literature). The inverse is still exact and
 * cheap here: the radius obeys ρ = ‖y − x0‖ = r·(1 + β/(α + r)), i.e. the quadratic r² + (α + β − ρ)·r − αρ = 0,
 * whose positive root is taken in the cancellation-free form, then polished by one Newton step; then
 * x = x0 + (y − x0)/(1 + β/(α + r)). (A closed form replaces the 1-D iteration the planar flow needs.)
 */
import { np, softplus, log1p, fromHost, type Array, type DType, Rng } from "../engine/index.js";
import { checkEvent, flatten, sizeOf } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export type RadialParams = { x0: Array; rawAlpha: Array; rawBeta: Array };

/** ‖v‖ per row of v [B, D] (consumed), with a finite gradient at v = 0 (where it is 0). */
function rowNorm(v: Array): Array {
  const s = v.ref.mul(v).sum(1);
  const pos = s.ref.greater(np.zerosLike(s.ref));
  const safe = np.where(pos.ref, s, np.onesLike(pos.ref.astype(v.dtype)));
  const zero = np.zerosLike(safe.ref);
  return np.where(pos, np.sqrt(safe), zero);
}

export class Radial implements Bijector<RadialParams> {
  readonly name = "radial";
  readonly fast = "forward" as const;
  readonly eventShape: number[];
  readonly dim: number;

  constructor(eventShape: number[]) {
    this.eventShape = [...eventShape];
    this.dim = sizeOf(eventShape);
  }

  /** x0 ~ N(0, I), α = log 2, β = 0 (identity). */
  init(rng: Rng, dtype: DType): RadialParams {
    return {
      x0: fromHost(rng.normals(this.dim), [this.dim], dtype),
      rawAlpha: np.zeros([], { dtype }),
      rawBeta: np.zeros([], { dtype }),
    };
  }

  private alphaBeta(p: RadialParams): [Array, Array] {
    const alpha = softplus(p.rawAlpha.ref);
    return [alpha.ref, softplus(p.rawBeta.ref).sub(alpha)];
  }

  private logDetAt(r: Array, alpha: Array, beta: Array): Array {
    const ar = alpha.ref.add(r);
    const t1 = log1p(beta.ref.div(ar.ref)).mul(np.full([], this.dim - 1, { dtype: ar.dtype }));
    return t1.add(log1p(alpha.mul(beta).div(ar.ref.mul(ar))));
  }

  forward(p: RadialParams, x: Array, ctx?: Array): ForwardResult {
    ctx?.dispose();
    const B = checkEvent(x, this.eventShape, "radial.forward");
    const [alpha, beta] = this.alphaBeta(p);
    const d = flatten(x).sub(p.x0.ref);
    const r = rowNorm(d.ref);
    const bh = beta.ref.div(alpha.ref.add(r.ref)); // β·h(r), [B]
    const y = d.mul(bh.add(np.onesLike(bh.ref)).reshape([B, 1])).add(p.x0.ref);
    return { y: y.reshape([B, ...this.eventShape]), logDet: this.logDetAt(r, alpha, beta) };
  }

  inverse(p: RadialParams, y: Array, ctx?: Array): InverseResult {
    ctx?.dispose();
    const B = checkEvent(y, this.eventShape, "radial.inverse");
    const [alpha, beta] = this.alphaBeta(p);
    const d = flatten(y).sub(p.x0.ref);
    const rho = rowNorm(d.ref);
    // r² + q·r − αρ = 0, q = α + β − ρ; positive root without cancellation.
    const q = alpha.ref.add(beta.ref).sub(rho.ref);
    const disc = np.sqrt(q.ref.mul(q.ref).add(alpha.ref.mul(rho.ref).mul(np.full([], 4, { dtype: q.dtype }))));
    const two = () => np.full([], 2, { dtype: q.dtype });
    const qPos = q.ref.greater(np.zerosLike(q.ref));
    const denom = q.ref.add(disc.ref);
    const safeDenom = np.where(denom.ref.greater(np.zerosLike(denom.ref)), denom, np.onesLike(disc.ref));
    let r = np.where(
      qPos,
      two().mul(alpha.ref).mul(rho.ref).div(safeDenom),
      disc.sub(q).div(two()),
    );
    // Newton polish on φ(r) = r + βr/(α + r) − ρ, φ′(r) = 1 + αβ/(α + r)².
    const ar = alpha.ref.add(r.ref);
    const phi = r.ref.add(beta.ref.mul(r.ref).div(ar.ref)).sub(rho);
    const dphi = np.onesLike(phi.ref).add(alpha.ref.mul(beta.ref).div(ar.ref.mul(ar)));
    r = r.sub(phi.div(dphi));
    const scale = np.onesLike(r.ref).add(beta.ref.div(alpha.ref.add(r.ref))); // 1 + βh(r)
    const x = d.div(scale.reshape([B, 1])).add(p.x0.ref);
    return { x: x.reshape([B, ...this.eventShape]), logDet: this.logDetAt(r, alpha, beta).neg() };
  }
}
