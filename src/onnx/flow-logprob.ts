/**
 * A discrete normalizing flow's log-likelihood on ONNX Runtime: `Flow.logProb` with the jitted pass
 * (log p_base(f(x)) + log|det ∂f/∂x|, model units) compiled to one ONNX graph with a dynamic batch, run
 * ROWS_PER_CALL rows per call, plus the standardizer's log-Jacobian, with the same non-finite check and message as
 * `Flow.logProb`. What `flowmatch eval --backend onnx` scores flow checkpoints with. Node-only (onnxruntime-node).
 */
import { standardize, standardizerLogDet } from "../data/normalize.js";
import type { Flow } from "../flows/model.js";
import { contextRows } from "../flows/sample-output.js";
import { checkFinite, type NumericContext } from "../model/numerics.js";
import { OptionError, ShapeError } from "../errors.js";
import { compileToOnnx, type GraphInput } from "./compile.js";
import { loadOrt, sessionOptions } from "./runtime.js";

/** Rows per graph call (each layer's activations stay in cache; rows are independent). */
const ROWS_PER_CALL = 1024;

/** The compiled log p(x[, ctx]) of `flow` (model units; inputs `x` [batch, ...event], `ctx` [batch, C]). */
export function flowLogProbGraph(flow: Flow): Uint8Array {
  if (String(flow.dtype) !== "float32") throw new OptionError(`the onnx backend evaluates float32 flows; this one is ${String(flow.dtype)}`);
  const C = flow.config.ctxDim;
  const inputs: GraphInput[] = [{ name: "x", shape: ["B", ...flow.eventShape] }, ...(C ? [{ name: "ctx", shape: ["B", C] } as GraphInput] : [])];
  return compileToOnnx((p, x, ctx) => flow.logProbModel(p as never, x!, ctx), { params: flow.params, inputs, outputs: ["logp"], name: "flow_logp" });
}

/** A compiled log-likelihood session: `logProb` as often as wanted, then `release`. */
export interface FlowLogProbSession {
  /**
   * log p(x) in nats, data units, for row-major x [n, D] (borrowed) — `Flow.logProb`'s answer to float32 rounding.
   * `ctx`: n·C values, or C shared by every row (conditional flows).
   */
  logProb(x: Float64Array, ctx?: Float64Array): Promise<Float64Array>;
  release(): Promise<void>;
}

/** Compiles `flow`'s log p once and opens an ONNX Runtime session on it. */
export async function openFlowLogProb(flow: Flow): Promise<FlowLogProbSession> {
  const bytes = flowLogProbGraph(flow);
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes, sessionOptions());
  const D = flow.dim;
  const C = flow.config.ctxDim;
  const s = flow.config.standardizer;
  const offset = s ? standardizerLogDet(s) : 0;
  const logProb = async (x: Float64Array, cx?: Float64Array): Promise<Float64Array> => {
    if (x.length % D !== 0) throw new ShapeError(`logProb: expected rows of ${D} values, got ${x.length} values`);
    const n = x.length / D;
    if (C === 0 && cx?.length) throw new ShapeError("this flow is unconditional but a context was given");
    if (C > 0 && !(cx && (cx.length === C || cx.length === n * C)))
      throw new ShapeError(`this flow is conditional: expected a context of ${C} or ${n}×${C} values, got ${cx?.length ?? 0}`);
    const z = s ? standardize(x, s) : x;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i += ROWS_PER_CALL) {
      const m = Math.min(ROWS_PER_CALL, n - i);
      const feeds: Record<string, InstanceType<typeof ort.Tensor>> = { x: new ort.Tensor("float32", Float32Array.from(z.subarray(i * D, (i + m) * D)), [m, ...flow.eventShape]) };
      const rows = contextRows(C, cx, n, i, m);
      if (rows) feeds.ctx = new ort.Tensor("float32", Float32Array.from(rows), [m, C]);
      const lp = (await session.run(feeds)).logp!.data as Float32Array;
      for (let k = 0; k < m; k++) out[i + k] = lp[k]! + offset;
      const ctx: NumericContext = { params: flow.params, dim: D, inputs: x.subarray(i * D, (i + m) * D), rowOffset: i, standardizer: s };
      checkFinite(out.subarray(i, i + m), 1, "log-likelihood", ctx, true);
    }
    return out;
  };
  return { logProb, release: () => session.release() };
}

/** One-off `openFlowLogProb(flow).logProb(x, ctx)`. */
export async function flowLogProbOnnx(flow: Flow, x: Float64Array, o: { ctx?: Float64Array } = {}): Promise<Float64Array> {
  const session = await openFlowLogProb(flow);
  try {
    return await session.logProb(x, o.ctx);
  } finally {
    await session.release();
  }
}
