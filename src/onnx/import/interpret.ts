/**
 * Runs an imported ONNX graph on jax-js values, node by node in the file's (topological) order. Weights are
 * borrowed jax-js arrays; feeds are consumed; each intermediate is freed after its last use, so the interpreter
 * follows jax-js's ownership rules inside jit, grad and jvp traces as well as eagerly. An op the importer lacks, or
 * an attribute value it does not handle, is a one-line OptionError naming the op, its node and the opset.
 */
import type { Array as JArray, DType } from "../../engine/index.js";
import { OptionError } from "../../errors.js";
import type { Node, Tensor } from "./decode.js";
import { HostTensor, isHost, kindOfOnnx, toArray, refuse, type OpContext, type OpImpl, type Value } from "./value.js";
import { elementwiseOps } from "./ops/elementwise.js";
import { matmulOps } from "./ops/matmul.js";
import { shapeOps } from "./ops/shape.js";
import { convOps } from "./ops/conv.js";
import { normOps } from "./ops/norm.js";
import { reduceOps } from "./ops/reduce.js";

export const OPS: Record<string, OpImpl> = { ...elementwiseOps, ...matmulOps, ...shapeOps, ...convOps, ...normOps, ...reduceOps };

/** The ops the importer runs (Constant included), sorted: for messages and the README. */
export function supportedOps(): string[] {
  return [...Object.keys(OPS), "Constant"].sort();
}

/** A graph ready to run: its nodes, host constants, the names of its weights, inputs and outputs, and use counts. */
export interface PreparedGraph {
  opset: number;
  nodes: Node[];
  constants: Map<string, HostTensor>;
  params: string[];
  inputs: string[];
  outputs: string[];
  /** How many times each value is read (node inputs + graph outputs). */
  uses: Map<string, number>;
}

export function hostTensor(t: Tensor): HostTensor {
  return new HostTensor(t.data, t.dims, kindOfOnnx(t.dataType));
}

export function prepareGraph(g: { opset: number; nodes: Node[]; constants: Tensor[]; params: string[]; inputs: string[]; outputs: string[] }): PreparedGraph {
  const uses = new Map<string, number>();
  const use = (n: string) => n && uses.set(n, (uses.get(n) ?? 0) + 1);
  for (const n of g.nodes) n.inputs.forEach(use);
  g.outputs.forEach(use);
  return { ...g, constants: new Map(g.constants.map((t) => [t.name, hostTensor(t)])), uses };
}

/**
 * The attributes each op reads (or may ignore: they do not change its result here); any other attribute is refused
 * rather than silently dropped. Ops not listed take none.
 */
const ATTRS: Record<string, string[]> = {
  Gemm: ["alpha", "beta", "transA", "transB"], Elu: ["alpha"], LeakyRelu: ["alpha"], Mod: ["fmod"], Cast: ["to", "saturate"],
  Clip: ["min", "max"], Dropout: ["seed"], Constant: ["value", "value_float", "value_floats", "value_int", "value_ints"],
  Shape: ["start", "end"], Reshape: ["allowzero"], Flatten: ["axis"], Transpose: ["perm"], Squeeze: ["axes"],
  Unsqueeze: ["axes"], Concat: ["axis"], Split: ["axis", "split", "num_outputs"], Slice: ["starts", "ends", "axes"],
  Gather: ["axis"], ConstantOfShape: ["value"],
  Conv: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"],
  ConvTranspose: ["auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"],
  // cubic_coeff_a, exclude_outside and antialias only matter for linear/cubic modes, extrapolation_value for
  // tf_crop_and_resize: all refused elsewhere.
  Resize: ["mode", "coordinate_transformation_mode", "nearest_mode", "cubic_coeff_a", "exclude_outside", "extrapolation_value", "antialias", "axes", "keep_aspect_ratio_policy"],
  InstanceNormalization: ["epsilon"], LayerNormalization: ["axis", "epsilon", "stash_type"], GroupNormalization: ["num_groups", "epsilon", "stash_type"],
  Softmax: ["axis"], LogSoftmax: ["axis"],
  ...Object.fromEntries(["ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd"].map((op) => [op, ["axes", "keepdims", "noop_with_empty_axes"]])),
};

/** Every op (and attribute) in the graph the importer cannot run, refused up front (before any array is made). */
export function checkOps(g: PreparedGraph): void {
  for (const node of g.nodes) {
    const ctx: OpContext = { dtype: "float32" as DType, opset: g.opset, node };
    if (node.domain && node.domain !== "ai.onnx") refuse(ctx, `the domain "${node.domain}" is not supported (only the default ONNX domain)`);
    if (node.opType !== "Constant" && !OPS[node.opType]) refuse(ctx, `not supported by the importer (supported: ${supportedOps().join(", ")})`);
    const known = ATTRS[node.opType] ?? [];
    const odd = Object.keys(node.attrs).find((k) => !known.includes(k));
    if (odd) refuse(ctx, `the attribute "${odd}" is not supported`);
  }
}

function constantNode(ctx: OpContext): HostTensor {
  const a = ctx.node.attrs;
  const v = a.value ?? a.value_float ?? a.value_floats ?? a.value_int ?? a.value_ints;
  if (!v) refuse(ctx, `only value, value_float(s) and value_int(s) are supported (got ${Object.keys(a).join(", ") || "none"})`);
  if ("t" in v) return hostTensor(v.t);
  if ("f" in v) return HostTensor.scalar(v.f, "float");
  if ("i" in v) return HostTensor.scalar(v.i, "int");
  if ("floats" in v) return new HostTensor(Float64Array.from(v.floats), [v.floats.length], "float");
  if ("ints" in v) return HostTensor.ints(v.ints);
  return refuse(ctx, "an unsupported constant value");
}

/**
 * Runs `g` with `feeds` (consumed) and `weights` (borrowed, by initializer name) in float dtype `dtype`; returns the
 * graph outputs as owned arrays, in order.
 */
export function runGraph(g: PreparedGraph, feeds: Record<string, JArray>, weights: Record<string, JArray>, dtype: DType): JArray[] {
  const env = new Map<string, Value>();
  const owned = new Set<string>();
  const left = new Map(g.uses);
  const drop = (name: string) => {
    const v = env.get(name);
    if (v !== undefined && owned.has(name) && !isHost(v)) v.dispose();
    env.delete(name);
    owned.delete(name);
  };
  try {
    for (const [k, v] of g.constants) env.set(k, v);
    for (const k of g.params) env.set(k, weights[k]!);
    for (const [k, v] of Object.entries(feeds)) {
      env.set(k, v);
      owned.add(k);
      if (!left.get(k)) drop(k);
    }
    for (const node of g.nodes) {
      const ctx: OpContext = { dtype, opset: g.opset, node };
      let outs: Value[];
      if (node.opType === "Constant") outs = [constantNode(ctx)];
      else {
        const impl = OPS[node.opType];
        if (!impl) refuse(ctx, "not supported by the importer");
        const ins = node.inputs.map((n) => {
          if (!n) return undefined;
          const v = env.get(n);
          if (v === undefined) refuse(ctx, `its input "${n}" is not produced by any earlier node`);
          return v;
        });
        outs = impl(ins, ctx);
      }
      node.outputs.forEach((name, i) => {
        const v = outs[i];
        if (!name) {
          if (v !== undefined && !isHost(v)) v.dispose();
          return;
        }
        if (v === undefined) refuse(ctx, `output ${i} ("${name}") is not supported`);
        env.set(name, v);
        owned.add(name);
        if (!left.get(name)) drop(name);
      });
      for (const v of outs.slice(node.outputs.length)) if (!isHost(v)) v.dispose();
      for (const n of node.inputs) {
        if (!n) continue;
        const k = (left.get(n) ?? 1) - 1;
        left.set(n, k);
        if (k === 0) drop(n);
      }
    }
    return g.outputs.map((name) => {
      const v = env.get(name);
      if (v === undefined) throw new OptionError(`the ONNX graph's output "${name}" is never computed`);
      const ctx = { dtype, opset: g.opset, node: { opType: "output", name, domain: "", inputs: [], outputs: [name], attrs: {} } };
      const a = isHost(v) || !owned.has(name) ? toArray(v, ctx) : v;
      if (a === v) owned.delete(name);
      return a;
    });
  } finally {
    for (const k of [...owned]) drop(k);
  }
}
