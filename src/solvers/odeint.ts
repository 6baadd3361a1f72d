/**
 * `odeint`: integrate dx/dt = f(t, x) with a method from the registry. One entry point for sampling (t: 0 -> 1)
 * and likelihood (t: 1 -> 0); see OdeOptions for the knobs.
 */
import type { Array } from "../engine/index.js";
import { getSolver } from "./registry.js";
import type { OdeFunc, OdeOptions, OdeResult } from "./types.js";

export const DEFAULT_METHOD = "dopri5";

/**
 * Integrates f from x0 over [t0, t1] (default 0 -> 1; descending works). BORROWS x0: the caller still owns it
 * afterwards (also when it throws: OptionError for unknown methods or bad options, or dopri5 exceeding maxSteps)
 * and disposes it when done. The returned arrays are owned by the caller. Fixed-step methods use only array ops,
 * so they can run inside grad/jit; adaptive ones (dopri5) read one scalar per step and cannot.
 *
 * @example
 * ```ts
 * const x0 = np.ones([4, 2]);
 * const { x, nfe } = odeint((t, x) => x.mul(-1), x0, { method: "rk4", steps: 20 }); // x ≈ e⁻¹
 * x0.dispose(); // still ours
 * x.dispose();
 * // A model's field: odeint(model.odeFunc(), x0, { t0: 1, t1: 0 }) runs it backwards.
 * ```
 */
export function odeint(f: OdeFunc, x0: Array, options: OdeOptions = {}): OdeResult {
  const solver = getSolver(options.method ?? DEFAULT_METHOD);
  return solver.solve(f, x0.ref, options);
}
