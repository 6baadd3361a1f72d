/** Heun's method (explicit trapezoid), order 2: average of the slopes at both ends. Two evaluations per step. */
import type { Array } from "../engine/index.js";
import { fixedStepSolve, mulScalar, type StepFn } from "./common.js";
import type { OdeFunc, OdeOptions, Solver } from "./types.js";

export const heunStep: StepFn = (f, t, h, x) => {
  const k1 = f(t, x.ref);
  const k2 = f(t + h, x.ref.add(mulScalar(k1.ref, h)));
  return x.add(mulScalar(k1.add(k2), h / 2));
};

export const heun: Solver = {
  name: "heun",
  order: 2,
  adaptive: false,
  solve: (f: OdeFunc, x0: Array, opts: OdeOptions) => fixedStepSolve(heunStep, 2, f, x0, opts),
};
