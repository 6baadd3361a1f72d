/**
 * Sampling in chunks: n points as a sequence of [m, D] blocks, so memory stays flat however large n is (sampling is
 * independent per point). The noise comes from one generator stream drawn in order, exactly as `sample` draws it,
 * so with a fixed-step solver the concatenated chunks equal a one-chunk `sample` of the same seed value for value.
 * dopri5 chooses its steps per batch (the error norm spans the batch), so its chunks may differ from a one-chunk
 * run within the tolerance.
 */
import { Rng } from "../engine/index.js";
import { chunkRows, netWidths, odeRowBytes } from "../engine/memory.js";
import { sample, type SampleOptions } from "./sample.js";
import type { VelocityModel } from "./velocity-model.js";
import { OptionError, ShapeError } from "../errors.js";

export interface SampleChunk {
  /** Index of the chunk's first row. */
  start: number;
  /** Row-major [m, D] samples in data units. */
  samples: Float64Array;
  /** The noise they came from (model units). */
  noise: Float64Array;
  nfe: number;
}

/** Rows per chunk for this model: the budget's share for one ODE solve, at most CHUNK_ROWS. */
export function sampleChunkRows(model: VelocityModel): number {
  return chunkRows(odeRowBytes(netWidths(model.config.net), model.dim));
}

/**
 * `sample(model, n, o)` as chunks of `chunk` rows (default `sampleChunkRows(model)`), in order. Per-sample labels
 * and context rows are sliced per chunk; trajectories are not available (they would hold every state).
 */
export function* sampleChunks(model: VelocityModel, n: number, o: SampleOptions & { chunk?: number } = {}): Generator<SampleChunk> {
  if (o.trajectory) throw new OptionError("sampleChunks: trajectories are not chunked; use sample()");
  const D = model.dim;
  const rows = o.chunk ?? sampleChunkRows(model);
  if (!Number.isInteger(rows) || rows < 1) throw new OptionError(`chunk must be a positive integer, got ${rows}`);
  if (o.noise && o.noise.length !== n * D) throw new ShapeError(`noise has ${o.noise.length} values, expected n·D = ${n}·${D}`);
  const C = model.config.cond?.kind === "context" ? model.config.cond.dim : 0;
  const rng = o.noise ? undefined : new Rng(o.seed ?? 0);
  for (let start = 0; start < n; start += rows) {
    const m = Math.min(rows, n - start);
    const noise = o.noise ? o.noise.slice(start * D, (start + m) * D) : rng!.normals(m * D);
    const label = globalThis.Array.isArray(o.label) ? o.label.slice(start, start + m) : o.label;
    const context = o.context && C > 0 && o.context.length === n * C ? o.context.subarray(start * C, (start + m) * C) : o.context;
    const r = sample(model, m, { ...o, noise, label, context, trajectory: false });
    yield { start, samples: r.samples, noise: r.noise, nfe: r.nfe };
  }
}
