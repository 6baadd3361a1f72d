/**
 * Non-finite results of sampling and evaluation, named by their likely cause. Sampling and log-likelihoods of both
 * families (flow matching through the ODE, normalizing flows in closed form) check their host outputs here and throw
 * a one-line `NumericalError` instead of returning NaN rows or a NaN mean: the CLI then exits 3 with that line.
 *
 * The diagnosis runs only on failure, in this order, and names the first that applies:
 *  1. the weights: a NaN/±Inf leaf, or the largest |w| above `HUGE_WEIGHT` (and the tensor holding it);
 *  2. the data scale: an input row whose standardized value (the training data's standardizer) is non-finite or
 *     more than `FAR_OUT` standard deviations out, with its row, column and value;
 *  3. the solver (flow matching): method and rtol/atol or steps;
 *  4. otherwise the model itself.
 * A log-density of −Inf on finite weights and inputs is an underflow far in the tails: named with its row.
 */
import { toHostF64, type Array } from "../engine/index.js";
import { NumericalError } from "../errors.js";
import { formatNumber as sig } from "../format.js";
import type { Standardizer } from "../data/normalize.js";

/** Weights above this magnitude are reported as the likely cause (trained networks stay far below it). */
export const HUGE_WEIGHT = 1e6;
/** Inputs more than this many standard deviations from the training data's mean are reported as out of range. */
export const FAR_OUT = 1e3;

export interface NumericContext {
  /** The model's parameter tree (borrowed; read back only on failure). */
  params: unknown;
  /** Inputs in data units, row-major [n, dim], when evaluating points (rows are reported 1-based from `rowOffset`). */
  inputs?: Float64Array;
  dim: number;
  rowOffset?: number;
  standardizer?: Standardizer;
  /** Model units per standardized unit (a checkpoint's dataScale, default 1): distances are reported in data stds. */
  dataScale?: number;
  /** The ODE solver (flow matching), named when nothing else is. */
  solver?: { method?: string; rtol?: number; atol?: number; steps?: number };
}

function isArrayLeaf(v: unknown): v is Array {
  return !!v && typeof v === "object" && "dtype" in v && "shape" in v && "dataSync" in v;
}

/** The leaf with the largest |w| (a NaN anywhere wins), by its dotted path. Reads every leaf back. */
export function largestWeight(params: unknown): { path: string; value: number } | undefined {
  let best: { path: string; value: number } | undefined;
  const walk = (v: unknown, path: string): void => {
    if (isArrayLeaf(v)) {
      for (const w of toHostF64(v.ref)) {
        const a = Math.abs(w);
        if (best === undefined || Number.isNaN(a) || (!Number.isNaN(best.value) && a > Math.abs(best.value))) best = { path, value: w };
        if (Number.isNaN(a)) return;
      }
    } else if (v && typeof v === "object") {
      for (const [k, c] of Object.entries(v)) {
        walk(c, path ? `${path}.${k}` : k);
        if (best && Number.isNaN(best.value)) return;
      }
    }
  };
  walk(params, "");
  return best;
}

/** The input value furthest from the training data (in standard deviations), or undefined without inputs. */
function furthestInput(c: NumericContext): { row: number; col: number; value: number; sd: number } | undefined {
  if (!c.inputs) return undefined;
  let far: { row: number; col: number; value: number; sd: number } | undefined;
  for (let k = 0; k < c.inputs.length; k++) {
    const col = k % c.dim;
    const x = c.inputs[k]!;
    const s = c.standardizer;
    const sd = s ? Math.abs(x / s.std[col]! - s.mean[col]! / s.std[col]!) / (c.dataScale ?? 1) : Math.abs(x);
    const key = Number.isNaN(sd) ? Infinity : sd;
    if (far === undefined || key > far.sd) far = { row: Math.floor(k / c.dim), col, value: x, sd: key };
  }
  return far;
}

/** |x − mean| / std, written even where the quotient overflows a double (x near ±1.8e308, a small std): "3.1e+309". */
function stdsApart(x: number, mean: number, std: number): string {
  const q = Math.abs(x / std - mean / std);
  if (Number.isFinite(q)) return sig(q, 2);
  const log10 = Math.log10(Math.abs(x / 2 - mean / 2)) + Math.log10(2) - Math.log10(std);
  const e = Math.floor(log10);
  return `${(10 ** (log10 - e)).toFixed(1)}e+${e}`;
}

function rowName(c: NumericContext, row: number): string {
  return `row ${(c.rowOffset ?? 0) + row + 1}`;
}

/** The likely cause of a non-finite result, as a clause ("huge weights: …"). Reads the weights back. */
export function likelyCause(c: NumericContext): string {
  const w = largestWeight(c.params);
  if (w && !Number.isFinite(w.value)) return `the weights: ${w.path} holds ${w.value}`;
  if (w && Math.abs(w.value) > HUGE_WEIGHT) return `huge weights: the largest |w| is ${sig(Math.abs(w.value))} (in ${w.path})`;
  const far = furthestInput(c);
  if (far && far.sd > FAR_OUT) {
    const where = `${rowName(c, far.row)}, column ${far.col + 1} (${sig(far.value)})`;
    return c.standardizer
      ? `the data scale: ${where} is ${stdsApart(far.value, c.standardizer.mean[far.col]!, c.standardizer.std[far.col]! * (c.dataScale ?? 1))} standard deviations from the training data's mean ${sig(c.standardizer.mean[far.col]!)}`
      : `the data scale: ${where} is far outside the model's range`;
  }
  const s = c.solver;
  if (s) {
    const how = s.method === undefined || s.method === "dopri5" ? `rtol/atol ${sig(s.rtol ?? 1e-5)}/${sig(s.atol ?? 1e-5)}` : `${s.steps ?? 100} steps`;
    return `the solver: ${s.method ?? "dopri5"} with ${how} (largest |w| ${sig(Math.abs(w?.value ?? 0))}, inputs in range); try dopri5 or tighter tolerances / more steps`;
  }
  return `the model itself (largest |w| ${sig(Math.abs(w?.value ?? 0))}, inputs in range)`;
}

/**
 * Throws a `NumericalError` if `values` (row-major [n, width]) holds a NaN/±Inf: "<what> of row r is v: likely
 * cause …". `logDensity`: a −Inf on otherwise healthy weights and inputs is reported as an underflow far in the tails.
 */
export function checkFinite(values: Float64Array, width: number, what: string, c: NumericContext, logDensity = false): void {
  let k = 0;
  while (k < values.length && Number.isFinite(values[k]!)) k++;
  if (k === values.length) return;
  const row = Math.floor(k / width);
  const v = values[k]!;
  const cause = likelyCause(c);
  if (logDensity && v === -Infinity && (cause.startsWith("the model itself") || cause.startsWith("the solver"))) {
    throw new NumericalError(
      `${what} of ${rowName(c, row)} is -Infinity: the density underflows there (the point lies far out in the model's tails)`,
    );
  }
  throw new NumericalError(`${what} of ${rowName(c, row)} is ${v}; likely cause: ${cause}`);
}

/** Re-throws a solver's `NumericalError` with the likely cause appended; anything else passes through unchanged. */
export function withCause(e: unknown, what: string, c: NumericContext): unknown {
  if (!(e instanceof NumericalError)) return e;
  return new NumericalError(`${what} failed: ${e.message}; likely cause: ${likelyCause(c)}`);
}
