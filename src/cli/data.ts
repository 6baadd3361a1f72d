/**
 * What `--data` means for `plot` and `eval`: points (data units) read from a CSV file or drawn from a toy, with the
 * model's column selection and conditions. Files make this Node-only; the figures and metrics take the points.
 */
import { Rng } from "../engine/index.js";
import { getToy, isToyName } from "../data/registry.js";
import { unstandardize } from "../data/normalize.js";
import type { EvalData } from "../metrics/evaluate.js";
import type { Flow } from "../flows/model.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import type { FigureData } from "../plot/figures.js";
import { flowTableRows, type FlowConds } from "../data/flow-data.js";
import { loadCsv, openDataSource } from "../node/index.js";
import { unknownDataError } from "../node/data.js";
import { isCsvSpec } from "../node/csv.js";
import { ShapeError } from "../errors.js";
import type { CondConfig } from "../fm/conditioning.js";

/** Seed of held-out toy draws, apart from any training stream. */
const toyRng = (seed: number) => new Rng((0x9e3779b9 ^ (seed + 777)) >>> 0);

/** The data panel of a flow-matching model's figure: the first n rows of a table, or n toy draws. */
export function velocityFigureData(model: VelocityModel, spec: string, n: number): FigureData {
  const D = model.dim;
  const src = openDataSource(spec, { standardizer: model.config.standardizer, cond: undefined });
  if (src.dim !== D) throw new ShapeError(`${spec} has ${src.dim} column${src.dim === 1 ? "" : "s"} but the model has dimension ${D}`);
  if (src.table) return { name: spec, points: src.table.data.subarray(0, Math.min(n, src.table.rows) * D) };
  const z = src.sample(n, new Rng(12345));
  return { name: spec, points: src.standardizer ? unstandardize(z, src.standardizer) : z };
}

/** Points to evaluate a flow-matching model on: n fresh toy draws (with the toy's log-density), or CSV rows. */
export function velocityEvalData(spec: string, n: number | undefined, seed: number): EvalData {
  if (isToyName(spec)) {
    const toy = getToy(spec);
    const pts = toy.sample(n ?? 5000, toyRng(seed));
    return { points: pts, dim: toy.dim, logProbTrue: toy.logProb ? (x) => toy.logProb!(x) : undefined };
  }
  if (!isCsvSpec(spec)) throw unknownDataError(spec);
  const t = loadCsv(spec);
  const rows = n === undefined ? t.rows : Math.min(n, t.rows);
  return { points: t.data.subarray(0, rows * t.cols), dim: t.cols };
}

/** Points (data units) for a flow's figure and evaluation, with the model's column selection (and conditions). */
export function flowPoints(model: Flow, spec: string, n: number | undefined, seed: number): { points: Float64Array; conds?: FlowConds; logProbTrue?: (x: Float64Array) => Float64Array } {
  const cond = model.config.cond;
  if (isToyName(spec)) {
    const toy = getToy(spec);
    const rng = toyRng(seed);
    if (cond) {
      // The same draws as the unconditional branch, with each point's condition (its mode) alongside.
      const { x, ...conds } = openDataSource(spec, { cond: { columns: (cond.source ?? "").split(","), kind: cond.kind } }).sampleCond!(n ?? 5000, rng);
      return { points: x, conds };
    }
    return { points: toy.sample(n ?? 5000, rng), logProbTrue: toy.logProb ? (x) => toy.logProb!(x) : undefined };
  }
  if (!isCsvSpec(spec)) throw unknownDataError(spec);
  const cols = model.config.columns;
  if (cols && cols.length !== model.dim) throw new ShapeError(`the model's config lists ${cols.length} columns but it has dimension ${model.dim}`);
  const r = flowTableRows(loadCsv(spec), spec, { columns: cols, cond, n });
  // The number of data columns per row, not just a total divisible by the dimension (3 columns read as pairs).
  if (r.dim !== model.dim) {
    const besides = cond ? " besides the condition" : "";
    throw new ShapeError(`${spec} has ${r.dim} data column${r.dim === 1 ? "" : "s"}${besides} but the model has dimension ${model.dim}`);
  }
  return { points: r.points, conds: r.conds };
}

/**
 * Held-out toy points a chunk at a time (`eval` with a large --n): the stream of `velocityEvalData` /
 * `flowPoints` continued chunk after chunk, with each chunk's conditions for a conditional flow and the toy's
 * log-density where it has one.
 */
export function* toyChunks(spec: string, n: number, seed: number, rows: number, cond?: CondConfig): Generator<{ start: number; points: Float64Array; conds?: FlowConds; logpTrue?: Float64Array }> {
  const toy = getToy(spec);
  const rng = toyRng(seed);
  const src = cond ? openDataSource(spec, { cond: { columns: (cond.source ?? "").split(","), kind: cond.kind } }) : undefined;
  for (let start = 0; start < n; start += rows) {
    const m = Math.min(rows, n - start);
    if (src) {
      const { x, ...conds } = src.sampleCond!(m, rng);
      yield { start, points: x, conds };
    } else {
      const points = toy.sample(m, rng);
      yield { start, points, logpTrue: toy.logProb ? toy.logProb(points) : undefined };
    }
  }
}
