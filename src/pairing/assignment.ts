/**
 * Exact linear assignment (min-cost perfect matching of an n×n cost matrix), used by minibatch OT couplings and by
 * the exact W2 metric. Shortest augmenting path with dual potentials (Jonker–Volgenant / Crouse 2016, the algorithm
 * behind scipy's linear_sum_assignment): one Dijkstra-like search per row over reduced costs c_ij − u_i − v_j ≥ 0,
 * O(n³) worst case and much less on random costs, so n = 2000 runs in about a second of host time.
 *
 * Host-side Float64Array code on purpose: the search is branchy and sequential, nothing an array engine speeds up.
 */
import { DataError, ShapeError } from "../errors.js";

/** Result of {@link solveAssignment}. */
export interface Assignment {
  /** Row i is matched to column perm[i]; a permutation of 0..n−1. */
  perm: Int32Array;
  /** Σ_i cost[i, perm[i]]. */
  cost: number;
  /**
   * Optimal dual potentials: u[i] + v[j] ≤ cost[i, j] for all i, j, with equality on matched pairs, so Σu + Σv
   * equals `cost` (a certificate of optimality that tests can check).
   */
  u: Float64Array;
  v: Float64Array;
}

/**
 * Minimum-cost perfect matching of the row-major n×n matrix `cost` (finite values; any sign). Deterministic: ties
 * are broken by index order, preferring unassigned columns.
 */
export function solveAssignment(cost: Float64Array, n: number): Assignment {
  if (!Number.isInteger(n) || n < 0) throw new ShapeError(`solveAssignment: expected an integer n >= 0, got ${n}`);
  if (cost.length !== n * n) {
    throw new ShapeError(`solveAssignment: expected an ${n}x${n} cost matrix (${n * n} values), got ${cost.length}`);
  }
  for (let k = 0; k < cost.length; k++) {
    if (!Number.isFinite(cost[k])) {
      throw new DataError(`solveAssignment: cost[${Math.floor(k / n)}, ${k % n}] is ${cost[k]}; costs must be finite`);
    }
  }
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  const col4row = new Int32Array(n).fill(-1);
  const row4col = new Int32Array(n).fill(-1);
  const path = new Int32Array(n).fill(-1); // predecessor row of each column in the shortest-path tree
  const spc = new Float64Array(n); // shortest path cost to each column
  const remaining = new Int32Array(n); // columns not yet scanned
  const SR = new Uint8Array(n); // rows reached by the current search
  const SC = new Uint8Array(n); // columns scanned by the current search

  for (let curRow = 0; curRow < n; curRow++) {
    // Dijkstra from curRow over reduced costs until an unassigned column is reached.
    spc.fill(Infinity);
    SR.fill(0);
    SC.fill(0);
    let numRemaining = n;
    for (let it = 0; it < n; it++) remaining[it] = n - it - 1;
    let minVal = 0;
    let i = curRow;
    let sink = -1;
    while (sink === -1) {
      SR[i] = 1;
      let index = -1;
      let lowest = Infinity;
      const base = i * n;
      const ui = u[i];
      for (let it = 0; it < numRemaining; it++) {
        const j = remaining[it];
        const r = minVal + cost[base + j] - ui - v[j];
        if (r < spc[j]) {
          path[j] = i;
          spc[j] = r;
        }
        const s = spc[j];
        if (s < lowest || (s === lowest && row4col[j] === -1)) {
          lowest = s;
          index = it;
        }
      }
      minVal = lowest;
      const j = remaining[index];
      if (row4col[j] === -1) sink = j;
      else i = row4col[j];
      SC[j] = 1;
      remaining[index] = remaining[--numRemaining];
    }
    // Update potentials so reduced costs stay ≥ 0 and are 0 along the new matching.
    u[curRow] += minVal;
    for (let r = 0; r < n; r++) {
      if (SR[r] && r !== curRow) u[r] += minVal - spc[col4row[r]];
    }
    for (let c = 0; c < n; c++) {
      if (SC[c]) v[c] -= minVal - spc[c];
    }
    // Augment along the path back to curRow.
    let j = sink;
    for (;;) {
      const r = path[j];
      row4col[j] = r;
      const prev = col4row[r];
      col4row[r] = j;
      j = prev;
      if (r === curRow) break;
    }
  }
  let total = 0;
  for (let r = 0; r < n; r++) total += cost[r * n + col4row[r]];
  return { perm: col4row, cost: total, u, v };
}
