/**
 * Inverting an autoregressive transform by fixed-point iteration, shared by MAF and autoregressive spline flows.
 *
 * For an autoregressive y = τ(x; θ(x)) — the parameters of dimension i depend only on the dimensions before i in
 * the order — the inverse is sequential. Rather than updating one dimension per pass we repeat the full parallel
 * update x ← τ⁻¹(y; θ(x)) D times starting from x = 0: after pass k the first k dimensions in the order are exact
 * (induction: dimension i's parameters only read dimensions that were already exact), so D passes give the exact
 * inverse with no per-step masking, and the order never has to be known here. The derivative is exact too: the
 * update's Jacobian in x is strictly triangular (nilpotent), so its D-fold product vanishes and autodiff through
 * the loop yields ∂x/∂y of the true inverse. The log-determinant of the last pass is the inverse's: by then the
 * parameters were computed from the exact x.
 */
import { np, materialize, type Array } from "../engine/index.js";
import type { InverseResult } from "./types.js";

/**
 * `step(x)` consumes the current iterate and returns the parallel update τ⁻¹(y; θ(x)) with its log|det| per sample
 * ([B]); it must close over y (with `.ref`) itself. `like` gives the shape/dtype of the start x = 0 (not consumed).
 */
export function invertAutoregressive(D: number, like: Array, step: (x: Array) => InverseResult): InverseResult {
  let x = np.zerosLike(like.ref);
  let logDet: Array | undefined;
  for (let k = 0; k < D; k++) {
    logDet?.dispose();
    const r = step(x);
    x = r.x;
    logDet = r.logDet;
    materialize(x);
  }
  return { x, logDet: logDet! };
}
