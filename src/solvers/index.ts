/** ODE solvers: odeint, the registry, and the Butcher tableaux every built-in method is made of. */
export type { OdeFunc, OdeOptions, OdeResult, Solver } from "./types.js";
export { odeint, DEFAULT_METHOD } from "./odeint.js";
export { solvers, registerSolver, solverNames, getSolver, getTableau } from "./registry.js";
export { rungeKutta, euler, midpoint, heun, rk4, dopri5, eulerStep, midpointStep, heunStep, rk4Step } from "./methods.js";
export { DOPRI5_DEFAULTS } from "./adaptive.js";
export { fixedStepSolve, timeGrid, mulScalar, type StepFn } from "./common.js";
export { tableaux, checkTableau, type Tableau } from "./tableaux.js";
export { rkStep, rkStepArrayTime, solveOnGrid, numberTime, arrayTime, type ArrayTimeFunc, type TimeOps } from "./runge-kutta.js";
