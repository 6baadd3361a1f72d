/**
 * "checkerboard" as FFJORD / torchcfm draw it: x1 ~ U[-2, 2), x2 = U[0, 1) − 2·randint(0, 2) + (⌊x1⌋ mod 2), then
 * both ×2. That is uniform on the 8 black squares of a 4×4 board of side-2 squares covering [-4, 4)², the black
 * squares being those with ⌊x/2⌋ + ⌊y/2⌋ even. Total area 8·4 = 32, so the exact density is 1/32 on them.
 */
import type { Rng } from "../engine/rng.js";
import { checkCount, checkPoints, type ToyDistribution } from "./toy.js";

const LOG_DENSITY = -Math.log(32);

/** Whether (x, y) lies in a black square (half-open squares, matching the sampler's [a, b) ranges). */
export function inCheckerboard(x: number, y: number): boolean {
  if (!(x >= -4 && x < 4 && y >= -4 && y < 4)) return false; // also rejects NaN
  return (Math.floor(x / 2) + Math.floor(y / 2)) % 2 === 0;
}

export const checkerboard: ToyDistribution = {
  name: "checkerboard",
  dim: 2,
  description: "uniform on the 8 black squares of a 4x4 checkerboard over [-4,4]^2, density 1/32 (FFJORD)",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "checkerboard");
    const out = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const x1 = rng.uniform() * 4 - 2;
      const x2 = rng.uniform() - rng.int(2) * 2 + (((Math.floor(x1) % 2) + 2) % 2); // Python's non-negative %
      out[2 * i] = x1 * 2;
      out[2 * i + 1] = x2 * 2;
    }
    return out;
  },
  logProb(x: ArrayLike<number>): Float64Array {
    const m = checkPoints(x, "checkerboard");
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const px = x[2 * i];
      const py = x[2 * i + 1];
      out[i] = Number.isNaN(px) || Number.isNaN(py) ? NaN : inCheckerboard(px, py) ? LOG_DENSITY : -Infinity;
    }
    return out;
  },
};
