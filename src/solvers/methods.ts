/**
 * Solvers made from tableaux: `rungeKutta(tab)` turns any explicit tableau into a registry solver — fixed-step
 * when it has only solution weights, adaptive (error-controlled, see adaptive.ts) when it carries an embedded pair.
 * The built-ins are exactly this applied to the coefficient sets in tableaux.ts.
 *
 * @example
 * // Ralston's second-order method, registered in a few lines and used by name:
 * registerSolver(rungeKutta({ name: "ralston", order: 2, c: [0, 2 / 3], a: [[], [2 / 3]], b: [1 / 4, 3 / 4] }));
 * const { x } = odeint(f, x0, { method: "ralston", steps: 20 });
 */
import type { Array } from "../engine/index.js";
import { adaptiveSolve } from "./adaptive.js";
import { fixedStepSolve, type StepFn } from "./common.js";
import { fixedStep, solutionStages } from "./runge-kutta.js";
import { checkTableau, tableaux, type Tableau } from "./tableaux.js";
import type { OdeFunc, OdeOptions, Solver } from "./types.js";

/** The registry solver for an explicit tableau (validated; OptionError when malformed). */
export function rungeKutta(tab: Tableau): Solver {
  checkTableau(tab);
  if (tab.bHat !== undefined) {
    return { name: tab.name, order: tab.order, adaptive: true, tableau: tab, solve: (f, x0, opts) => adaptiveSolve(tab, f, x0, opts) };
  }
  const step = fixedStep(tab);
  const evals = solutionStages(tab);
  return {
    name: tab.name,
    order: tab.order,
    adaptive: false,
    tableau: tab,
    solve: (f: OdeFunc, x0: Array, opts: OdeOptions) => fixedStepSolve(step, evals, f, x0, opts),
  };
}

export const euler = rungeKutta(tableaux.euler!);
export const midpoint = rungeKutta(tableaux.midpoint!);
export const heun = rungeKutta(tableaux.heun!);
export const rk4 = rungeKutta(tableaux.rk4!);
export const dopri5 = rungeKutta(tableaux.dopri5!);

/** One-step maps (JS-number time) of the fixed-step built-ins: consume x, return x(t + h). */
export const eulerStep: StepFn = fixedStep(tableaux.euler!);
export const midpointStep: StepFn = fixedStep(tableaux.midpoint!);
export const heunStep: StepFn = fixedStep(tableaux.heun!);
export const rk4Step: StepFn = fixedStep(tableaux.rk4!);
