/** Classical fourth-order Runge–Kutta. Four evaluations per step. */
import type { Array } from "../engine/index.js";
import { fixedStepSolve, mulScalar, type StepFn } from "./common.js";
import type { OdeFunc, OdeOptions, Solver } from "./types.js";

export const rk4Step: StepFn = (f, t, h, x) => {
  const k1 = f(t, x.ref);
  const k2 = f(t + h / 2, x.ref.add(mulScalar(k1.ref, h / 2)));
  const k3 = f(t + h / 2, x.ref.add(mulScalar(k2.ref, h / 2)));
  const k4 = f(t + h, x.ref.add(mulScalar(k3.ref, h)));
  const sum = k1.add(mulScalar(k2.add(k3), 2)).add(k4);
  return x.add(mulScalar(sum, h / 6));
};

export const rk4: Solver = {
  name: "rk4",
  order: 4,
  adaptive: false,
  solve: (f: OdeFunc, x0: Array, opts: OdeOptions) => fixedStepSolve(rk4Step, 4, f, x0, opts),
};
