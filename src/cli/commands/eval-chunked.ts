/**
 * `eval` of a large toy --n: points are drawn, scored and (with --logp-out) written a chunk at a time, so memory
 * stays flat as n grows; NLL, bits/dim and KL accumulate over the chunks (EvalAccumulator) and the sample metrics
 * use the first chunk (they take at most 2000 points). Small evaluations keep the one-pass path in eval.ts. The toy's
 * generator runs on from chunk to chunk: a toy that draws point by point (8gaussians) gives the points of a one-call
 * draw, others (moons) other points of the same distribution; the mean and standard error equal the one-pass ones
 * up to rounding.
 */
import { Rng } from "../../engine/index.js";
import { CHUNK_ROWS, csvBytes } from "../../engine/memory.js";
import { EvalAccumulator } from "../../metrics/eval-accumulator.js";
import { sampleMetrics, flowEvaluable, type EvalReport, type Evaluable } from "../../metrics/evaluate.js";
import { dequantize, type FlowConds } from "../../data/flow-data.js";
import type { CondConfig } from "../../fm/conditioning.js";
import { contextOf } from "../../flows/context.js";
import type { Flow } from "../../flows/model.js";
import { checkDiskSpace, openOutputStream } from "../../node/stream-out.js";
import { toyChunks } from "../data.js";
import type { ProgressLine } from "../progress.js";

export interface ChunkedEvalArgs {
  spec: string;
  n: number;
  seed: number;
  /** Model samples for the sample metrics (0: skip them). */
  samples: number;
  logpOut?: string;
  bar?: ProgressLine;
  /** Called with each chunk's first row before it is scored (progress within a chunk counts from there). */
  onChunk?: (start: number) => void;
  /** Scores a chunk (with its points' conditions, for `cond`) instead of `model.logProb` (the onnx backend's asynchronous solve). */
  score?: (points: Float64Array, conds?: FlowConds) => Promise<{ logp: Float64Array; nfe?: number }>;
  /** A conditional flow-matching model's conditions: drawn with the toy points (their modes). */
  cond?: CondConfig;
  /** The sampler of the sample metrics for the first chunk's conditions (default `model`). */
  sampler?: (conds: FlowConds | undefined) => Evaluable;
  /** A flow's chunk scorer (with the chunk's context rows) instead of `flow.logProb` (the onnx backend's compiled log p). */
  scoreFlow?: (points: Float64Array, ctx?: Float64Array) => Promise<{ logp: Float64Array; nfe?: number }>;
}

/** Whether `eval` takes the chunked path: toy points beyond one chunk. */
export const evalsInChunks = (isToy: boolean, n: number | undefined) => isToy && n !== undefined && n > CHUNK_ROWS;

/**
 * Scores `chunks` with `score` and accumulates the report; log-densities go to --logp-out as they come (through a
 * temporary file renamed at the end: a failure leaves an existing file as it was).
 */
async function run(
  model: Evaluable,
  a: ChunkedEvalArgs,
  chunks: Iterable<{ start: number; points: Float64Array; logpTrue?: Float64Array; score: () => { logp: Float64Array; nfe?: number } | Promise<{ logp: Float64Array; nfe?: number }>; sampler?: Evaluable }>,
): Promise<EvalReport> {
  if (a.logpOut !== undefined) checkDiskSpace(a.logpOut, csvBytes(a.n, 1), "--logp-out"); // before any scoring
  const t0 = performance.now();
  const acc = new EvalAccumulator(model.dim);
  const out = a.logpOut === undefined ? undefined : openOutputStream(a.logpOut, "--logp-out");
  let metrics = {};
  try {
    await out?.write("logp\n");
    for (const c of chunks) {
      a.onChunk?.(c.start);
      const lp = await c.score();
      acc.add(lp.logp, c.logpTrue, lp.nfe);
      if (c.start === 0 && a.samples > 0) metrics = sampleMetrics(c.sampler ?? model, c.points, model.dim, { sampleCount: a.samples, seed: a.seed + 1 });
      await out?.write(Array.from(lp.logp, String).join("\n") + "\n");
      a.bar?.update(c.start + lp.logp.length);
    }
    out?.commit();
  } catch (e) {
    out?.abort();
    throw e;
  }
  a.bar?.finish();
  const { n, dim, nll, bitsPerDim, nfe, ...known } = acc.report();
  return { n, dim, logp: new Float64Array(0), nll, bitsPerDim, nfe, seconds: (performance.now() - t0) / 1000, ...known, ...metrics };
}

/** A flow-matching model on a large toy --n. */
export function velocityEvalChunked(model: Evaluable, a: ChunkedEvalArgs): Promise<EvalReport> {
  const chunks = function* () {
    for (const c of toyChunks(a.spec, a.n, a.seed, CHUNK_ROWS, a.cond)) yield { ...c, score: () => (a.score ? a.score(c.points, c.conds) : model.logProb(c.points)), sampler: a.sampler?.(c.conds) };
  };
  return run(model, a, chunks());
}

/** A normalizing flow on a large toy --n (conditions per chunk; dequantization noise from one stream). */
export function flowEvalChunked(flow: Flow, a: ChunkedEvalArgs): Promise<EvalReport> {
  const L = flow.config.dequantize?.levels;
  const dq = new Rng((a.seed + 4242) >>> 0);
  const chunks = function* () {
    for (const c of toyChunks(a.spec, a.n, a.seed, CHUNK_ROWS, flow.config.cond)) {
      const points = L ? dequantize(c.points, dq) : c.points;
      const m = points.length / flow.dim;
      const ctx = contextOf(flow, m, c.conds);
      // The sample metrics draw their conditions from the first chunk's, as evaluate() does from the first points'.
      yield { start: c.start, points, logpTrue: c.logpTrue, score: () => (a.scoreFlow ? a.scoreFlow(points, ctx) : { logp: flow.logProb(points, { ctx }) }), sampler: flowEvaluable(flow, c.conds) };
    }
  };
  return run(flowEvaluable(flow), a, chunks());
}
