/**
 * Exact 2-Wasserstein distance between two equal-size empirical sets (uniform weights): the optimal coupling of
 * equal uniform masses is a permutation (Birkhoff), found by the O(n³) assignment solver on squared Euclidean costs.
 */
import { solveAssignment } from "../pairing/assignment.js";
import { OptionError } from "../errors.js";
import { pairwiseSqDist, pointCount } from "./distance.js";

/** Largest set size wasserstein2 accepts (an n×n cost matrix and an O(n³) solve; n = 2000 takes about a second). */
export const W2_MAX_POINTS = 2000;

/**
 * W2 = sqrt(min over permutations σ of mean_i ‖x_i − y_σ(i)‖²) for row-major `[n, dim]` sets of equal size
 * 1 ≤ n ≤ {@link W2_MAX_POINTS}. For y = x + c it is exactly ‖c‖.
 */
export function wasserstein2(x: Float64Array, y: Float64Array, dim: number): number {
  const nx = pointCount(x, dim, "wasserstein2", "x");
  const ny = pointCount(y, dim, "wasserstein2", "y");
  if (nx !== ny) {
    throw new OptionError(
      `wasserstein2: expected sets of equal size, got ${nx} and ${ny} points; subsample both to the same size ` +
        `(at most ${W2_MAX_POINTS}) or use slicedWasserstein2`,
    );
  }
  if (nx === 0) throw new OptionError("wasserstein2: expected non-empty sets, got 0 points");
  if (nx > W2_MAX_POINTS) {
    throw new OptionError(
      `wasserstein2: ${nx} points per set exceeds the exact-OT limit of ${W2_MAX_POINTS}; subsample both sets to ` +
        `at most ${W2_MAX_POINTS} points or use slicedWasserstein2`,
    );
  }
  const { cost } = solveAssignment(pairwiseSqDist(x, y, dim), nx);
  return Math.sqrt(Math.max(0, cost / nx));
}
