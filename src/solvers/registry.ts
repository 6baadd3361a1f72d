/**
 * Solver registry: odeint looks methods up by name here, and plug-ins (or tests) can add their own with
 * `registerSolver` — any Solver, or `registerSolver(rungeKutta(tableau))` for a new Butcher tableau. Lookups go
 * through own properties only, so names like "toString" are not solvers.
 */
import { OptionError } from "../errors.js";
import { dopri5, euler, heun, midpoint, rk4 } from "./methods.js";
import type { Tableau } from "./tableaux.js";
import type { Solver } from "./types.js";

export const solvers: Record<string, Solver> = Object.create(null) as Record<string, Solver>;

/** Adds (or replaces) a solver under `s.name`. */
export function registerSolver(s: Solver): void {
  if (typeof s?.name !== "string" || s.name.length === 0 || typeof s.solve !== "function") {
    throw new OptionError("registerSolver: a solver needs a non-empty string name and a solve function");
  }
  solvers[s.name] = s;
}

/** The registered method names, in registration order. */
export function solverNames(): string[] {
  return Object.keys(solvers);
}

/** The solver registered as `name`; OptionError listing the valid names otherwise. */
export function getSolver(name: string): Solver {
  if (typeof name === "string" && Object.prototype.hasOwnProperty.call(solvers, name)) return solvers[name]!;
  throw new OptionError(`odeint: unknown method '${String(name)}'; valid methods: ${solverNames().join(", ")}`);
}

/** The Butcher tableau of the registered method `name` (for `solveOnGrid`); OptionError when it has none. */
export function getTableau(name: string): Tableau {
  const s = typeof name === "string" && Object.prototype.hasOwnProperty.call(solvers, name) ? solvers[name] : undefined;
  if (!s?.tableau) {
    const valid = Object.values(solvers).filter((v) => v.tableau).map((v) => v.name);
    throw new OptionError(`unknown Runge–Kutta method "${String(name)}"; valid: ${valid.join(", ")}`);
  }
  return s.tableau;
}

for (const s of [euler, midpoint, heun, rk4, dopri5]) registerSolver(s);
