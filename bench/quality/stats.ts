/** KL(p‖q) from per-point log densities, and mean ± standard error over seeds. */

/** mean(log p − log q) over points drawn from p: the Monte Carlo KL(p‖q); NaN when lengths differ. */
export function klEstimate(logp: ArrayLike<number>, logq: ArrayLike<number>): number {
  if (logp.length !== logq.length || logp.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < logp.length; i++) s += logp[i]! - logq[i]!;
  return s / logp.length;
}

/** Mean and standard error (sample std / √n; 0 for one value) of finite values; null when there are none. */
export function meanSe(values: readonly number[]): { mean: number; se: number; n: number } | null {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const se = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length) : 0;
  return { mean, se, n: v.length };
}

/** The values of a one-column CSV with a header line (eval's --logp-out). */
export function readColumn(text: string): Float64Array {
  const lines = text.trim().split("\n").slice(1);
  return Float64Array.from(lines, Number);
}
