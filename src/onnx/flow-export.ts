/**
 * ONNX files of a discrete normalizing flow, in the data's units (the standardizer folded in), for serving with
 * ONNX Runtime anywhere:
 * - the log-density: input `x` [batch, ...event] → output `logp` [batch] (nats), what `Flow.logProb` returns;
 * - the sampler: input `noise` [batch, ...event] (N(0, I) draws; multiply them by T for temperature T) → output
 *   `samples` [batch, ...event], what `Flow.sample` returns for the same draws (a learnt diagonal base included).
 * Conditional flows also take `context` [batch, C], the vector the flow is conditioned on (for class labels, the
 * encoding `sample --label` builds). Standard opset-17 ops, float32, dynamic batch (compile.ts).
 */
import { np, exp, fromHost, type Array } from "../engine/index.js";
import { standardizerLogDet } from "../data/normalize.js";
import { flowSampleRng, type Flow, type FlowParams } from "../flows/model.js";
import { OptionError } from "../errors.js";
import { compileToOnnx, type GraphInput } from "./compile.js";
import { runOnnx, maxRelDiff, type OnnxFeed } from "./verify.js";

export const FLOW_EXPORT_GRAPHS = ["logp", "sampler"] as const;
export type FlowExportGraph = (typeof FLOW_EXPORT_GRAPHS)[number];

function inputs(flow: Flow, first: string): GraphInput[] {
  if (String(flow.dtype) !== "float32") throw new OptionError(`ONNX export covers float32 flows; this one is ${String(flow.dtype)}`);
  const C = flow.config.ctxDim;
  return [{ name: first, shape: ["B", ...flow.eventShape] }, ...(C ? [{ name: "context", shape: ["B", C] } as GraphInput] : [])];
}

/** y·std + mean (dir 1) or (y − mean)/std (dir −1) per coordinate of the flattened event; y consumed. */
function affine(flow: Flow, y: Array, dir: 1 | -1): Array {
  const s = flow.config.standardizer;
  if (!s) return y;
  const B = y.shape[0]!;
  const flat = y.reshape([B, flow.dim]);
  const mean = fromHost(Float64Array.from(s.mean), [s.mean.length], np.float32);
  const std = fromHost(Float64Array.from(s.std), [s.std.length], np.float32);
  const out = dir === 1 ? flat.mul(std).add(mean) : flat.sub(mean).div(std);
  return out.reshape([B, ...flow.eventShape]);
}

/** The log-density graph: `x` (data units) → `logp` [batch]. */
export function flowLogProbExport(flow: Flow): Uint8Array {
  const s = flow.config.standardizer;
  const offset = s ? standardizerLogDet(s) : 0;
  return compileToOnnx((p, x, ctx) => flow.logProbModel(p as FlowParams, affine(flow, x!, -1), ctx).add(offset), {
    params: flow.params,
    inputs: inputs(flow, "x"),
    outputs: ["logp"],
    name: "flow_logp",
    docString: `flowmatch normalizing flow log p(x) in nats: x [batch, ${flow.eventShape.join(", ")}] in data units → logp [batch]`,
  });
}

/** The sampler graph: `noise` ~ N(0, I) → `samples` (data units). */
export function flowSamplerExport(flow: Flow): Uint8Array {
  return compileToOnnx((p, eps, ctx) => {
    const pp = p as FlowParams;
    const base = pp.base as { loc?: Array; logScale?: Array };
    // The base's own draw from standard normals (base.ts: DiagonalNormal scales and shifts them).
    const z = base.logScale && base.loc ? eps!.mul(exp(base.logScale.ref)).add(base.loc.ref) : eps!;
    const [x, lp] = flow.sampleModel(pp, z, ctx);
    lp.dispose();
    return affine(flow, x, 1);
  }, {
    params: flow.params,
    inputs: inputs(flow, "noise"),
    outputs: ["samples"],
    name: "flow_sampler",
    docString: `flowmatch normalizing flow sampler: noise [batch, ${flow.eventShape.join(", ")}] ~ N(0, I) (times T for temperature T) → samples in data units`,
  });
}

/** The graph's name in messages. */
export const flowGraphDescription = (g: FlowExportGraph) => (g === "logp" ? "log-density x → logp" : "sampler noise → samples");

/**
 * Runs an exported flow graph in onnxruntime-node on 16 rows and compares it with the library: log p of samples
 * drawn by `Flow.sample`, or the samples `Flow.sample` draws from the same noise. Returns the max relative difference.
 */
export async function verifyFlowExport(flow: Flow, bytes: Uint8Array, graph: FlowExportGraph): Promise<number> {
  const n = 16;
  const C = flow.config.ctxDim;
  const ctx = C ? Float64Array.from({ length: n * C }, (_, i) => Math.sin(1 + i)) : undefined;
  const feedCtx: Record<string, OnnxFeed> = ctx ? { context: { data: ctx, dims: [n, C] } } : {};
  if (graph === "logp") {
    const x = flow.sample(n, { seed: 1, ctx });
    const got = await runOnnx(bytes, { x: { data: x, dims: [n, ...flow.eventShape] }, ...feedCtx });
    return maxRelDiff(got, flow.logProb(x, { ctx }));
  }
  const noise = flowSampleRng(3).normals(n * flow.dim);
  const got = await runOnnx(bytes, { noise: { data: noise, dims: [n, ...flow.eventShape] }, ...feedCtx });
  return maxRelDiff(got, flow.sample(n, { seed: 3, ctx }));
}
