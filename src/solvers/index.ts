/** ODE solvers: odeint, the registry, and the individual methods. */
export type { OdeFunc, OdeOptions, OdeResult, Solver } from "./types.js";
export { odeint, DEFAULT_METHOD } from "./odeint.js";
export { solvers, registerSolver, solverNames, getSolver } from "./registry.js";
export { euler, eulerStep } from "./euler.js";
export { midpoint, midpointStep } from "./midpoint.js";
export { heun, heunStep } from "./heun.js";
export { rk4, rk4Step } from "./rk4.js";
export { dopri5, DOPRI5_DEFAULTS } from "./dopri5.js";
export { fixedStepSolve, timeGrid, mulScalar, type StepFn } from "./common.js";
export { tableaux, getTableau, rkStepArrayTime, solveOnGrid, type Tableau, type ArrayTimeFunc } from "./tableau.js";
