/**
 * `odeint`: integrate dx/dt = f(t, x) with a method from the registry. One entry point for sampling (t: 0 -> 1)
 * and likelihood (t: 1 -> 0); see OdeOptions for the knobs.
 */
import type { Array } from "../engine/index.js";
import { getSolver } from "./registry.js";
import type { OdeFunc, OdeOptions, OdeResult } from "./types.js";

export const DEFAULT_METHOD = "dopri5";

/**
 * Integrates f from x0 over [t0, t1] (default 0 -> 1; descending works). Consumes x0, also when it throws
 * (OptionError for unknown methods or bad options, or dopri5 exceeding maxSteps). The returned arrays are owned by
 * the caller. Fixed-step methods use only array ops, so they can run inside grad/jit; dopri5 reads one scalar
 * per step and cannot.
 */
export function odeint(f: OdeFunc, x0: Array, options: OdeOptions = {}): OdeResult {
  let solver;
  try {
    solver = getSolver(options.method ?? DEFAULT_METHOD);
  } catch (e) {
    x0.dispose();
    throw e;
  }
  return solver.solve(f, x0, options);
}
