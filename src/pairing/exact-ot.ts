/**
 * Minibatch exact optimal transport (Tong et al. 2023; Pooladian et al. 2023): within a batch of n noise and n data
 * samples, pair them by the permutation that minimizes Σ_i |x0_i − x1_π(i)|², solved exactly by the linear
 * assignment solver. Every x0 and every x1 is used exactly once (a permutation, not sampling from the plan with
 * replacement), so the batch keeps its marginals. O(n³) worst case, fast in practice for n ≤ a few thousand.
 */
import { solveAssignment } from "./assignment.js";
import { batchSize, gatherRows, squaredDistances, type Pairing, type PairedBatch } from "./pairing.js";

/** Result of {@link exactOtPairing}: x0 row i goes with x1 row perm[i]; cost = Σ_i |x0_i − x1_perm[i]|². */
export interface OtPairing {
  perm: Int32Array;
  cost: number;
}

/** The optimal permutation for host batches x0, x1 [n, dim]. */
export function exactOtPairing(x0: Float64Array, x1: Float64Array, dim: number): OtPairing {
  const n = batchSize("exact OT pairing", x0, x1, dim);
  const { perm, cost } = solveAssignment(squaredDistances(x0, x1, n, dim), n);
  return { perm, cost };
}

export const exactOt: Pairing = {
  name: "ot",
  pair(x0, x1, dim): PairedBatch {
    const { perm } = exactOtPairing(x0, x1, dim);
    return { x0, x1: gatherRows(x1, perm, dim), cols: perm };
  },
};
