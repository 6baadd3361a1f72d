/**
 * What every log-likelihood backend starts from (likelihood/logprob.ts on jax-js, onnx/logprob*.ts on ONNX Runtime):
 * the rows in model units, the standardizer's log|det| that turns model-unit densities into data-unit ones, the
 * probe stream (seeded as `LogProbOptions.seed`), and the output buffers. Kept in one place so the backends stay
 * the same computation. Internal: not re-exported by likelihood/index.ts.
 */
import { np, Rng, type Array } from "../engine/index.js";
import { standardize, standardizerLogDet, type Standardizer } from "../data/normalize.js";
import { encodeClasses, encodeContext, type CondConfig } from "../fm/conditioning.js";
import { OptionError, ShapeError } from "../errors.js";
import type { LogProbOptions } from "./logprob.js";

export interface LogProbInputs {
  /** Rows. */
  n: number;
  std: Standardizer | undefined;
  /** x in model units (x itself when there is no standardizer). */
  xs: Float64Array;
  /** log|det| of the standardizer, added to every model-unit log-density. */
  logJac: number;
  rng: Rng;
  logp: Float64Array;
  z: Float64Array;
}

/** The inputs of a log-likelihood of x (row-major [n, D], data units; D divides x.length, checked by the caller). */
export function logProbInputs(model: { dim: number; config: { standardizer?: Standardizer } }, x: Float64Array, seed = 0): LogProbInputs {
  const D = model.dim;
  const n = x.length / D;
  const std = model.config.standardizer;
  return {
    n, std,
    xs: std ? standardize(x, std) : x,
    logJac: std ? standardizerLogDet(std) : 0,
    rng: new Rng(seed),
    logp: new Float64Array(n),
    z: new Float64Array(n * D),
  };
}

/**
 * Each row's condition for the log-likelihood of a conditional flow-matching model, checked once for all backends:
 * class indices (−1: ∅) or context rows (undefined: ∅ for every row), and the guidance weight w. log q(x | c) is
 * then the density of the (guided) field v = (1 + w)·v(x, t, c) − w·v(x, t, ∅), as `sample` integrates it.
 */
export type RowConditions =
  | { kind: "class"; classes: number; labels: Int32Array; guidance: number }
  | { kind: "context"; dim: number; context?: Float64Array; guidance: number };

/**
 * The rows' conditions of `LogProbOptions.cond` for n rows, or undefined for an unconditional model. A conditional
 * model given none is scored under ∅ (its unconditional field, as `sample` draws without a label); conditions for an
 * unconditional model, or of the wrong kind, shape or range, are refused.
 */
export function rowConditions(model: { config: { cond?: CondConfig } }, n: number, o: LogProbOptions["cond"]): RowConditions | undefined {
  const c = model.config.cond;
  const guidance = o?.guidance ?? 0;
  if (!Number.isFinite(guidance)) throw new OptionError(`guidance must be a finite number, got ${guidance}`);
  if (!c) {
    if (o?.labels !== undefined || o?.context !== undefined || guidance !== 0) throw new OptionError("this model is unconditional: drop the labels/context/guidance");
    return undefined;
  }
  if (c.kind === "class") {
    if (o?.context !== undefined) throw new OptionError(`this model is conditioned on class labels (${c.classes.join(", ")}), not a context vector`);
    const K = c.classes.length;
    const labels = o?.labels === undefined ? new Int32Array(n).fill(-1) : Int32Array.from(o.labels);
    if (labels.length !== n) throw new ShapeError(`${labels.length} labels for ${n} points`);
    const given = o?.labels;
    const bad = given ? labels.findIndex((k, i) => k < -1 || k >= K || k !== Number(given[i])) : -1;
    if (bad >= 0) throw new OptionError(`label index ${given![bad]} of row ${bad} is not a class index in [-1, ${K - 1}] (−1: ∅)`);
    return { kind: "class", classes: K, labels, guidance };
  }
  if (o?.labels !== undefined) throw new OptionError(`this model is conditioned on a ${c.dim}-dimensional context vector, not class labels`);
  if (o?.context !== undefined && o.context.length !== n * c.dim) throw new ShapeError(`expected context of shape [${n}, ${c.dim}], got ${o.context.length} values`);
  return { kind: "context", dim: c.dim, context: o?.context, guidance };
}

/**
 * Rows [start, start + m) of the conditions as the network's host condition input ([m, K + 1] one-hot or
 * [m, C + 1]); with `nullRows`, m rows of ∅ instead (the guided field's unconditional input).
 */
export function conditionRows(rc: RowConditions, start: number, m: number, nullRows = false): Float64Array {
  if (rc.kind === "class") return encodeClasses(nullRows ? new Int32Array(m).fill(-1) : rc.labels.subarray(start, start + m), rc.classes);
  return encodeContext(nullRows ? null : rc.context?.subarray(start * rc.dim, (start + m) * rc.dim) ?? null, m, rc.dim);
}

/**
 * A per-row array a [B, …] (consumed) repeated to `rows` = k·B rows, copy-major: the exact and Hutchinson
 * divergences evaluate the field on k stacked copies of the batch (divergence.ts), and each copy needs the rows'
 * conditions. `a` itself when rows = B.
 */
export function repeatRows(a: Array, rows: number): Array {
  const [B, ...rest] = a.shape as number[];
  if (rows === B) return a;
  return np.broadcastTo(a.reshape([1, B!, ...rest]), [rows / B!, B!, ...rest]).reshape([rows, ...rest]);
}
