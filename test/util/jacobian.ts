/**
 * Test helpers: per-sample Jacobians of a batched map by forward-mode autodiff (one-hot tangents, one jvp per
 * input coordinate), and log|det| on the host in float64 by LU with partial pivoting.
 */
import { np, jvp, type Array } from "../../src/engine/index.js";

/**
 * J[b] = ∂f(x)[b] / ∂x[b] for a map f: [B, D] → [B, D] that acts row by row. Returns B row-major D×D matrices.
 * Does not consume x. `f` must consume its argument.
 */
export function batchJacobians(f: (x: Array) => Array, x: Array): Float64Array[] {
  const [B, D] = x.shape as [number, number];
  const J = globalThis.Array.from({ length: B }, () => new Float64Array(D * D));
  for (let j = 0; j < D; j++) {
    const e = new Float64Array(B * D);
    for (let b = 0; b < B; b++) e[b * D + j] = 1;
    const t = np.array(e, { dtype: np.float64 }).reshape([B, D]).astype(x.dtype);
    const [y, dy] = jvp(f, [x.ref], [t]) as unknown as [Array, Array];
    y.dispose();
    const col = dy.dataSync() as Float32Array;
    for (let b = 0; b < B; b++) for (let i = 0; i < D; i++) J[b]![i * D + j] = col[b * D + i]!;
  }
  return J;
}

/** log|det A| of a row-major n×n matrix, in float64 (LU with partial pivoting). */
export function logAbsDet(a: Float64Array, n: number): number {
  const m = Float64Array.from(a);
  let s = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[p * n + k]!)) p = i;
    if (p !== k) for (let j = 0; j < n; j++) [m[k * n + j], m[p * n + j]] = [m[p * n + j]!, m[k * n + j]!];
    const piv = m[k * n + k]!;
    if (piv === 0) return -Infinity;
    s += Math.log(Math.abs(piv));
    for (let i = k + 1; i < n; i++) {
      const l = m[i * n + k]! / piv;
      for (let j = k; j < n; j++) m[i * n + j]! -= l * m[k * n + j]!;
    }
  }
  return s;
}

/** log|det ∂f/∂x| per row of x (not consumed), by autodiff + host LU. */
export function autodiffLogDets(f: (x: Array) => Array, x: Array): Float64Array {
  const D = x.shape[1]!;
  return Float64Array.from(batchJacobians(f, x), (J) => logAbsDet(J, D));
}
