/**
 * A flow's samples in chunks: n points as a sequence of [m, D] blocks, so host memory stays flat however large n
 * is. One base-noise stream runs through all chunks and the chunk size is a multiple of the flow's 2048-row
 * batches, so the chunks together equal one `flow.sample(n)` of the same seed value for value.
 */
import { CHUNK_ROWS } from "../engine/memory.js";
import { flowSampleRng, type Flow, type FlowSampleOptions } from "./model.js";
import { OptionError } from "../errors.js";

export interface FlowSampleChunk {
  /** Index of the chunk's first row. */
  start: number;
  /** Row-major [m, D] samples in data units. */
  samples: Float64Array;
}

export interface FlowChunkOptions extends Omit<FlowSampleOptions, "rng" | "batchSize"> {
  /** Rows per chunk (a multiple of 2048 keeps the batches of a one-chunk run; default CHUNK_ROWS). */
  chunk?: number;
  /** The context rows of samples start … start + m − 1 (a conditional flow whose context varies per sample). */
  ctxRows?: (start: number, m: number) => Float64Array;
}

/** `flow.sample(n, o)` as chunks, in order. A context of C values is shared by all samples. */
export function* flowSampleChunks(flow: Flow, n: number, o: FlowChunkOptions = {}): Generator<FlowSampleChunk> {
  const rows = o.chunk ?? CHUNK_ROWS;
  if (!Number.isInteger(rows) || rows < 1) throw new OptionError(`chunk must be a positive integer, got ${rows}`);
  const C = flow.config.ctxDim;
  const shared = o.ctx ?? o.context;
  if (shared !== undefined && C > 0 && shared.length !== C) throw new OptionError(`flowSampleChunks: pass ${C} shared context values or ctxRows`);
  const rng = flowSampleRng(o.seed);
  for (let start = 0; start < n; start += rows) {
    const m = Math.min(rows, n - start);
    const ctx = o.ctxRows ? o.ctxRows(start, m) : shared;
    yield { start, samples: flow.sample(m, { temperature: o.temperature, ctx, rng }) };
  }
}
