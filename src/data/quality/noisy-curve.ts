/**
 * A distribution on a curve blurred by isotropic Gaussian noise: s ~ w on [a, b], x = c(s) + σ·N(0, I). Its exact
 * density p(x) = ∫ w(s) N(x; c(s), σ²I) ds has no closed form, so it is computed by composite Gauss–Legendre
 * quadrature in log space: panels narrow enough that the Gaussian (width σ / |c′(s)| in s) spans several nodes,
 * which makes the rule accurate far beyond 1e-6 wherever p has mass (test/data/quality-sets.test.ts compares it
 * with a rule of twice the panels).
 */
import type { Rng } from "../../engine/rng.js";
import { checkCount, checkPoints, LOG_2PI } from "../toy.js";
import { gaussLegendre, logSumExp } from "./quadrature.js";

export interface CurveArm {
  /** The curve's point at parameter s. */
  at(s: number): readonly [number, number];
  /** Parameter range [a, b]. */
  a: number;
  b: number;
  /** Density of s on [a, b] (integrates to 1) and a sampler of it from one uniform u ∈ [0, 1). */
  weight(s: number): number;
  draw(u: number): number;
  /** The speed |c′(s)|, to size the panels; monotone between any two nearby parameters. */
  speed(s: number): number;
}

/**
 * Gauss–Legendre nodes per panel; a panel spans at most σ / panelsPerSigma of arc length, over which the Gaussian's
 * 16th derivative bounds the 8-point rule's relative error near 1e-12.
 */
const NODES = 8;

/** log N(x; c(s_k), σ²I) summed with the quadrature weights: the nodes of every arm, flattened. */
export interface CurveQuadrature {
  cx: Float64Array;
  cy: Float64Array;
  /** log(arm probability · quadrature weight · w(s_k)). */
  logW: Float64Array;
}

/** The quadrature nodes of a mixture of arms with probabilities `probs`, `panelsPerSigma` panels per σ-width. */
export function curveQuadrature(arms: readonly CurveArm[], probs: readonly number[], sigma: number, panelsPerSigma = 1): CurveQuadrature {
  const gl = gaussLegendre(NODES);
  const cx: number[] = [], cy: number[] = [], logW: number[] = [];
  const len = sigma / panelsPerSigma;
  arms.forEach((arm, j) => {
    for (let lo = arm.a; lo < arm.b; ) {
      // The panel's width in s from the faster of its two ends (the speed is monotone across one panel).
      let w = len / arm.speed(lo);
      w = Math.min(w, len / arm.speed(Math.min(lo + w, arm.b)), arm.b - lo);
      const half = w / 2, mid = lo + half;
      lo = arm.b - lo - w < 1e-12 * (arm.b - arm.a) ? arm.b : lo + w;
      for (let k = 0; k < NODES; k++) {
        const s = mid + half * gl.nodes[k]!;
        const w = probs[j]! * half * gl.weights[k]! * arm.weight(s);
        if (!(w > 0)) continue;
        const [x, y] = arm.at(s);
        cx.push(x);
        cy.push(y);
        logW.push(Math.log(w));
      }
    }
  });
  return { cx: Float64Array.from(cx), cy: Float64Array.from(cy), logW: Float64Array.from(logW) };
}

/** log p at row-major [m, 2] points for the quadrature `q` and noise σ. */
export function curveLogProb(q: CurveQuadrature, sigma: number, x: ArrayLike<number>, name: string): Float64Array {
  const m = checkPoints(x, name);
  const out = new Float64Array(m);
  const e = new Float64Array(q.cx.length);
  const inv2var = 1 / (2 * sigma * sigma);
  const norm = -LOG_2PI - 2 * Math.log(sigma);
  for (let i = 0; i < m; i++) {
    const px = x[2 * i]!, py = x[2 * i + 1]!;
    if (Number.isNaN(px) || Number.isNaN(py)) {
      out[i] = NaN;
      continue;
    }
    for (let k = 0; k < e.length; k++) {
      const dx = px - q.cx[k]!, dy = py - q.cy[k]!;
      e[k] = q.logW[k]! - (dx * dx + dy * dy) * inv2var;
    }
    out[i] = norm + logSumExp(e);
  }
  return out;
}

/** n points: an arm by `probs`, s from its weight, then the curve point plus σ·N(0, I). Draws only from `rng`. */
export function sampleCurves(arms: readonly CurveArm[], probs: readonly number[], sigma: number, n: number, rng: Rng, name: string): Float64Array {
  checkCount(n, name);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform(), j = 0;
    while (j < arms.length - 1 && u >= probs[j]!) u -= probs[j++]!;
    const arm = arms[j]!;
    const [x, y] = arm.at(arm.draw(rng.uniform()));
    out[2 * i] = x + sigma * rng.normal();
    out[2 * i + 1] = y + sigma * rng.normal();
  }
  return out;
}
