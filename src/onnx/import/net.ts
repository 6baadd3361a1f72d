/**
 * The built-in network kind "onnx": a velocity field imported from an ONNX file (`flowmatch import`, or
 * `importOnnx` in ./model.ts). Its config holds the graph without weights (graph-json.ts); its parameters are the
 * graph's float initializers, `{ w: [w0, w1, …] }` in `graph.params` order, so jit, grad (fine-tuning, reflow) and
 * jvp (exact divergence) go through the interpreter like any jax-js code.
 *
 * Inputs: flowmatch's x [B, D] goes to the graph input `inputs.x` — as is for vector data, or for images (`image`
 * [H, W, C]) from flattened NHWC rows to NCHW [B, C, H, W], and the output back. t (scalar or [B]) goes to
 * `inputs.t` as [B] or [B, 1], whichever the graph declares. A class-conditional graph's integer label input
 * `inputs.label` gets the class index from the model's condition input: the model stores labels as one-hot rows
 * over K + 1 columns (∅ last) through an identity embedding (embedDim K + 1, the table `params.embed`), and the
 * index K becomes the graph's own null label (`nullLabel`). Labels carry no gradient (the embedding table stays
 * fixed under fine-tuning; the graph's own label embedding trains).
 *
 * `init(seed)` gives the graph's structure with fresh PyTorch-style weights (U(±1/√fan_in); 1-D tensors zero, or
 * one for names ending in "weight"/"scale"/"gamma"), which is what loading needs for the tree's shapes; an import
 * brings the file's trained weights.
 */
import { np, lax, Rng, fromHost, type Array as JArray, type DType } from "../../engine/index.js";
import { OptionError } from "../../errors.js";
import { registerBuiltinNet, broadcastTime, type VelocityNet } from "../../nets/registry.js";
import { graphFromJson, type OnnxGraphJson } from "./graph-json.js";
import { prepareGraph, checkOps, runGraph, type PreparedGraph } from "./interpret.js";

export type OnnxNetConfig = {
  kind: "onnx";
  /** Data dimension D (H·W·C for images). */
  dim: number;
  /** Width of the condition input (K + 1 for K classes), set from the model's conditioning. */
  condWidth?: number;
  graph: OnnxGraphJson;
  /** Which graph input receives x, t and the class label. */
  inputs: { x: string; t: string; label?: string };
  /** Image event shape [H, W, C]: rows are flattened NHWC, the graph works in NCHW. */
  image?: number[];
  /** The graph's label value for ∅ (classifier-free guidance's unconditional pass). */
  nullLabel?: number;
};
export type OnnxParams = { w: JArray[] };

/** The graph ready to run, checked against the config: inputs present, every op supported, sizes matching `dim`. */
export function prepareOnnxNet(c: OnnxNetConfig): PreparedGraph {
  const where = `network "onnx"`;
  const parts = graphFromJson(c.graph, `${where}: graph`);
  const g = prepareGraph({ opset: c.graph.opset, nodes: parts.nodes, constants: parts.constants, params: c.graph.params.map((p) => p.name), inputs: c.graph.inputs.map((i) => i.name), outputs: c.graph.outputs });
  checkOps(g);
  const names = c.graph.inputs.map((i) => i.name);
  const wanted = [c.inputs?.x, c.inputs?.t, ...(c.inputs?.label ? [c.inputs.label] : [])];
  for (const n of wanted) if (!names.includes(n!)) throw new OptionError(`${where}: the graph has no input "${n}" (its inputs: ${names.join(", ")})`);
  const extra = names.filter((n) => !wanted.includes(n));
  if (extra.length) throw new OptionError(`${where}: the graph input${extra.length > 1 ? "s" : ""} ${extra.map((n) => `"${n}"`).join(", ")} ${extra.length > 1 ? "are" : "is"} not mapped (map x, t and label with --inputs)`);
  if (c.graph.outputs.length !== 1) throw new OptionError(`${where}: the graph has ${c.graph.outputs.length} outputs; a velocity field has one`);
  const tRank = c.graph.inputs.find((i) => i.name === c.inputs.t)!.shape.length;
  if (tRank !== 1 && tRank !== 2) throw new OptionError(`${where}: the time input "${c.inputs.t}" has rank ${tRank}; expected [B] or [B, 1]`);
  if (c.image) {
    const [H, W, C] = c.image as [number, number, number];
    if (c.image.length !== 3 || H * W * C !== c.dim) throw new OptionError(`${where}: image [${c.image}] does not hold dim ${c.dim} values`);
  }
  const xs = c.graph.inputs.find((i) => i.name === c.inputs.x)!.shape.slice(1);
  if (xs.every((d) => typeof d === "number") && xs.reduce<number>((a, d) => a * (d as number), 1) !== c.dim)
    throw new OptionError(`${where}: the graph's input "${c.inputs.x}" holds [${xs}] values per row, not dim ${c.dim}`);
  return g;
}

function initOnnx(c: OnnxNetConfig, seed: number, dtype: DType = np.float32): OnnxParams {
  const rng = new Rng(seed);
  return {
    w: c.graph.params.map((p) => {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (p.shape.length <= 1) {
        const one = /(weight|scale|gamma)$/i.test(p.name);
        return fromHost(new Float64Array(n).fill(one ? 1 : 0), p.shape, dtype);
      }
      const bound = 1 / Math.sqrt(p.shape.slice(1).reduce((a, b) => a * b, 1));
      return fromHost(Float64Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound), p.shape, dtype);
    }),
  };
}

/** The label input: class index from the condition rows (argmax; K → nullLabel), or ∅ everywhere. */
function labels(c: OnnxNetConfig, B: number, cond: JArray | undefined): JArray {
  const nul = c.nullLabel ?? 0;
  if (!cond) return np.full([B], nul, { dtype: np.int32 });
  const K = cond.shape[1]! - 1;
  const idx = np.argmax(lax.stopGradient(cond), 1).astype(np.int32);
  return np.where(np.equal(idx.ref, K), np.full([B], nul, { dtype: np.int32 }), idx);
}

function applyOnnx(c: OnnxNetConfig, g: PreparedGraph, params: OnnxParams, x: JArray, t: JArray, cond?: JArray): JArray {
  const B = x.shape[0]!;
  const D = c.dim;
  const dtype = x.dtype;
  const xShape = c.graph.inputs.find((i) => i.name === c.inputs.x)!.shape;
  let xin: JArray;
  if (c.image) {
    const [H, W, C] = c.image as [number, number, number];
    xin = x.reshape([B, H, W, C]).transpose([0, 3, 1, 2]);
  } else xin = xShape.length === 2 ? x : x.reshape([B, ...xShape.slice(1).map((d) => (typeof d === "number" ? d : -1))]);
  const tRank = c.graph.inputs.find((i) => i.name === c.inputs.t)!.shape.length;
  const tcol = broadcastTime(t, xin);
  const feeds: Record<string, JArray> = { [c.inputs.x]: xin, [c.inputs.t]: tRank === 1 ? tcol.reshape([B]) : tcol };
  if (c.inputs.label) feeds[c.inputs.label] = labels(c, B, cond);
  else cond?.dispose();
  const weights = Object.fromEntries(c.graph.params.map((p, i) => [p.name, params.w[i]!]));
  const [out] = runGraph(g, feeds, weights, dtype);
  if (c.image && out!.ndim !== 4) {
    const s = out!.shape;
    out!.dispose();
    throw new OptionError(`network "onnx": the graph's output has shape [${s}]; an image network's output is [B, C, H, W] like its input`);
  }
  const v = c.image ? out!.transpose([0, 2, 3, 1]) : out!;
  if (v.size !== B * D) {
    const s = v.shape;
    v.dispose();
    throw new OptionError(`network "onnx": the graph's output has shape [${s}], expected ${D} values per row`);
  }
  return v.reshape([B, D]);
}

export function onnxNet(config: OnnxNetConfig): VelocityNet<OnnxParams, OnnxNetConfig> {
  const g = prepareOnnxNet(config);
  return {
    kind: "onnx",
    config,
    init: (seed, dtype) => initOnnx(config, seed, dtype),
    apply: (params, x, t, cond) => applyOnnx(config, g, params, x, t, cond),
  };
}
registerBuiltinNet("onnx", onnxNet);
