/**
 * Option checks and the time grid shared by all solvers, plus the driver of the fixed-step methods (which only
 * differ in their one-step map). Kept free of host readbacks so fixed-step solves can be traced by grad/jit.
 */
import { materialize, mulScalar, type Array as JArray } from "../engine/index.js";
import { OptionError } from "../errors.js";
import type { OdeFunc, OdeOptions, OdeResult } from "./types.js";

// Re-exported for the step functions; it lives in the engine beside `f64`.
export { mulScalar };

export const DEFAULT_STEPS = 100;

function finiteNumber(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new OptionError(`odeint: option '${name}' must be a finite number, got ${String(v)}`);
  }
  return v;
}

/** A positive integer option (steps, maxSteps), or its default when undefined. */
export function positiveInt(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new OptionError(`odeint: option '${name}' must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** A positive finite number option (firstStep), or undefined. */
export function positiveNumber(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = finiteNumber(name, v);
  if (!(n > 0)) throw new OptionError(`odeint: option '${name}' must be > 0, got ${n}`);
  return n;
}

/** A non-negative finite number option (rtol, atol) with a default. */
export function nonNegative(name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const n = finiteNumber(name, v);
  if (n < 0) throw new OptionError(`odeint: option '${name}' must be >= 0, got ${n}`);
  return n;
}

/** Start and end time: from `times` when given (t0/t1 must then agree with its ends), else t0/t1 (default 0 -> 1). */
export function timeSpan(opts: OdeOptions): { t0: number; t1: number } {
  if (opts.times !== undefined) {
    const times = checkedTimes(opts);
    return { t0: times[0]!, t1: times[times.length - 1]! };
  }
  const t0 = opts.t0 === undefined ? 0 : finiteNumber("t0", opts.t0);
  const t1 = opts.t1 === undefined ? 1 : finiteNumber("t1", opts.t1);
  return { t0, t1 };
}

function checkedTimes(opts: OdeOptions): number[] {
  const times = opts.times;
  if (!Array.isArray(times) || times.length < 2) {
    throw new OptionError(`odeint: option 'times' must be an array of at least 2 numbers`);
  }
  times.forEach((t, i) => finiteNumber(`times[${i}]`, t));
  const dir = Math.sign(times[1]! - times[0]!);
  for (let i = 1; i < times.length; i++) {
    if (dir === 0 || Math.sign(times[i]! - times[i - 1]!) !== dir) {
      throw new OptionError(
        `odeint: option 'times' must be strictly monotone; times[${i - 1}] = ${times[i - 1]}, times[${i}] = ${times[i]}`,
      );
    }
  }
  const n = times.length;
  if (opts.t0 !== undefined && opts.t0 !== times[0]) {
    throw new OptionError(`odeint: t0 = ${opts.t0} disagrees with times[0] = ${times[0]}`);
  }
  if (opts.t1 !== undefined && opts.t1 !== times[n - 1]) {
    throw new OptionError(`odeint: t1 = ${opts.t1} disagrees with times[${n - 1}] = ${times[n - 1]}`);
  }
  return times.slice();
}

/** The grid: a copy of `times` when given, else steps+1 uniform points from t0 to t1 (ends exact). */
export function timeGrid(opts: OdeOptions): number[] {
  if (opts.times !== undefined) return checkedTimes(opts);
  const { t0, t1 } = timeSpan(opts);
  const steps = positiveInt("steps", opts.steps, DEFAULT_STEPS);
  const grid = new Array<number>(steps + 1);
  for (let i = 0; i <= steps; i++) grid[i] = t0 + ((t1 - t0) * i) / steps;
  grid[steps] = t1;
  return grid;
}

/** One step of a fixed-step method: consumes x, returns x(t + h). `h` is signed. */
export type StepFn = (f: OdeFunc, t: number, h: number, x: JArray) => JArray;

/** Runs a one-step method over the grid of `opts`. Consumes x0 (also when the options are invalid). */
export function fixedStepSolve(step: StepFn, evalsPerStep: number, f: OdeFunc, x0: JArray, opts: OdeOptions): OdeResult {
  let grid: number[];
  try {
    grid = timeGrid(opts);
  } catch (e) {
    x0.dispose();
    throw e;
  }
  const trajectory = opts.trajectory ? [x0.ref] : undefined;
  let x = x0;
  for (let i = 0; i + 1 < grid.length; i++) {
    x = step(f, grid[i]!, grid[i + 1]! - grid[i]!, x);
    materialize(x);
    trajectory?.push(x.ref);
  }
  const result: OdeResult = { x, nfe: evalsPerStep * (grid.length - 1) };
  if (trajectory) {
    result.ts = grid;
    result.trajectory = trajectory;
  }
  return result;
}
