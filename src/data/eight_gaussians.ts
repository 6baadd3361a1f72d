/**
 * "8gaussians" exactly as FFJORD's lib/toy_data.py draws it: a center at radius 4 in one of the 8 compass
 * directions (diagonals at 1/√2), plus 0.5·N(0, I), everything divided by 1.414 (the literal constant, not √2, so
 * numbers match published results). Its density is therefore an equal-weight mixture of 8 isotropic Gaussians with
 * means 4·c/1.414 and standard deviation 0.5/1.414, which we evaluate exactly with a log-sum-exp.
 */
import type { Rng } from "../engine/rng.js";
import { checkCount, checkPoints, LOG_2PI, type ToyDistribution } from "./toy.js";

const SCALE = 4;
const NOISE = 0.5;
/** FFJORD divides by 1.414, not Math.SQRT2. */
const DIVISOR = 1.414;
const H = 1 / Math.sqrt(2);
/** Unit directions in FFJORD's order. */
const DIRECTIONS: readonly (readonly [number, number])[] = [
  [1, 0], [-1, 0], [0, 1], [0, -1], [H, H], [H, -H], [-H, H], [-H, -H],
];

/** The 8gaussians distribution plus its mixture parameters (in output units). */
export interface EightGaussians extends ToyDistribution {
  /** Mode means, 4·c/1.414, in FFJORD's order. Tests count samples per mode against these. */
  readonly centers: readonly (readonly [number, number])[];
  /** Per-coordinate standard deviation of every component, 0.5/1.414. */
  readonly std: number;
}

const centers = DIRECTIONS.map(([x, y]) => [(SCALE * x) / DIVISOR, (SCALE * y) / DIVISOR] as const);
const std = NOISE / DIVISOR;

export const eightGaussians: EightGaussians = {
  name: "8gaussians",
  dim: 2,
  description: "8 Gaussians (std 0.5/1.414) at radius 4/1.414 in the compass directions (FFJORD toy_data.py)",
  centers,
  std,
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "8gaussians");
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      // FFJORD order: noise first, then the mode.
      const ex = rng.normal() * NOISE;
      const ey = rng.normal() * NOISE;
      const [cx, cy] = DIRECTIONS[rng.int(8)];
      out[2 * i] = (SCALE * cx + ex) / DIVISOR;
      out[2 * i + 1] = (SCALE * cy + ey) / DIVISOR;
    }
    return out;
  },
  logProb(x: ArrayLike<number>): Float64Array {
    const m = checkPoints(x, "8gaussians");
    const out = new Float64Array(m);
    const inv2var = 1 / (2 * std * std);
    // log(1/8) + log N normalizer in 2-D: -log(2π σ²).
    const constant = -Math.log(8) - LOG_2PI - 2 * Math.log(std);
    const e = new Float64Array(8);
    for (let i = 0; i < m; i++) {
      const px = x[2 * i];
      const py = x[2 * i + 1];
      if (Number.isNaN(px) || Number.isNaN(py)) {
        out[i] = NaN;
        continue;
      }
      let best = -Infinity;
      for (let k = 0; k < 8; k++) {
        const dx = px - centers[k][0];
        const dy = py - centers[k][1];
        e[k] = -(dx * dx + dy * dy) * inv2var;
        if (e[k] > best) best = e[k];
      }
      if (best === -Infinity) {
        out[i] = -Infinity; // an infinite coordinate
        continue;
      }
      let s = 0;
      for (let k = 0; k < 8; k++) s += Math.exp(e[k] - best);
      out[i] = constant + best + Math.log(s);
    }
    return out;
  },
};
