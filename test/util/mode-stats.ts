/**
 * How 2-D points sit on 8gaussians' modes (used by the quality test and bench/experiments/recipe-8gaussians.ts):
 * the share per nearest mode; the shares within radius 2σ and within the per-coordinate 2σ box of that mode; the
 * share beyond 4σ; and, over the points within 4σ, the radial and tangential spread and the mean radial offset, in
 * units of the component σ.
 */
import { eightGaussians } from "../../src/data/eight_gaussians.js";

export function modeStats(x: Float64Array) {
  const s = eightGaussians.std, n = x.length / 2;
  const counts = new Array<number>(eightGaussians.centers.length).fill(0);
  let radius = 0, box = 0, far = 0, inside = 0, rad2 = 0, tan2 = 0, radSum = 0;
  for (let i = 0; i < n; i++) {
    let best = 0, bd = Infinity;
    eightGaussians.centers.forEach((c, k) => {
      const d = Math.hypot(x[2 * i]! - c[0], x[2 * i + 1]! - c[1]);
      if (d < bd) [bd, best] = [d, k];
    });
    counts[best]!++;
    const c = eightGaussians.centers[best]!;
    const dx = x[2 * i]! - c[0], dy = x[2 * i + 1]! - c[1];
    if (bd < 2 * s) radius++;
    if (Math.abs(dx) < 2 * s && Math.abs(dy) < 2 * s) box++;
    if (bd > 4 * s) { far++; continue; }
    const norm = Math.hypot(c[0], c[1]), ux = c[0] / norm, uy = c[1] / norm;
    const r = dx * ux + dy * uy, t = -dx * uy + dy * ux;
    inside++; rad2 += r * r; tan2 += t * t; radSum += r;
  }
  return {
    shares: counts.map((k) => k / n), radius: radius / n, box: box / n, beyond4s: far / n,
    radialSpread: Math.sqrt(rad2 / inside) / s, tangentialSpread: Math.sqrt(tan2 / inside) / s, radialOffset: radSum / inside / s,
  };
}
