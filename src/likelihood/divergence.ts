/**
 * Divergence of a velocity field, div v(x, t) = tr ∂v/∂x, per sample.
 *
 * - `exactDivergence`: batched forward mode. The batch is repeated D times and pushed through one `jvp` with
 *   one-hot tangents (copy i carries e_i), so the i-th copy's tangent output is column i of the Jacobian; the
 *   trace is the sum of the diagonal entries. Cost ≈ D × (forward + tangent) — the right tool for small D.
 *   (vmap(jacfwd(f)) crashes on an MLP in jax-js; this single batched jvp is also cheaper.)
 * - `hutchinsonDivergence`: unbiased estimate E[εᵀ(∂v/∂x)ε] with K probes ε (Rademacher or Gaussian) given by the
 *   caller. The probes must stay fixed for a whole ODE solve (re-drawing them inside makes adaptive solvers see a
 *   noisy right-hand side and blow up), which is why they are an argument and not drawn here.
 *
 * Both also return v itself and, on request, ‖∂v/∂x‖²_F (exact) or its estimate ‖(∂v/∂x)ε‖² (Hutchinson), the
 * Jacobian-Frobenius regularizer of RNODE. Everything is traceable (jit/grad).
 */
import { np, jvp, Rng, fromHost, type Array, type DType } from "../engine/index.js";

/** A velocity field v(x, t): x [B, D] and t (scalar or [B]; t = 0 is noise, t = 1 is data), both consumed. */
export type Field = (x: Array, t: Array) => Array;

export interface DivergenceResult {
  /** v(x, t), [B, D]. */
  v: Array;
  /** div v per sample, [B]. */
  div: Array;
  /** ‖∂v/∂x‖²_F per sample (exact or estimated), [B]; only when asked for. */
  frob?: Array;
}

/** Repeats x [B, D] k times along the batch: [k·B, D] (copy-major). Consumes x. */
function repeatBatch(x: Array, k: number): Array {
  const [B, D] = x.shape as [number, number];
  return np.broadcastTo(x.reshape([1, B, D]), [k, B, D]).reshape([k * B, D]);
}

/** t repeated to match a k-fold repeated batch (a scalar t is left alone). Consumes t. */
function repeatTime(t: Array, k: number): Array {
  if (t.ndim === 0) return t;
  const B = t.shape[0]!;
  return np.broadcastTo(t.reshape([1, B]), [k, B]).reshape([k * B]);
}

/** Exact divergence by one batched jvp with one-hot tangents. Consumes x and t. */
export function exactDivergence(f: Field, x: Array, t: Array, o: { frobenius?: boolean } = {}): DivergenceResult {
  const [B, D] = x.shape as [number, number];
  const xs = repeatBatch(x, D);
  const ts = repeatTime(t, D);
  // Copy i of the batch gets tangent e_i: eye(D) [D, 1, D] broadcast over B.
  const eye = np.broadcastTo(np.eye(D, undefined, { dtype: xs.dtype }).reshape([D, 1, D]), [D, B, D]).reshape([D * B, D]);
  const [vs, dvs] = jvp((z: Array) => f(z, ts), [xs], [eye.ref]) as unknown as [Array, Array];
  const v = vs.slice([0, B]);
  const frob = o.frobenius ? np.square(dvs.ref).reshape([D, B, D]).sum(2).sum(0) : undefined;
  const div = dvs.mul(eye).reshape([D, B, D]).sum(2).sum(0);
  return frob ? { v, div, frob } : { v, div };
}

/**
 * Hutchinson's estimator with the probes `eps` [K, B, D] (consumed; see `drawProbes`): mean over k of
 * ε_kᵀ (∂v/∂x) ε_k. Consumes x and t.
 */
export function hutchinsonDivergence(f: Field, x: Array, t: Array, eps: Array, o: { frobenius?: boolean } = {}): DivergenceResult {
  const [B, D] = x.shape as [number, number];
  const K = eps.shape[0]!;
  if (eps.ndim !== 3 || eps.shape[1] !== B || eps.shape[2] !== D) {
    throw new Error(`hutchinsonDivergence: probes have shape [${eps.shape}], expected [K, ${B}, ${D}]`);
  }
  const e = eps.reshape([K * B, D]);
  const [vs, jv] = jvp((z: Array) => f(z, repeatTime(t, K)), [repeatBatch(x, K)], [e.ref]) as unknown as [Array, Array];
  const v = vs.slice([0, B]);
  const frob = o.frobenius ? np.square(jv.ref).reshape([K, B, D]).sum(2).mean(0) : undefined;
  const div = jv.mul(e).reshape([K, B, D]).sum(2).mean(0);
  return frob ? { v, div, frob } : { v, div };
}

export type ProbeKind = "rademacher" | "gaussian";

/** K probe vectors per sample, [K, B, D], from the host rng: ±1 (Rademacher) or N(0, 1) entries. */
export function drawProbes(rng: Rng, K: number, B: number, D: number, kind: ProbeKind, dtype: DType): Array {
  const n = K * B * D;
  const data = kind === "gaussian" ? rng.normals(n) : Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1));
  return fromHost(data, [K, B, D], dtype);
}
