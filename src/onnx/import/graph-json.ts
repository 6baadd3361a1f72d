/**
 * An imported graph as JSON, stored in the checkpoint's config.json (`model.net.graph`): the nodes, the inputs and
 * outputs, the non-float initializers (small integer shape data) inline, and the float initializers only by name
 * and shape (except those read as shapes, axes or scales, kept inline) — their values are the network's
 * parameters, in weights.safetensors (`params.net.w.<i>`, in `params` order), so training, EMA and the optimizer
 * treat them like any native network's weights. The checkpoint is therefore self-contained and browser-loadable:
 * no .onnx file is needed after import. Non-finite numbers (masks of −∞) are written as strings, which JSON cannot
 * otherwise hold.
 */
import type { Attr, Model, Node, Tensor } from "./decode.js";
import { OptionError } from "../../errors.js";

type Num = number | string;
export interface TensorJson {
  name: string;
  dataType: number;
  dims: number[];
  data: Num[];
}
export type AttrJson = { f: Num } | { i: number } | { s: string } | { t: TensorJson } | { floats: Num[] } | { ints: number[] } | { strings: string[] };
export interface NodeJson {
  op: string;
  name?: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, AttrJson>;
}
export interface OnnxGraphJson {
  opset: number;
  producer?: string;
  nodes: NodeJson[];
  /** Graph inputs with their ONNX element type and shape (a string is a dynamic dimension). */
  inputs: { name: string; elemType: number; shape: (number | string)[] }[];
  outputs: string[];
  /** Float initializers: the network's weights, in parameter order. */
  params: { name: string; shape: number[] }[];
  /** The other initializers, inline. */
  constants: TensorJson[];
}

const enc = (x: number): Num => (Number.isFinite(x) ? x : String(x));
const dec = (x: Num): number => (typeof x === "number" ? x : Number(x));

/** Float element types (float16/32/64, bfloat16): these initializers become trainable weights. */
export const isFloatType = (code: number) => code === 1 || code === 10 || code === 11 || code === 16;

function tensorJson(t: Tensor): TensorJson {
  return { name: t.name, dataType: t.dataType, dims: t.dims, data: Array.from(t.data, enc) };
}
function tensorFrom(t: TensorJson): Tensor {
  return { name: t.name, dataType: t.dataType, dims: t.dims, data: Float64Array.from(t.data, dec) };
}

function attrJson(a: Attr): AttrJson {
  if ("f" in a) return { f: enc(a.f) };
  if ("floats" in a) return { floats: a.floats.map(enc) };
  if ("t" in a) return { t: tensorJson(a.t) };
  return a;
}
function attrFrom(a: AttrJson): Attr {
  if ("f" in a) return { f: dec(a.f) };
  if ("floats" in a) return { floats: a.floats.map(dec) };
  if ("t" in a) return { t: tensorFrom(a.t) };
  return a;
}

/**
 * Input slots whose values must be known at trace time (shapes, axes, scales): a float initializer read there (an
 * older exporter's Resize scales, say) stays a constant rather than becoming a trainable — and traced — weight.
 */
const STATIC_INPUTS: Record<string, number[]> = {
  Reshape: [1], Expand: [1], Tile: [1], ConstantOfShape: [0], Squeeze: [1], Unsqueeze: [1], Split: [1],
  Slice: [1, 2, 3, 4], Resize: [1, 2, 3], Range: [0, 1, 2], ReduceMean: [1], ReduceSum: [1], ReduceMax: [1],
  ReduceMin: [1], ReduceProd: [1],
};

/** Names of the initializers some node reads in a static slot. */
function staticNames(m: Model): Set<string> {
  const out = new Set<string>();
  for (const n of m.graph.nodes) for (const i of STATIC_INPUTS[n.opType] ?? []) if (n.inputs[i]) out.add(n.inputs[i]!);
  return out;
}

/** The graph of a decoded model as JSON, its float initializers split off as weights (returned in order). */
export function graphToJson(m: Model): { graph: OnnxGraphJson; weights: Tensor[] } {
  const fixed = staticNames(m);
  const isWeight = (t: Tensor) => isFloatType(t.dataType) && !fixed.has(t.name);
  const weights = m.graph.initializers.filter(isWeight);
  const graph: OnnxGraphJson = {
    opset: m.opset,
    ...(m.producer ? { producer: m.producer } : {}),
    nodes: m.graph.nodes.map((n) => ({
      op: n.opType,
      ...(n.name ? { name: n.name } : {}),
      ...(n.domain ? { domain: n.domain } : {}),
      inputs: n.inputs,
      outputs: n.outputs,
      ...(Object.keys(n.attrs).length ? { attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, a]) => [k, attrJson(a)])) } : {}),
    })),
    inputs: m.graph.inputs.map((v) => ({ name: v.name, elemType: v.elemType, shape: v.shape })),
    outputs: m.graph.outputs.map((v) => v.name),
    params: weights.map((t) => ({ name: t.name, shape: t.dims })),
    constants: m.graph.initializers.filter((t) => !isWeight(t)).map(tensorJson),
  };
  return { graph, weights };
}

/** Nodes and constants of a stored graph, as the interpreter takes them. Refuses a malformed one in one line. */
export function graphFromJson(g: OnnxGraphJson, where = "net.graph"): { nodes: Node[]; constants: Tensor[] } {
  if (!g || typeof g !== "object" || !Array.isArray(g.nodes) || !Array.isArray(g.params) || !Array.isArray(g.inputs) || !Array.isArray(g.outputs) || !Number.isInteger(g.opset))
    throw new OptionError(`${where}: expected an imported ONNX graph { opset, nodes, inputs, outputs, params, constants }`);
  return {
    nodes: g.nodes.map((n) => ({
      opType: n.op, name: n.name ?? "", domain: n.domain ?? "", inputs: n.inputs, outputs: n.outputs,
      attrs: Object.fromEntries(Object.entries(n.attrs ?? {}).map(([k, a]) => [k, attrFrom(a)])),
    })),
    constants: (g.constants ?? []).map(tensorFrom),
  };
}
