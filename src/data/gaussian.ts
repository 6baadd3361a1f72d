/** The standard normal N(0, I₂): the usual source distribution, also handy as a toy target with exact density. */
import type { Rng } from "../engine/rng.js";
import { checkCount, checkPoints, LOG_2PI, type ToyDistribution } from "./toy.js";

export const gaussian: ToyDistribution = {
  name: "gaussian",
  dim: 2,
  description: "standard normal N(0, I) in 2-D",
  sample(n: number, rng: Rng): Float64Array {
    checkCount(n, "gaussian");
    return rng.normals(2 * n);
  },
  logProb(x: ArrayLike<number>): Float64Array {
    const m = checkPoints(x, "gaussian");
    const out = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const a = x[2 * i];
      const b = x[2 * i + 1];
      out[i] = -0.5 * (a * a + b * b) - LOG_2PI;
    }
    return out;
  },
};
