/**
 * The sampler-only toys of FFJORD's lib/toy_data.py (moons, circles, swissroll via scikit-learn's generators;
 * 2spirals, pinwheel, rings written out there). Constants, scalings and the deterministic angle grids of
 * scikit-learn's make_moons / make_circles are kept so that samples match the published pictures and numbers. None
 * of these has a closed-form density that is cheap and exact, so none has `logProb`.
 */
import type { Rng } from "../engine/rng.js";
import { checkCount, shuffleRows2, type ToyDistribution } from "./toy.js";

/** numpy.linspace(start, stop, k, endpoint). */
function linspace(start: number, stop: number, k: number, endpoint: boolean): Float64Array {
  const out = new Float64Array(k);
  const div = endpoint ? k - 1 : k;
  const step = div > 0 ? (stop - start) / div : 0;
  for (let i = 0; i < k; i++) out[i] = start + i * step;
  return out;
}

/** Adds σ·N(0, 1) to every entry in place. */
function addNoise(data: Float64Array, sigma: number, rng: Rng): void {
  for (let i = 0; i < data.length; i++) data[i] += sigma * rng.normal();
}

/** sklearn.make_moons(n, noise=0.1) · 2 + (−1, −0.2). */
export const moons: ToyDistribution = {
  name: "moons",
  dim: 2,
  description: "two interleaving half circles (sklearn make_moons, noise 0.1), scaled by 2 and shifted by (-1,-0.2)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "moons");
    const nOut = Math.floor(n / 2);
    const nIn = n - nOut;
    const out = new Float64Array(2 * n);
    const a = linspace(0, Math.PI, nOut, true);
    const b = linspace(0, Math.PI, nIn, true);
    for (let i = 0; i < nOut; i++) {
      out[2 * i] = Math.cos(a[i]);
      out[2 * i + 1] = Math.sin(a[i]);
    }
    for (let i = 0; i < nIn; i++) {
      out[2 * (nOut + i)] = 1 - Math.cos(b[i]);
      out[2 * (nOut + i) + 1] = 1 - Math.sin(b[i]) - 0.5;
    }
    shuffleRows2(out, rng);
    addNoise(out, 0.1, rng);
    for (let i = 0; i < n; i++) {
      out[2 * i] = out[2 * i] * 2 - 1;
      out[2 * i + 1] = out[2 * i + 1] * 2 - 0.2;
    }
    return out;
  },
};

/** sklearn.make_circles(n, factor=0.5, noise=0.08) · 3. */
export const circles: ToyDistribution = {
  name: "circles",
  dim: 2,
  description: "two concentric circles of radii 3 and 1.5 (sklearn make_circles, factor 0.5, noise 0.08, times 3)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "circles");
    const nOut = Math.floor(n / 2);
    const nIn = n - nOut;
    const out = new Float64Array(2 * n);
    const a = linspace(0, 2 * Math.PI, nOut, false);
    const b = linspace(0, 2 * Math.PI, nIn, false);
    for (let i = 0; i < nOut; i++) {
      out[2 * i] = Math.cos(a[i]);
      out[2 * i + 1] = Math.sin(a[i]);
    }
    for (let i = 0; i < nIn; i++) {
      out[2 * (nOut + i)] = 0.5 * Math.cos(b[i]);
      out[2 * (nOut + i) + 1] = 0.5 * Math.sin(b[i]);
    }
    shuffleRows2(out, rng);
    addNoise(out, 0.08, rng);
    for (let i = 0; i < out.length; i++) out[i] *= 3;
    return out;
  },
};

/** The (x, z) coordinates of sklearn.make_swiss_roll(n, noise=1.0), divided by 5. */
export const swissroll: ToyDistribution = {
  name: "swissroll",
  dim: 2,
  description: "2-D swiss roll: (t cos t, t sin t) + N(0,1), t ~ 1.5pi(1 + 2U), divided by 5 (sklearn, FFJORD)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "swissroll");
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const t = 1.5 * Math.PI * (1 + 2 * rng.uniform());
      out[2 * i] = (t * Math.cos(t) + rng.normal()) / 5;
      out[2 * i + 1] = (t * Math.sin(t) + rng.normal()) / 5;
    }
    return out;
  },
};

/**
 * FFJORD's "2spirals": r = θ = 3π·√U, arm point (−θ cos θ + U/2, θ sin θ + U/2)/3; the second arm is the point
 * reflection of the first (FFJORD reuses the same draws, negated), then N(0, 0.1²) noise on everything. Rows are
 * shuffled so that any prefix holds both arms.
 */
export const twoSpirals: ToyDistribution = {
  name: "2spirals",
  dim: 2,
  description: "two interleaved spirals, one the point reflection of the other, noise 0.1 (FFJORD)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "2spirals");
    const half = Math.ceil(n / 2);
    const out = new Float64Array(2 * n);
    for (let i = 0; i < half; i++) {
      const th = Math.sqrt(rng.uniform()) * 3 * Math.PI; // sqrt(U)·540°
      const x = (-Math.cos(th) * th + rng.uniform() * 0.5) / 3;
      const y = (Math.sin(th) * th + rng.uniform() * 0.5) / 3;
      out[2 * i] = x;
      out[2 * i + 1] = y;
      const j = half + i;
      if (j < n) {
        out[2 * j] = -x;
        out[2 * j + 1] = -y;
      }
    }
    addNoise(out, 0.1, rng);
    shuffleRows2(out, rng);
    return out;
  },
};

/**
 * FFJORD's "pinwheel" (from Johnson et al.'s SVAE code): 5 arms; a point is (r, s) with r ~ N(1, 0.3²),
 * s ~ N(0, 0.1²), rotated by 2πk/5 + 0.25·e^r, then ×2. FFJORD returns 5·⌊n/5⌋ points; we return exactly n,
 * arm of row i being i mod 5 before the shuffle.
 */
export const pinwheel: ToyDistribution = {
  name: "pinwheel",
  dim: 2,
  description: "5-arm pinwheel, radial std 0.3, tangential std 0.1, rate 0.25, times 2 (FFJORD)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "pinwheel");
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const r = rng.normal() * 0.3 + 1;
      const s = rng.normal() * 0.1;
      const angle = (2 * Math.PI * (i % 5)) / 5 + 0.25 * Math.exp(r);
      const c = Math.cos(angle);
      const sn = Math.sin(angle);
      // einsum("ti,tij->tj") with R = [[c, −sin], [sin, c]]: row vector times R.
      out[2 * i] = 2 * (r * c + s * sn);
      out[2 * i + 1] = 2 * (-r * sn + s * c);
    }
    shuffleRows2(out, rng);
    return out;
  },
};

/**
 * "rings" from FFJORD's residual-flows toy data: 4 concentric circles of radii 3, 2.25, 1.5, 0.75 on even angle
 * grids (the innermost gets the remainder of n/4), shuffled, plus N(0, 0.08²) noise.
 */
export const rings: ToyDistribution = {
  name: "rings",
  dim: 2,
  description: "4 concentric rings of radii 3, 2.25, 1.5, 0.75 with noise 0.08 (residual-flows / FFJORD)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "rings");
    const q = Math.floor(n / 4);
    const counts = [q, q, q, n - 3 * q];
    const radii = [1, 0.75, 0.5, 0.25];
    const out = new Float64Array(2 * n);
    let row = 0;
    for (let k = 0; k < 4; k++) {
      const a = linspace(0, 2 * Math.PI, counts[k], false);
      for (let i = 0; i < counts[k]; i++, row++) {
        out[2 * row] = 3 * radii[k] * Math.cos(a[i]);
        out[2 * row + 1] = 3 * radii[k] * Math.sin(a[i]);
      }
    }
    shuffleRows2(out, rng);
    addNoise(out, 0.08, rng);
    return out;
  },
};
