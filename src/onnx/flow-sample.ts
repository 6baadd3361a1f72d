/**
 * A discrete normalizing flow's samples on ONNX Runtime: `Flow.sample` with the sampling pass (z → [x, log p(x)],
 * model units: every bijector's inverse, also those the wasm backend runs eagerly) compiled to one ONNX graph with a
 * dynamic batch. The base draw stays on the host: the same `base.sample` from the same noise stream, in the same
 * 2048-row batches as `Flow.sampleWithLogProb` (temperature included), so the rows equal the wasm backend's to
 * float32 rounding; each batch then runs ROWS_PER_CALL rows per graph call. The same non-finite checks and messages
 * as `Flow.sampleWithLogProb`. What `flowmatch sample --backend onnx` draws flow checkpoints with. Node-only.
 */
import { toHostF64 } from "../engine/index.js";
import { CHUNK_ROWS } from "../engine/memory.js";
import { flowSampleRng, type Flow, type FlowSampleOptions } from "../flows/model.js";
import type { FlowChunkOptions, FlowSampleChunk } from "../flows/sample-chunks.js";
import { checkSampleChunk, contextRows, sampleInDataUnits } from "../flows/sample-output.js";
import { OptionError } from "../errors.js";
import { compileToOnnx, type GraphInput } from "./compile.js";
import { loadOrt, sessionOptions } from "./runtime.js";

/** Rows per graph call (as flow-logprob.ts: each layer's activations stay in cache). */
const ROWS_PER_CALL = 1024;
/** Rows per base draw: `Flow.sampleWithLogProb`'s default batch, so the noise stream is cut the same way. */
const DRAW_ROWS = 2048;

/** The compiled sampling pass of `flow`: inputs `z` [batch, ...event] (and `ctx` [batch, C]), outputs `x`, `logp` (model units). */
export function flowSampleGraph(flow: Flow): Uint8Array {
  if (String(flow.dtype) !== "float32") throw new OptionError(`the onnx backend samples float32 flows; this one is ${String(flow.dtype)}`);
  const C = flow.config.ctxDim;
  const inputs: GraphInput[] = [{ name: "z", shape: ["B", ...flow.eventShape] }, ...(C ? [{ name: "ctx", shape: ["B", C] } as GraphInput] : [])];
  return compileToOnnx((p, z, ctx) => flow.sampleModel(p as never, z!, ctx), { params: flow.params, inputs, outputs: ["x", "logp"], name: "flow_sample" });
}

/** A compiled sampler: `sample` as often as wanted, then `release`. */
export interface FlowSampleSession {
  /**
   * `flow.sampleWithLogProb(n, o)` on ONNX Runtime: samples (data units, [n, D]) and their log-densities (under the
   * model at temperature 1). `o.rng` continues a stream across calls as there; `o.batchSize` is not taken.
   */
  sample(n: number, o?: FlowSampleOptions): Promise<{ samples: Float64Array; logp: Float64Array }>;
  release(): Promise<void>;
}

/** Compiles `flow`'s sampling pass once and opens an ONNX Runtime session on it. */
export async function openFlowSampler(flow: Flow): Promise<FlowSampleSession> {
  const bytes = flowSampleGraph(flow);
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, sessionOptions());
  const D = flow.dim;
  const C = flow.config.ctxDim;
  const sample = async (n: number, o: FlowSampleOptions = {}) => {
    if (!Number.isInteger(n) || n < 0) throw new OptionError(`sample: expected a non-negative integer count, got ${n}`);
    const rng = o.rng ?? flowSampleRng(o.seed);
    const ctxIn = o.ctx ?? o.context;
    const xs = new Float64Array(n * D);
    const lps = new Float64Array(n);
    for (let i = 0; i < n; i += DRAW_ROWS) {
      const m = Math.min(DRAW_ROWS, n - i);
      const rows = contextRows(C, ctxIn, n, i, m);
      const ca = rows && Float32Array.from(rows);
      const z = Float32Array.from(toHostF64(flow.base.sample(flow.params.base, m, rng, flow.dtype, o.temperature ?? 1)));
      for (let j = 0; j < m; j += ROWS_PER_CALL) {
        const k = Math.min(ROWS_PER_CALL, m - j);
        const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { z: new ort.Tensor("float32", z.subarray(j * D, (j + k) * D), [k, ...flow.eventShape]) };
        if (ca) feeds.ctx = new ort.Tensor("float32", ca.subarray(j * C, (j + k) * C), [k, C]);
        const r = await session.run(feeds);
        xs.set(r.x!.data as Float32Array, (i + j) * D);
        lps.set(r.logp!.data as Float32Array, i + j);
      }
      checkSampleChunk(xs, lps, i, m, D, flow.params);
    }
    return sampleInDataUnits(xs, lps, flow.config.standardizer);
  };
  return { sample, release: () => session.release() };
}

/** One-off `openFlowSampler(flow).sample(n, o).samples`: `flow.sample(n, o)` on ONNX Runtime. */
export async function flowSampleOnnx(flow: Flow, n: number, o: FlowSampleOptions = {}): Promise<Float64Array> {
  const session = await openFlowSampler(flow);
  try {
    return (await session.sample(n, o)).samples;
  } finally {
    await session.release();
  }
}

/**
 * `flowSampleChunks` (flows/sample-chunks.ts) on ONNX Runtime: the same chunks, noise stream and context rows, one
 * compiled session for all of them.
 */
export async function* flowSampleChunksOnnx(flow: Flow, n: number, o: FlowChunkOptions = {}): AsyncGenerator<FlowSampleChunk> {
  const rows = o.chunk ?? CHUNK_ROWS;
  if (!Number.isInteger(rows) || rows < 1) throw new OptionError(`chunk must be a positive integer, got ${rows}`);
  const C = flow.config.ctxDim;
  const shared = o.ctx ?? o.context;
  if (shared !== undefined && C > 0 && shared.length !== C) throw new OptionError(`flowSampleChunks: pass ${C} shared context values or ctxRows`);
  const session = await openFlowSampler(flow);
  try {
    const rng = flowSampleRng(o.seed);
    for (let start = 0; start < n; start += rows) {
      const m = Math.min(rows, n - start);
      const ctx = o.ctxRows ? o.ctxRows(start, m) : shared;
      yield { start, samples: (await session.sample(m, { temperature: o.temperature, ctx, rng })).samples };
    }
  } finally {
    await session.release();
  }
}
