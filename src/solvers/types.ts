/**
 * Shared types of the ODE solvers. A field `f(t, x)` follows the engine's ownership rule: it consumes `x` and
 * returns a new array `dx/dt` of x's shape and dtype. Time is a plain JS number so that the fixed-step solvers can
 * run under `grad`/`jit` tracing without host readbacks.
 */
import type { Array } from "../engine/index.js";
import type { Tableau } from "./tableaux.js";

/** dx/dt = f(t, x). Consumes `x`; returns an array with x's shape and dtype. */
export type OdeFunc = (t: number, x: Array) => Array;

export interface OdeOptions {
  /** Registry name: "euler" | "midpoint" | "heun" | "rk4" | "dopri5" (or anything registered). Default "dopri5". */
  method?: string;
  /** Start time (default 0). */
  t0?: number;
  /** End time (default 1). `t1 < t0` integrates backwards in time. */
  t1?: number;
  /** Fixed-step methods: number of uniform steps (default 100). Also the uniform output grid of `trajectory`. */
  steps?: number;
  /**
   * Strictly monotone time grid (at least 2 points); overrides t0/t1 (which, if given, must equal its ends).
   * Fixed-step methods step exactly on this grid; dopri5 steps exactly onto each of its points.
   */
  times?: number[];
  /** Adaptive methods (dopri5): relative tolerance (default 1e-5). */
  rtol?: number;
  /** Adaptive methods: absolute tolerance (default 1e-5). */
  atol?: number;
  /** Adaptive methods: limit on accepted + rejected steps (default 10000); exceeding it throws OptionError. */
  maxSteps?: number;
  /** Adaptive methods: initial step size (magnitude); default: the Hairer–Nørsett–Wanner initial-step heuristic. */
  firstStep?: number;
  /** Also return the states at every grid time (`times`, or the uniform grid of steps+1 points incl. endpoints). */
  trajectory?: boolean;
}

export interface OdeResult {
  /** Final state at t1 (owned by the caller). */
  x: Array;
  /** Number of evaluations of f. */
  nfe: number;
  /** With `trajectory`: the grid times. */
  ts?: number[];
  /** With `trajectory`: the states at `ts` (each owned by the caller; the first is a new reference to x0). */
  trajectory?: Array[];
  /**
   * Adaptive solvers: the grid of accepted steps (t0 first, t1 last). Replaying a fixed-step solve of the same
   * method on this grid reproduces x — the way a differentiable solve reuses an adaptive step selection.
   */
  stepTimes?: number[];
  /** Adaptive solvers: accepted and rejected step counts. */
  stats?: { accepted: number; rejected: number };
}

export interface Solver {
  /** Registry name. */
  name: string;
  /** Order of accuracy of the propagated solution. */
  order: number;
  /** Whether the solver chooses its own step sizes. */
  adaptive: boolean;
  /** The Butcher tableau of a Runge–Kutta solver (what `solveOnGrid` replays under grad); absent for others. */
  tableau?: Tableau;
  /**
   * Integrates `f` from x0 according to `opts`. Consumes x0, even when it throws (`odeint` hands each solver a
   * reference of its own, so callers of `odeint` keep theirs).
   */
  solve(f: OdeFunc, x0: Array, opts: OdeOptions): OdeResult;
}
