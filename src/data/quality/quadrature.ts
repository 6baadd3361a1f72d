/**
 * Numerical helpers for the quality suite's exact densities: Gauss–Legendre nodes (for integrals along curves) and
 * a log-sum-exp that stays exact where every term underflows (points far from all the mass).
 */

/** The n-point Gauss–Legendre rule on [−1, 1]: nodes ascending, weights summing to 2 (Newton on P_n). */
export function gaussLegendre(n: number): { nodes: Float64Array; weights: Float64Array } {
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5)); // Tricomi's initial guess of the (i+1)-th largest root
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      let p0 = 1, p1 = x;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * x * p1 - (k - 1) * p0) / k];
      dp = (n * (x * p1 - p0)) / (x * x - 1);
      const dx = p1 / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-16) break;
    }
    nodes[n - 1 - i] = x;
    weights[n - 1 - i] = 2 / ((1 - x * x) * dp * dp);
  }
  return { nodes, weights };
}

/**
 * log Σ exp(e_k) over `e[0..len)`, terms more than 60 nats below the largest skipped (their share is < 1e-26).
 * −Infinity when every term is −Infinity.
 */
export function logSumExp(e: Float64Array, len = e.length): number {
  let best = -Infinity;
  for (let k = 0; k < len; k++) if (e[k]! > best) best = e[k]!;
  if (best === -Infinity || !Number.isFinite(best)) return best;
  let s = 0;
  const floor = best - 60;
  for (let k = 0; k < len; k++) if (e[k]! > floor) s += Math.exp(e[k]! - best);
  return best + Math.log(s);
}
