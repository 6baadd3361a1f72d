/**
 * Energy distance (Székely & Rizzo): D² = 2E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖, zero iff the two distributions are
 * equal. Kernel-free, so no bandwidth to choose, and it scales like a distance (not squared) in the data's units.
 */
import { ShapeError } from "../errors.js";
import { pointCount, sqDist } from "./distance.js";

/**
 * Unbiased estimate of the energy distance D² between row-major `[n, dim]` sets (at least 2 points each): the cross
 * term averages all nx·ny pairs; the within terms are U-statistics over distinct pairs (divided by n(n − 1), not
 * n²), so the estimate has expectation exactly D² and is ≈ 0 (possibly slightly negative) for equal distributions.
 * O((nx + ny)² · dim).
 */
export function energyDistance(x: Float64Array, y: Float64Array, dim: number): number {
  const nx = pointCount(x, dim, "energyDistance", "x");
  const ny = pointCount(y, dim, "energyDistance", "y");
  if (nx < 2 || ny < 2) {
    throw new ShapeError(`energyDistance: expected at least 2 points in each set, got ${nx} and ${ny}`);
  }
  let dxy = 0;
  for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) dxy += Math.sqrt(sqDist(x, i, y, j, dim));
  let dxx = 0;
  for (let i = 0; i < nx; i++) for (let j = i + 1; j < nx; j++) dxx += Math.sqrt(sqDist(x, i, x, j, dim));
  let dyy = 0;
  for (let i = 0; i < ny; i++) for (let j = i + 1; j < ny; j++) dyy += Math.sqrt(sqDist(y, i, y, j, dim));
  return (2 * dxy) / (nx * ny) - (2 * dxx) / (nx * (nx - 1)) - (2 * dyy) / (ny * (ny - 1));
}
