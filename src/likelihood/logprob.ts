/**
 * Exact log-likelihoods of a flow-matching model / CNF by the instantaneous change of variables:
 *   log q₁(x) = log N(z; 0, I) − ∫₀¹ div v(x_t, t) dt,   z = x₀ the noise end of the path through x = x₁,
 * (t = 0 is noise, t = 1 is data). `logProb` integrates the augmented state [x, a] from t = 1 down to t = 0 with
 * da/dt = div v and a(1) = 0, so log q₁(x) = log N(z) + a(0). `sampleWithLogProb` runs the same ODE forwards from
 * fresh noise with a(0) = log N(x₀) and da/dt = −div v, so a(1) is the samples' log-density.
 *
 * Inputs and outputs are plain Float64Arrays in the data's original units: the model's standardization is applied
 * on the way in and its log-Jacobian added to every log-density.
 */
import { np, jit, Rng, treeRef, fromHost, toHostF64, type Array, type DType, type JsTree } from "../engine/index.js";
import { odeint } from "../solvers/index.js";
import { unstandardize, standardizerLogDet, type Standardizer } from "../data/normalize.js";
import { ShapeError, OptionError } from "../errors.js";
import { augmentedDynamics, type DivergenceKind } from "./dynamics.js";
import { drawProbes, type ProbeKind } from "./divergence.js";
import { checkFinite, withCause, type NumericContext } from "../model/numerics.js";
import { conditionRows, logProbInputs, repeatRows, rowConditions, type RowConditions } from "./logprob-inputs.js";
import type { CondConfig } from "../fm/conditioning.js";

/**
 * What logProb needs of a model: a pure field apply(params, x, t) and its parameters; a conditional model
 * (`config.cond`) also takes the rows' condition input as apply's fourth argument.
 */
export interface FieldModel {
  readonly dim: number;
  readonly dtype: DType;
  readonly params: JsTree<Array>;
  /** v = apply(params, x, t[, cond]): consumes x, t and cond, not params. t = 0 is noise, t = 1 is data. */
  apply(params: JsTree<Array>, x: Array, t: Array, cond?: Array): Array;
  readonly config: { standardizer?: Standardizer; dataScale?: number; cond?: CondConfig };
}

export interface LogProbOptions {
  /** Solver name; default "dopri5". */
  method?: string;
  /** Steps for fixed-step methods (default 100). */
  steps?: number;
  /** dopri5 tolerances (default 1e-5 each). */
  rtol?: number;
  atol?: number;
  /** "exact" (default; D jvp tangents per evaluation) or "hutchinson" (`probes` random tangents). */
  divergence?: DivergenceKind;
  /** Hutchinson probes per point (default 1) and their distribution (default Rademacher). */
  probes?: number;
  probeKind?: ProbeKind;
  /** Seed of the Hutchinson probes (and of the noise in sampleWithLogProb). */
  seed?: number;
  /** Points per solve (default 4096): bounds memory; each chunk is an independent solve. */
  batchSize?: number;
  /** Called after each chunk with the points done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Conditional flow-matching models (`logProb` only): each point's class index (−1: ∅) or context row (row-major
   * [n, C]), and the classifier-free guidance weight w (default 0): log q(x | c) under the field
   * (1 + w)·v(x, t, c) − w·v(x, t, ∅) that `sample` integrates. Without it a conditional model is scored under ∅.
   */
  cond?: { labels?: ArrayLike<number>; context?: Float64Array; guidance?: number };
}

export interface LogProbResult {
  /** log q(x) per point, in nats, in the data's original units. */
  logp: Float64Array;
  /** The noise-end points z (model units), row-major [n, D]. */
  z: Float64Array;
  /** Function evaluations over all chunks (one evaluation = one call of the augmented field on a chunk). */
  nfe: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(z; 0, I) of each row of z (row-major [n, D]). */
export function standardNormalLogProb(z: Float64Array, D: number): Float64Array {
  const n = z.length / D;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += z[i * D + d]! ** 2;
    out[i] = -0.5 * s - 0.5 * D * LOG_2PI;
  }
  return out;
}

function checkOptions(o: LogProbOptions): Required<Pick<LogProbOptions, "divergence" | "probes" | "probeKind" | "batchSize">> {
  const divergence = o.divergence ?? "exact";
  if (divergence !== "exact" && divergence !== "hutchinson") {
    throw new OptionError(`divergence must be "exact" or "hutchinson", got "${divergence}"`);
  }
  const probes = o.probes ?? 1;
  if (!Number.isInteger(probes) || probes < 1) throw new OptionError(`probes must be a positive integer, got ${probes}`);
  const probeKind = o.probeKind ?? "rademacher";
  if (probeKind !== "rademacher" && probeKind !== "gaussian") {
    throw new OptionError(`probe kind must be "rademacher" or "gaussian", got "${probeKind}"`);
  }
  const batchSize = o.batchSize ?? 4096;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError(`batchSize must be a positive integer, got ${batchSize}`);
  return { divergence, probes, probeKind, batchSize };
}

/**
 * The chunk's condition arrays (owned) for solveAugmented: [] (unconditional), [cond] or, guided, [cond, ∅, w] —
 * rows [start, start + B) of `rc`.
 */
function chunkConditions(model: FieldModel, rc: RowConditions | undefined, start: number, B: number): Array[] {
  if (!rc) return [];
  const W = rc.kind === "class" ? rc.classes + 1 : rc.dim + 1;
  const cond = fromHost(conditionRows(rc, start, B), [B, W], model.dtype);
  if (rc.guidance === 0) return [cond];
  const nullCond = fromHost(conditionRows(rc, start, B, true), [B, W], model.dtype);
  return [cond, nullCond, np.full([], rc.guidance, { dtype: model.dtype })];
}

/** The field of `cond` (borrowed; chunkConditions' list): v(x, t, c), or (1 + w)·v(x, t, c) − w·v(x, t, ∅). */
function conditionedField(model: FieldModel, p: JsTree<Array>, cond: Array[]): (x: Array, t: Array) => Array {
  if (cond.length === 0) return (x, t) => model.apply(p, x, t);
  // The divergences call the field on k stacked copies of the chunk: the conditions are repeated to match.
  if (cond.length === 1) return (x, t) => model.apply(p, x, t, repeatRows(cond[0]!.ref, x.shape[0]!));
  const [c, u, w] = cond as [Array, Array, Array];
  return (x, t) => {
    const rows = x.shape[0]!;
    const vc = model.apply(p, x.ref, t.ref, repeatRows(c.ref, rows));
    const vu = model.apply(p, x, t, repeatRows(u.ref, rows));
    return vc.mul(w.ref.add(1)).sub(vu.mul(w.ref));
  };
}

/**
 * Solves the augmented ODE for one chunk whose state s0 is [B, D + 1] (consumed), from t0 to t1, with probes fixed
 * for the whole solve and the chunk's conditions `cond` (consumed; chunkConditions). Returns the final state on the
 * host and the NFE.
 */
function solveAugmented(model: FieldModel, s0: Array, sign: 1 | -1, t0: number, t1: number, o: LogProbOptions, rng: Rng, cond: Array[] = []) {
  const c = checkOptions(o);
  const D = model.dim;
  const B = s0.shape[0]!;
  const probes = c.divergence === "hutchinson" ? drawProbes(rng, c.probes, B, D, c.probeKind, model.dtype) : undefined;
  // The probes travel as a (possibly empty) list so one jit signature serves both divergences.
  const g = jit((p: JsTree<Array>, s: Array, t: Array, eps: Array[], cs: Array[]) => {
    const out = augmentedDynamics(conditionedField(model, p, cs), D, { sign, divergence: c.divergence, probes: eps[0] })(s, t);
    eps.forEach((e) => e.dispose());
    cs.forEach((e) => e.dispose());
    return out;
  });
  try {
    const r = odeint(
      (t, s) => g(treeRef(model.params), s, np.full([], t, { dtype: model.dtype }), probes ? [probes.ref] : [], cond.map((a) => a.ref)),
      s0,
      { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, t0, t1 },
    );
    return { s: toHostF64(r.x), nfe: r.nfe };
  } finally {
    s0.dispose(); // odeint borrows it
    probes?.dispose();
    cond.forEach((a) => a.dispose());
    (g as unknown as { dispose(): void }).dispose();
  }
}

/** Splits columns of a row-major [B, W] host state into x [B, D] and the column a. */
function splitState(s: Float64Array, B: number, D: number): { x: Float64Array; a: Float64Array } {
  const W = D + 1;
  const x = new Float64Array(B * D);
  const a = new Float64Array(B);
  for (let i = 0; i < B; i++) {
    for (let d = 0; d < D; d++) x[i * D + d] = s[i * W + d]!;
    a[i] = s[i * W + D]!;
  }
  return { x, a };
}

function joinState(x: Float64Array, a: Float64Array, B: number, D: number): Float64Array {
  const s = new Float64Array(B * (D + 1));
  for (let i = 0; i < B; i++) {
    for (let d = 0; d < D; d++) s[i * (D + 1) + d] = x[i * D + d]!;
    s[i * (D + 1) + D] = a[i]!;
  }
  return s;
}

/**
 * log q(x) of each row of x (row-major [n, D], data units) under the model (borrowed), in nats. Throws a
 * `NumericalError` naming the row and the likely cause (weights, data scale, solver; model/numerics.ts) when a
 * log-density comes out NaN/±Inf or the solver fails.
 *
 * @example
 * ```ts
 * const { logp } = logProb(model, points); // exact divergence, dopri5
 * const fast = logProb(model, points, { divergence: "hutchinson", probes: 4, method: "rk4", steps: 20 });
 * ```
 */
export function logProb(model: FieldModel, x: Float64Array, o: LogProbOptions = {}): LogProbResult {
  const D = model.dim;
  if (x.length % D !== 0) throw new ShapeError(`data has ${x.length} values, not a multiple of the model dimension ${D}`);
  const { batchSize } = checkOptions(o);
  const { n, std, xs, logJac, rng, logp, z } = logProbInputs(model, x, o.seed);
  const rc = rowConditions(model, n, o.cond);
  let nfe = 0;
  for (let start = 0; start < n; start += batchSize) {
    const B = Math.min(batchSize, n - start);
    const chunk = xs.subarray(start * D, (start + B) * D);
    const s0 = fromHost(joinState(chunk, new Float64Array(B), B, D), [B, D + 1], model.dtype);
    const ctx: NumericContext = { params: model.params, dim: D, inputs: x.subarray(start * D, (start + B) * D), rowOffset: start, standardizer: std, dataScale: model.config.dataScale, solver: o };
    let r;
    try {
      r = solveAugmented(model, s0, 1, 1, 0, o, rng, chunkConditions(model, rc, start, B));
    } catch (e) {
      throw withCause(e, "log-likelihood", ctx);
    }
    nfe += r.nfe;
    const { x: zc, a } = splitState(r.s, B, D);
    const base = standardNormalLogProb(zc, D);
    z.set(zc, start * D);
    for (let i = 0; i < B; i++) logp[start + i] = base[i]! + a[i]! + logJac;
    checkFinite(logp.subarray(start, start + B), 1, "log-likelihood", ctx, true);
    o.onProgress?.(start + B, n);
  }
  return { logp, z, nfe };
}

export interface SampleWithLogProbResult {
  /** Row-major [n, D], data units. */
  samples: Float64Array;
  /** log q of each sample, nats, data units. */
  logp: Float64Array;
  /** The noise (model units). */
  noise: Float64Array;
  nfe: number;
}

/**
 * n samples and their log-densities from one forward solve of the augmented ODE (noise at t = 0 → data at t = 1).
 * A NaN/±Inf sample or log-density throws a `NumericalError` naming the likely cause (model/numerics.ts).
 *
 * @example
 * ```ts
 * const { samples, logp } = sampleWithLogProb(model, 500, { seed: 1 });
 * ```
 */
export function sampleWithLogProb(model: FieldModel, n: number, o: LogProbOptions & { noise?: Float64Array } = {}): SampleWithLogProbResult {
  const D = model.dim;
  const { batchSize } = checkOptions(o);
  if (o.cond) throw new OptionError("sampleWithLogProb: conditions (cond) are taken by logProb only");
  const rng = new Rng(o.seed ?? 0);
  const noise = o.noise ?? rng.normals(n * D);
  if (noise.length !== n * D) throw new ShapeError(`noise has ${noise.length} values, expected n·D = ${n}·${D}`);
  const std = model.config.standardizer;
  const logJac = std ? standardizerLogDet(std) : 0;
  const samples = new Float64Array(n * D);
  const logp = new Float64Array(n);
  let nfe = 0;
  const probeRng = rng.fork();
  for (let start = 0; start < n; start += batchSize) {
    const B = Math.min(batchSize, n - start);
    const x0 = noise.subarray(start * D, (start + B) * D);
    const s0 = fromHost(joinState(x0, standardNormalLogProb(x0, D), B, D), [B, D + 1], model.dtype);
    const ctx: NumericContext = { params: model.params, dim: D, rowOffset: start, solver: o };
    let r;
    try {
      r = solveAugmented(model, s0, -1, 0, 1, o, probeRng);
    } catch (e) {
      throw withCause(e, "sampling", ctx);
    }
    nfe += r.nfe;
    const { x: x1, a } = splitState(r.s, B, D);
    samples.set(std ? unstandardize(x1, std) : x1, start * D);
    for (let i = 0; i < B; i++) logp[start + i] = a[i]! + logJac;
    checkFinite(samples.subarray(start * D, (start + B) * D), D, "sample", ctx);
    checkFinite(logp.subarray(start, start + B), 1, "log-density of sample", ctx, true);
    o.onProgress?.(start + B, n);
  }
  return { samples, logp, noise, nfe };
}

