/** Forward Euler, order 1: x += h·f(t, x). One evaluation per step. */
import type { Array } from "../engine/index.js";
import { fixedStepSolve, mulScalar, type StepFn } from "./common.js";
import type { OdeFunc, OdeOptions, Solver } from "./types.js";

export const eulerStep: StepFn = (f, t, h, x) => {
  const k1 = f(t, x.ref);
  return x.add(mulScalar(k1, h));
};

export const euler: Solver = {
  name: "euler",
  order: 1,
  adaptive: false,
  solve: (f: OdeFunc, x0: Array, opts: OdeOptions) => fixedStepSolve(eulerStep, 1, f, x0, opts),
};
