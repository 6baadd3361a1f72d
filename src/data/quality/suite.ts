/**
 * The quality suite (issue 13): 2-D sets with exact log densities, each at unit scale near the origin and ×40
 * offset by (300, −50) — the scale and place of real data, which per-column standardization changes and a model in
 * raw units would not see. Each set also names a box holding all but a negligible part of its mass and a grid step
 * that resolves it, so tests can integrate the density (midpoint rule) and compare it with the sampler.
 */
import type { Rng } from "../../engine/rng.js";
import { DataError } from "../../errors.js";
import { checkerboard } from "../checkerboard.js";
import { eightGaussians } from "../eight_gaussians.js";
import { checkPoints } from "../toy.js";
import { grid25, modes48, moons2, spiral, thinRing, type DensityToy } from "./shapes.js";

/** A suite member: a seeded sampler, its exact log density, and a box and step to integrate it on. */
export interface QualitySet extends DensityToy {
  /** Box [x0, x1] × [y0, y1] and midpoint-grid step h (checkerboard: aligned with its edges). */
  readonly box: readonly [number, number, number, number];
  readonly h: number;
}

function base(toy: DensityToy, half: number, h: number): QualitySet {
  return { ...toy, box: [-half, half, -half, half], h };
}

/** `set` mapped by x ↦ a·x + b: samples scaled and shifted, log p(y) = log p_base((y − b)/a) − 2 log a. */
export function affineSet(set: QualitySet, name: string, a: number, b: readonly [number, number]): QualitySet {
  const logJ = 2 * Math.log(a);
  const [x0, x1, y0, y1] = set.box;
  return {
    name, dim: 2, description: `${set.description}; scaled by ${a} and shifted by (${b[0]}, ${b[1]})`,
    box: [a * x0 + b[0], a * x1 + b[0], a * y0 + b[1], a * y1 + b[1]], h: a * set.h,
    sample(n: number, rng: Rng): Float64Array {
      const s = set.sample(n, rng);
      for (let i = 0; i < s.length; i++) s[i] = a * s[i]! + b[i % 2]!;
      return s;
    },
    logProb(x: ArrayLike<number>): Float64Array {
      const m = checkPoints(x, name);
      const u = new Float64Array(2 * m);
      for (let i = 0; i < 2 * m; i++) u[i] = (x[i]! - b[i % 2]!) / a;
      const lp = set.logProb(u);
      for (let i = 0; i < m; i++) lp[i] -= logJ;
      return lp;
    },
  };
}

const BASES: readonly QualitySet[] = [
  base({ ...eightGaussians, name: "ring8", logProb: eightGaussians.logProb! }, 5.5, 0.05),
  base(moons2, 4.8, 0.05),
  base({ ...checkerboard, logProb: checkerboard.logProb! }, 4, 0.02),
  base(grid25, 3, 0.025),
  base(thinRing(), 2.5, 0.0125),
  base(spiral, 4, 0.04),
  base(modes48, 4.2, 0.02),
];

/** The scale and offset of each set's second copy. */
export const FAR_SCALE = 40;
export const FAR_OFFSET: readonly [number, number] = [300, -50];

const SETS: readonly QualitySet[] = [...BASES, ...BASES.map((s) => affineSet(s, `${s.name}-x40`, FAR_SCALE, FAR_OFFSET))];
const BY_NAME = new Map(SETS.map((s) => [s.name, s]));

/** Every set's name: the unit-scale ones, then their "-x40" copies. */
export const qualitySetNames: readonly string[] = Object.freeze(SETS.map((s) => s.name));

/** The set called `name`; an unknown name is a DataError listing the valid ones. */
export function getQualitySet(name: string): QualitySet {
  const s = BY_NAME.get(name);
  if (!s) throw new DataError(`unknown quality set "${name}"; expected one of: ${qualitySetNames.join(", ")}`);
  return s;
}
