/**
 * Lowering rules: one jax-js primitive → ONNX nodes (opset 17). Elementwise ops map one to one (jax-js and ONNX
 * both broadcast NumPy-style). Shapes that hold the batch size become runtime shape tensors (GraphBuilder.shape), so
 * a graph traced at one batch size runs at any. `dot` — jax-js's sum(x·y, axis −1), which `matmul` and its
 * gradients lower to with transposes, broadcasts and reshapes around it — is matched back to MatMul (dot.ts).
 * Likewise the engine's stable sigmoid (SiLU, GELU) becomes one Sigmoid node, and its traced derivative a few
 * nodes around Sigmoid (fuse.ts).
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType, type DataTypeCode } from "./proto.js";
import { isBatchDim, type Dim, type GraphBuilder } from "./graph.js";
import { OptionError } from "../errors.js";
import { lowerDot, lowerTransposedDot } from "./dot.js";
import { lowerGather, lowerScatter } from "./gather.js";
import { lowerConv } from "./conv.js";
import { foldZeros } from "./zeros.js";
import { lowerRepeated, type Rep } from "./repeat.js";
import { analyzeEqn, lowerFused, sigmoidNode, type Sym } from "./fuse.js";
import { lowerTriangularSolve } from "./triangular.js";
import { lowerBoolBinary } from "./logic.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

export interface LowerCtx {
  g: GraphBuilder;
  /** The ONNX value name of a jaxpr atom (a literal becomes a shared scalar initializer). */
  name(a: Atom): string;
  /** The shape of a value with "B" where the batch size goes. */
  dims(a: Atom): Dim[];
  /** The equation that produced a variable (undefined for graph inputs). */
  producer(v: Atom): JaxprEqn | undefined;
  /** How many equations (and graph outputs) read a value. */
  uses(v: Atom): number;
  /** Values known to be all zeros (zeros.ts). */
  zeros: Set<Atom>;
  /** Values that are stacked copies of a smaller base, and the copies × rows they have (repeat.ts). */
  reps: Map<Atom, Rep>;
  /** Symbolic forms of elementwise values around the sigmoid, and σ' per root value (fuse.ts). */
  syms: Map<Atom, Sym>;
  fused: Map<string, string>;
  roots: Map<Atom, { beta: number; arg: Atom }>;
  repShape?: { k: number; B: number };
  /**
   * While an equation is lowered: the element type its weakly typed literals take. jax-js promotes a weak literal
   * to its operand's type (equal(int32 x, 3) compares int32s) but keeps float32 in its aval, and ONNX needs both
   * operands of the same type.
   */
  literalType?: DataTypeCode;
}

/** ONNX element type of a jax-js dtype. */
export function onnxType(dtype: string): DataTypeCode {
  const t = ({ float32: DataType.FLOAT, float64: DataType.DOUBLE, int32: DataType.INT32, bool: DataType.BOOL } as Record<string, DataTypeCode>)[dtype];
  if (t === undefined) throw new OptionError(`ONNX export: dtype ${dtype} is not supported`);
  return t;
}

export const unary: Record<string, string> = {
  neg: "Neg", reciprocal: "Reciprocal", exp: "Exp", log: "Log", sin: "Sin", cos: "Cos", sqrt: "Sqrt",
  floor: "Floor", ceil: "Ceil", erf: "Erf", stop_gradient: "Identity", asin: "Asin", atan: "Atan",
};
export const binary: Record<string, string> = { add: "Add", mul: "Mul", min: "Min", max: "Max" };
export const compare: Record<string, string> = { less: "Less", less_equal: "LessOrEqual", equal: "Equal" };

/** A rule returns its output's name, or the names of all outputs for a multi-output primitive (split). */
type Rule = (ctx: LowerCtx, e: JaxprEqn) => string | string[];

const rules: Record<string, Rule> = {
  compare: (ctx, e) => {
    const op = e.params.op as string;
    const [a, b] = e.inputs.map((x) => ctx.name(x));
    if (op === "not_equal") return ctx.g.node("Not", [ctx.g.node("Equal", [a!, b!])]);
    const t = compare[op];
    if (!t) throw new OptionError(`ONNX export: comparison ${op} is not supported`);
    return ctx.g.node(t, [a!, b!]);
  },
  where: (ctx, e) => {
    const x = stableSigmoidInput(ctx, e);
    if (x) return sigmoidNode(ctx, ctx.name(x));
    return ctx.g.node("Where", e.inputs.map((a) => ctx.name(a)));
  },
  cast: (ctx, e) => ctx.g.node("Cast", [ctx.name(e.inputs[0]!)], { to: { i: onnxType(String(e.params.dtype)) } }),
  concatenate: (ctx, e) => ctx.g.node("Concat", e.inputs.map((x) => ctx.name(x)), { axis: { i: e.params.axis as number } }),
  transpose: (ctx, e) => lowerTransposedDot(ctx, e) ?? ctx.g.transpose(ctx.name(e.inputs[0]!), e.params.perm as number[]),
  reshape: (ctx, e) => ctx.g.node("Reshape", [ctx.name(e.inputs[0]!), ctx.g.reshapeTo(ctx.dims(e.outBinders[0]!))]),
  broadcast: (ctx, e) => {
    const axis = e.params.axis as number[];
    let x = ctx.name(e.inputs[0]!);
    if (axis.length) x = ctx.g.node("Unsqueeze", [x, ctx.g.initializer(axis, [axis.length], DataType.INT64)]);
    return ctx.g.node("Expand", [x, ctx.g.shape(ctx.dims(e.outBinders[0]!))]);
  },
  reduce: (ctx, e) => {
    const axes = e.params.axis as number[];
    const x = ctx.name(e.inputs[0]!);
    const op = String(e.params.op);
    if (!axes.length) return ctx.g.node("Identity", [x]); // ONNX reads empty axes as "all"
    if (op === "Add") return ctx.g.node("ReduceSum", [x, ctx.g.initializer(axes, [axes.length], DataType.INT64)], { keepdims: { i: 0 } });
    const t = ({ Mul: "ReduceProd", Max: "ReduceMax", Min: "ReduceMin" } as Record<string, string>)[op];
    if (!t) throw new OptionError(`ONNX export: reduction ${op} is not supported`);
    return ctx.g.node(t, [x], { axes: { ints: axes }, keepdims: { i: 0 } });
  },
  shrink: (ctx, e) => {
    const slice = e.params.slice as [number, number][];
    const dims = ctx.dims(e.inputs[0]!);
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    slice.forEach(([s, t], i) => {
      if (s === 0 && (isBatchDim(dims[i]!) || t === dims[i])) return; // whole axis (the batch axis is never cut)
      if (isBatchDim(dims[i]!)) throw new OptionError("ONNX export: slicing the batch axis is not supported");
      axes.push(i), starts.push(s), ends.push(t);
    });
    const x = ctx.name(e.inputs[0]!);
    if (!axes.length) return ctx.g.node("Identity", [x]);
    const i64 = (v: number[]) => ctx.g.initializer(v, [v.length], DataType.INT64);
    return ctx.g.node("Slice", [x, i64(starts), i64(ends), i64(axes)]);
  },
  pad: (ctx, e) => {
    const width = e.params.width as [number, number][];
    const pads = [...width.map((w) => w[0]), ...width.map((w) => w[1])];
    return ctx.g.node("Pad", [ctx.name(e.inputs[0]!), ctx.g.initializer(pads, [pads.length], DataType.INT64)]);
  },
  flip: (ctx, e) => {
    // Slice with step −1 from the last element to before the first (ONNX clamps the INT64_MIN-like end).
    const axes = e.params.axis as number[];
    const x = ctx.name(e.inputs[0]!);
    if (!axes.length) return ctx.g.node("Identity", [x]);
    const i64 = (v: number[]) => ctx.g.initializer(v, [v.length], DataType.INT64);
    return ctx.g.node("Slice", [x, i64(axes.map(() => -1)), i64(axes.map(() => -(2 ** 53))), i64(axes), i64(axes.map(() => -1))]);
  },
  dot: lowerDot,
  gather: lowerGather,
  scatter: lowerScatter,
  conv: lowerConv,
  triangular_solve: lowerTriangularSolve,
  split: (ctx, e) => {
    const sizes = e.params.sizes as number[];
    const outs = e.outBinders.map(() => ctx.g.fresh("split"));
    const split = ctx.g.initializer(sizes, [sizes.length], DataType.INT64);
    ctx.g.node("Split", [ctx.name(e.inputs[0]!), split], { axis: { i: e.params.axis as number } }, outs);
    return outs;
  },
};

const isLit = (a: Atom, v: number) => "value" in a && a.value === v;

/**
 * The engine's numerically stable sigmoid (engine/activations.ts, float32 path) traces as 10 equations:
 *   where(0 ≤ x, 1/(1 + e), e · 1/(1 + e)) with e = exp(−where(x < 0, −x, x)).
 * ONNX Runtime does not fuse that chain; run as written it is most of the forward pass's memory traffic. ONNX's
 * own Sigmoid is stable too, so the whole chain becomes one node. Returns x when `e` is the final `where`.
 */
export function stableSigmoidInput(ctx: LowerCtx, e: JaxprEqn): Atom | undefined {
  const [c, a, b] = e.inputs as [Atom, Atom, Atom];
  const pc = ctx.producer(c);
  if (pc?.primitive !== "compare" || pc.params.op !== "less_equal" || !isLit(pc.inputs[0]!, 0)) return undefined;
  const x = pc.inputs[1]!;
  const pa = ctx.producer(a);
  const pb = ctx.producer(b);
  if (pa?.primitive !== "reciprocal" || pb?.primitive !== "mul") return undefined;
  const d = pa.inputs[0]!;
  const pd = ctx.producer(d);
  if (pd?.primitive !== "add" || !isLit(pd.inputs[1]!, 1)) return undefined;
  const ex = pd.inputs[0]!;
  const [m0, m1] = pb.inputs as [Atom, Atom];
  const other = m0 === ex ? m1 : m1 === ex ? m0 : undefined;
  const po = other && ctx.producer(other);
  if (po?.primitive !== "reciprocal" || po.inputs[0] !== d) return undefined;
  const pe = ctx.producer(ex);
  const pn = pe?.primitive === "exp" ? ctx.producer(pe.inputs[0]!) : undefined;
  const pz = pn?.primitive === "neg" ? ctx.producer(pn.inputs[0]!) : undefined;
  if (pz?.primitive !== "where" || pz.inputs[2] !== x) return undefined;
  const pl = ctx.producer(pz.inputs[0]!);
  const pm = ctx.producer(pz.inputs[1]!);
  const absOk = pl?.primitive === "compare" && pl.params.op === "less" && pl.inputs[0] === x && isLit(pl.inputs[1]!, 0)
    && pm?.primitive === "mul" && pm.inputs[0] === x && isLit(pm.inputs[1]!, -1);
  return absOk ? x : undefined;
}

/** The type of an equation's first non-literal, non-boolean operand (or of its output), for its weak literals. */
function literalType(e: JaxprEqn): DataTypeCode | undefined {
  const typed = e.inputs.find((a) => !("value" in a) && String(a.aval.dtype) !== "bool");
  const dtype = String((typed ?? e.outBinders[0])?.aval.dtype);
  return dtype === "bool" || dtype === "undefined" ? undefined : onnxType(dtype);
}

/**
 * Lowers one equation; returns the ONNX names of its outputs. `plain`: by its own rule only, without the pattern
 * rewrites (for an equation whose literals are computed at run time; its output is then opaque to later ones).
 */
export function lowerEqn(ctx: LowerCtx, e: JaxprEqn, plain = false): string[] {
  if (!plain) {
    analyzeEqn(ctx, e);
    const folded = foldZeros(ctx, e);
    if (folded) return folded;
    const fused = lowerFused(ctx, e);
    if (fused) return fused;
    const repeated = lowerRepeated(ctx, e);
    if (repeated) return repeated;
  }
  const p = String(e.primitive);
  ctx.literalType = literalType(e);
  const ins = () => e.inputs.map((x) => ctx.name(x));
  const logic = lowerBoolBinary(ctx, e);
  if (logic) return [logic];
  if (unary[p]) return [ctx.g.node(unary[p]!, ins())];
  if (binary[p]) return [ctx.g.node(binary[p]!, ins())];
  const rule = rules[p];
  if (!rule) throw new OptionError(`ONNX export: the jax-js primitive "${p}" has no ONNX lowering yet`);
  const out = rule(ctx, e);
  return typeof out === "string" ? [out] : out;
}
