/**
 * Schrödinger-bridge conditional flow matching (Tong et al. 2023, "SB-CFM"; torchcfm's
 * SchrodingerBridgeConditionalFlowMatcher), in this library's convention t = 0 is noise, t = 1 is data.
 *
 * Pairing: (x0, x1) pairs are drawn from the entropic OT plan between the batches with absolute regularization
 * ε = 2σ² on the squared Euclidean cost |x0 − x1|² — the static Schrödinger bridge for Brownian motion σ·W.
 * (torchcfm's class defaults to the exact-OT plan "as faster in practice"; here `otMethod: "exact"` does that, the
 * default is the entropic plan the theory asks for.)
 *
 * Path: the Brownian bridge between the pair,
 *   x_t = μ_t + σ_t·ε,  μ_t = t·x1 + (1 − t)·x0,  σ_t = σ·√(t(1 − t)),  ε ~ N(0, I),
 * and the target is its time derivative along fixed (x0, x1, ε),
 *   u_t = dμ_t/dt + (dσ_t/dt)·ε = (x1 − x0) + (1 − 2t)/(2t(1 − t))·(x_t − μ_t),
 * since dσ_t/dt = σ(1 − 2t)/(2√(t(1 − t))) = σ_t·(1 − 2t)/(2t(1 − t)).
 */
import type { Rng } from "../engine/index.js";
import { OptionError, ShapeError } from "../errors.js";
import { batchSize, gatherRows, squaredDistances, type Pairing } from "./pairing.js";
import { exactOtPairing } from "./exact-ot.js";
import { pairsFromPlan, sinkhorn, sinkhornPlanFromCost, type SinkhornOptions } from "./sinkhorn.js";

export interface SchrodingerBridgeOptions {
  /** Brownian-motion scale σ > 0 of the bridge; the entropic regularization is 2σ². Default 1. */
  sigma?: number;
  /** "sinkhorn" (default): pairs from the entropic plan; "exact": the exact-OT permutation, as torchcfm defaults. */
  otMethod?: "sinkhorn" | "exact";
  /** Sinkhorn sweeps and tolerance (see SinkhornOptions). */
  iterations?: number;
  tol?: number;
}

export function schrodingerBridge(
  options: SchrodingerBridgeOptions = {},
): Pairing & { readonly sigma: number; readonly otMethod: "sinkhorn" | "exact" } {
  const sigma = options.sigma ?? 1;
  const otMethod = options.otMethod ?? "sinkhorn";
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new OptionError(`sb pairing: expected sigma > 0, got ${sigma}`);
  if (otMethod !== "sinkhorn" && otMethod !== "exact") {
    throw new OptionError(`sb pairing: unknown otMethod "${otMethod}"; valid: sinkhorn, exact`);
  }
  const sk: Omit<SinkhornOptions, "reg"> = sinkhorn({ iterations: options.iterations, tol: options.tol }).options; // validated
  return {
    name: "sb",
    sigma,
    otMethod,
    pair(x0, x1, dim, rng: Rng) {
      const n = batchSize("sb pairing", x0, x1, dim);
      if (otMethod === "exact") {
        const { perm } = exactOtPairing(x0, x1, dim);
        return { x0, x1: gatherRows(x1, perm, dim), cols: perm };
      }
      const { plan } = sinkhornPlanFromCost(squaredDistances(x0, x1, n, dim), n, 2 * sigma * sigma, sk);
      return pairsFromPlan(x0, x1, dim, plan, rng);
    },
  };
}

/** Bridge sample x_t and target u_t, row-major [n, dim]. */
export interface BridgeSample {
  xt: Float64Array;
  ut: Float64Array;
}

/**
 * The Brownian-bridge point and its target for paired host batches: x0, x1, eps [n, dim], t [n] (t = 0 is noise,
 * t = 1 is data), bridge scale σ ≥ 0 (σ = 0 gives the straight CondOT path and target x1 − x0).
 *
 * Endpoints: at t = 0 or 1 the noise term σ_t·ε vanishes while its factor (1 − 2t)/(2t(1 − t)) is infinite; the
 * product is taken as 0 there (u = x1 − x0), as torchcfm's 1e-8 guard does. Close to the endpoints the target is
 * large (it grows like σ·|ε|/(2√t)), which is the bridge's true velocity.
 */
export function bridgeSample(
  x0: Float64Array, x1: Float64Array, t: Float64Array, eps: Float64Array, sigma: number, dim: number,
): BridgeSample {
  const n = batchSize("bridgeSample", x0, x1, dim);
  if (t.length !== n) throw new ShapeError(`bridgeSample: expected t of shape [${n}], got ${t.length} values`);
  if (eps.length !== n * dim) throw new ShapeError(`bridgeSample: expected eps of shape [${n}, ${dim}], got ${eps.length} values`);
  if (!(Number.isFinite(sigma) && sigma >= 0)) throw new OptionError(`bridgeSample: expected sigma >= 0, got ${sigma}`);
  const xt = new Float64Array(n * dim), ut = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const ti = t[i];
    const v = ti * (1 - ti);
    const sd = sigma * Math.sqrt(Math.max(v, 0)); // σ_t
    const ratio = v > 0 ? (1 - 2 * ti) / (2 * v) : 0; // σ_t'/σ_t
    for (let k = i * dim; k < (i + 1) * dim; k++) {
      const noise = sd * eps[k]; // x_t − μ_t
      xt[k] = ti * x1[k] + (1 - ti) * x0[k] + noise;
      ut[k] = x1[k] - x0[k] + ratio * noise;
    }
  }
  return { xt, ut };
}
