/**
 * The quality suite's base shapes (unit scale, near the origin), each with an exact log density: Gaussian mixtures
 * in closed form, the thin ring by its polar form, and the noisy curves (moons, spiral) by quadrature along the curve
 * (noisy-curve.ts). Built once at import, pure functions afterwards.
 */
import { Rng } from "../../engine/rng.js";
import { checkCount, checkPoints, LOG_2PI, type ToyDistribution } from "../toy.js";
import { curveLogProb, curveQuadrature, sampleCurves, type CurveArm } from "./noisy-curve.js";
import { logSumExp } from "./quadrature.js";

/** A toy whose exact density is always present. */
export type DensityToy = ToyDistribution & { logProb(x: ArrayLike<number>): Float64Array };

/** An equal- or unequal-weight mixture of isotropic Gaussians, exact. */
export function gaussianMixture(name: string, description: string, means: readonly (readonly [number, number])[], sigmas: readonly number[], weights: readonly number[]): DensityToy {
  const K = means.length;
  const total = weights.reduce((s, w) => s + w, 0);
  const logC = weights.map((w, k) => Math.log(w / total) - LOG_2PI - 2 * Math.log(sigmas[k]!));
  const cum: number[] = [];
  weights.reduce((s, w) => (cum.push(s + w / total), s + w / total), 0);
  return {
    name, dim: 2, description,
    sample(n: number, rng: Rng): Float64Array {
      checkCount(n, name);
      const out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const u = rng.uniform();
        let k = 0;
        while (k < K - 1 && u >= cum[k]!) k++;
        out[2 * i] = means[k]![0] + sigmas[k]! * rng.normal();
        out[2 * i + 1] = means[k]![1] + sigmas[k]! * rng.normal();
      }
      return out;
    },
    logProb(x: ArrayLike<number>): Float64Array {
      const m = checkPoints(x, name);
      const out = new Float64Array(m);
      const e = new Float64Array(K);
      for (let i = 0; i < m; i++) {
        const px = x[2 * i]!, py = x[2 * i + 1]!;
        for (let k = 0; k < K; k++) {
          const dx = px - means[k]![0], dy = py - means[k]![1];
          e[k] = logC[k]! - (dx * dx + dy * dy) / (2 * sigmas[k]! ** 2);
        }
        out[i] = Number.isNaN(px) || Number.isNaN(py) ? NaN : logSumExp(e);
      }
      return out;
    },
  };
}

/** 5×5 grid of Gaussians at spacing 1, σ = spacing / 10 (tight modes, wide empty space between them). */
const gridMeans: [number, number][] = [];
for (let i = -2; i <= 2; i++) for (let j = -2; j <= 2; j++) gridMeans.push([i, j]);
export const grid25 = gaussianMixture("grid25", "5x5 grid of Gaussians at spacing 1, sigma 0.1", gridMeans, gridMeans.map(() => 0.1), gridMeans.map(() => 1));

/** 48 modes at fixed random places in [−3.5, 3.5]², σ in [0.04, 0.12], unequal weights (a fixed seed: pure). */
function manyModes(): DensityToy {
  const r = new Rng(13);
  const means: [number, number][] = [], sigmas: number[] = [], weights: number[] = [];
  for (let k = 0; k < 48; k++) {
    means.push([7 * r.uniform() - 3.5, 7 * r.uniform() - 3.5]);
    sigmas.push(0.04 * (1 + 2 * r.uniform()));
    weights.push(0.5 + r.uniform());
  }
  return gaussianMixture("modes48", "48 Gaussians at fixed random places in [-3.5,3.5]^2, sigma 0.04-0.12, unequal weights", means, sigmas, weights);
}
export const modes48 = manyModes();

/** A circle of radius R with radial noise: r = R + σz, θ uniform. Exact: p(x) = [N(|x|; R, σ) + N(−|x|; R, σ)] / 2π|x|. */
export function thinRing(R = 2, sigma = 0.05): DensityToy {
  const name = "thinring";
  return {
    name, dim: 2, description: `circle of radius ${R} with radial noise sigma ${sigma}`,
    sample(n: number, rng: Rng): Float64Array {
      checkCount(n, name);
      const out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        const th = 2 * Math.PI * rng.uniform();
        const r = R + sigma * rng.normal();
        out[2 * i] = r * Math.cos(th);
        out[2 * i + 1] = r * Math.sin(th);
      }
      return out;
    },
    logProb(x: ArrayLike<number>): Float64Array {
      const m = checkPoints(x, name);
      const out = new Float64Array(m);
      const e = new Float64Array(2);
      const c = -0.5 * LOG_2PI - Math.log(sigma) - Math.log(2 * Math.PI);
      for (let i = 0; i < m; i++) {
        const r = Math.max(Math.hypot(x[2 * i]!, x[2 * i + 1]!), 1e-300);
        e[0] = -((r - R) ** 2) / (2 * sigma * sigma);
        e[1] = -((r + R) ** 2) / (2 * sigma * sigma);
        out[i] = c + logSumExp(e) - Math.log(r);
      }
      return out;
    },
  };
}

/** A mixture of noisy curves as a DensityToy (quadrature built once). */
function noisyCurves(name: string, description: string, arms: CurveArm[], probs: number[], sigma: number): DensityToy & { arms: CurveArm[]; sigma: number; probs: number[] } {
  const q = curveQuadrature(arms, probs, sigma);
  return {
    name, dim: 2, description, arms, probs, sigma,
    sample: (n, rng) => sampleCurves(arms, probs, sigma, n, rng, name),
    logProb: (x) => curveLogProb(q, sigma, x, name),
  };
}

/** Uniform angle on [0, π]. */
const arc = (at: (s: number) => readonly [number, number]): CurveArm => ({
  at, a: 0, b: Math.PI, weight: () => 1 / Math.PI, draw: (u) => Math.PI * u, speed: () => 2,
});

/**
 * Two moons: sklearn's make_moons geometry ×2 shifted by (−1, −0.2) as the "moons" toy, but with the angle uniform
 * (not a grid) and noise σ = 0.2 in these units, so the density is the noise convolved with the uniform arcs.
 */
export const moons2 = noisyCurves(
  "moons", "two half circles of radius 2 (make_moons x2, shifted), uniform angle, Gaussian noise sigma 0.2",
  [arc((s) => [2 * Math.cos(s) - 1, 2 * Math.sin(s) - 0.2]), arc((s) => [1 - 2 * Math.cos(s), 0.8 - 2 * Math.sin(s)])],
  [0.5, 0.5], 0.2,
);

/**
 * Two interleaved spiral arms (FFJORD's 2spirals without its uniform jitter): θ = 3π√u, point (−θ cos θ, θ sin θ)/3
 * and its point reflection, noise σ = 0.1. θ has density 2θ / (3π)² on [0, 3π]; speed √(1 + θ²)/3.
 */
const TH = 3 * Math.PI;
const spiralArm = (sign: number): CurveArm => ({
  at: (t) => [(sign * -t * Math.cos(t)) / 3, (sign * t * Math.sin(t)) / 3],
  a: 0, b: TH, weight: (t) => (2 * t) / (TH * TH), draw: (u) => TH * Math.sqrt(u), speed: (t) => Math.sqrt(1 + t * t) / 3,
});
export const spiral = noisyCurves("spiral", "two interleaved spiral arms r = theta/3, theta in [0, 3pi] (density 2theta/(3pi)^2), noise sigma 0.1", [spiralArm(1), spiralArm(-1)], [0.5, 0.5], 0.1);
