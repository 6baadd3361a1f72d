/** Explicit midpoint rule, order 2: the slope at the Euler half-step. Two evaluations per step. */
import type { Array } from "../engine/index.js";
import { fixedStepSolve, mulScalar, type StepFn } from "./common.js";
import type { OdeFunc, OdeOptions, Solver } from "./types.js";

export const midpointStep: StepFn = (f, t, h, x) => {
  const k1 = f(t, x.ref);
  const k2 = f(t + h / 2, x.ref.add(mulScalar(k1, h / 2)));
  return x.add(mulScalar(k2, h));
};

export const midpoint: Solver = {
  name: "midpoint",
  order: 2,
  adaptive: false,
  solve: (f: OdeFunc, x0: Array, opts: OdeOptions) => fixedStepSolve(midpointStep, 2, f, x0, opts),
};
