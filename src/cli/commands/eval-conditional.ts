/**
 * `eval` of a conditional flow-matching model: each held-out point is scored under its own condition, log q(x | c)
 * (the plain conditional field, no guidance) — the toy's mode or the CSV's condition columns, read as the model was
 * trained on them — and the sample metrics compare the first m points with m samples drawn for the same m
 * conditions, so both sides have the same mix of labels or contexts.
 */
import type { VelocityModel } from "../../fm/velocity-model.js";
import type { CondConfig } from "../../fm/conditioning.js";
import { sample } from "../../fm/sample.js";
import type { LogProbOptions } from "../../likelihood/index.js";
import { evaluable, type EvalData, type Evaluable } from "../../metrics/evaluate.js";
import { flowTableRows, type FlowConds } from "../../data/flow-data.js";
import { getToy, isToyName } from "../../data/registry.js";
import { loadCsv, openDataSource } from "../../node/index.js";
import { unknownDataError } from "../../node/data.js";
import { isCsvSpec } from "../../node/csv.js";
import { Rng } from "../../engine/index.js";
import { ShapeError } from "../../errors.js";

/** The seed of held-out toy draws, as cli/data.ts's (the same points as an unconditional model's eval). */
const toyRng = (seed: number) => new Rng((0x9e3779b9 ^ (seed + 777)) >>> 0);

/** The condition spec that reopens the model's data with its conditions (columns, or "mode"). */
export const condSpec = (c: CondConfig) => ({ columns: (c.source ?? "").split(","), kind: c.kind });

/** Held-out points with their conditions: n toy draws with their modes, or the first n CSV rows. */
export function conditionalEvalData(model: VelocityModel, spec: string, n: number | undefined, seed: number): EvalData & { conds: FlowConds } {
  const c = model.config.cond!;
  if (isToyName(spec)) {
    const { x, ...conds } = openDataSource(spec, { cond: condSpec(c) }).sampleCond!(n ?? 5000, toyRng(seed));
    return { points: x, dim: getToy(spec).dim, conds };
  }
  if (!isCsvSpec(spec)) throw unknownDataError(spec);
  const r = flowTableRows(loadCsv(spec), spec, { cond: c, n });
  const rows = r.conds!.labels?.length ?? r.conds!.context!.length / (c.kind === "context" ? c.dim : 1);
  if (r.points.length !== rows * model.dim) throw new ShapeError(`${spec} has ${r.points.length / Math.max(rows, 1)} data columns besides the condition but the model has dimension ${model.dim}`);
  return { points: r.points, dim: model.dim, conds: r.conds! };
}

/** The points' conditions as `LogProbOptions.cond`. */
export const logProbCond = (conds: FlowConds): LogProbOptions["cond"] => ({ labels: conds.labels, context: conds.context });

/**
 * `evaluable(model, o)` scoring each point under its condition, and sampling m points for the first m conditions
 * (class labels by their values, as `sample` takes them).
 */
export function conditionalEvaluable(model: VelocityModel, conds: FlowConds, o: LogProbOptions & { sampleMethod?: string }): Evaluable {
  const c = model.config.cond!;
  const scorer = evaluable(model, { ...o, cond: logProbCond(conds) });
  const firstConds = (m: number) =>
    c.kind === "class" ? { label: Array.from(conds.labels!.subarray(0, m), (k) => c.classes[k]!) } : { context: conds.context!.subarray(0, m * c.dim) };
  return {
    ...scorer,
    sample: (m, seed) => sample(model, m, { method: o.sampleMethod ?? o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, seed, ...firstConds(m) }).samples,
  };
}
