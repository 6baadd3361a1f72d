/**
 * Values flowing through an imported ONNX graph. Tensors that depend on the network's inputs or weights are jax-js
 * arrays (traced under jit, grad and jvp); everything else — constants, integer initializers, Shape outputs and
 * arithmetic on them — stays a `HostTensor` of plain numbers, evaluated once at trace time. That is what makes
 * torch.onnx.export's Shape → Gather → Concat → Reshape chains static for jax-js (which needs concrete shapes) while
 * the batch size stays dynamic: each traced batch size sees its own shapes.
 *
 * Ops borrow their inputs (the interpreter frees a value after its last use) and return owned values.
 */
import { np, fromHost, type Array as JArray, type DType } from "../../engine/index.js";
import { OptionError } from "../../errors.js";
import type { Node } from "./decode.js";

export type HostKind = "float" | "int" | "bool";

/** A tensor known on the host at trace time. */
export class HostTensor {
  constructor(
    readonly data: Float64Array,
    readonly shape: number[],
    readonly kind: HostKind,
  ) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) throw new Error(`HostTensor: ${data.length} values for shape [${shape}]`);
  }
  static scalar(v: number, kind: HostKind): HostTensor {
    return new HostTensor(Float64Array.of(v), [], kind);
  }
  static ints(v: number[]): HostTensor {
    return new HostTensor(Float64Array.from(v), [v.length], "int");
  }
}

export type Value = JArray | HostTensor;

/** What an op sees besides its inputs: the working float dtype (float32 or float64), the opset and the node. */
export interface OpContext {
  dtype: DType;
  opset: number;
  node: Node;
}

export type OpImpl = (inputs: (Value | undefined)[], ctx: OpContext) => Value[];

export const isHost = (v: Value | undefined): v is HostTensor => v instanceof HostTensor;

/** ONNX element type → host kind (float16/32/64 are all "float": the graph runs in the working dtype). */
export function kindOfOnnx(code: number): HostKind {
  if (code === 1 || code === 10 || code === 11 || code === 16) return "float";
  if (code === 9) return "bool";
  return "int";
}

export function shapeOf(v: Value): number[] {
  return isHost(v) ? v.shape : v.shape;
}

/** "op X (node "n", opset k)" for messages. */
export function where(ctx: OpContext): string {
  return `ONNX op ${ctx.node.opType} (node "${ctx.node.name || ctx.node.outputs[0]}", opset ${ctx.opset})`;
}

/** A one-line refusal naming the op, its node and the opset. */
export function refuse(ctx: OpContext, what: string): never {
  throw new OptionError(`${where(ctx)}: ${what}`);
}

/** The jax dtype a host tensor of `kind` becomes. */
function dtypeFor(kind: HostKind, ctx: OpContext): DType {
  return kind === "float" ? ctx.dtype : kind === "int" ? np.int32 : np.bool;
}

/** An owned jax-js array for a value (borrowed): a new reference to an array, or a host tensor uploaded. */
export function toArray(v: Value, ctx: OpContext): JArray {
  if (!isHost(v)) return v.ref;
  const dt = dtypeFor(v.kind, ctx);
  if (dt === np.bool) return fromHost(v.data, v.shape, np.int32).notEqual(0);
  return fromHost(v.data, v.shape, dt);
}

/** The numbers of an input that must be known at trace time (axes, shapes, pads); refuses data-dependent ones. */
export function hostValues(v: Value | undefined, ctx: OpContext, what: string): number[] {
  if (v === undefined) refuse(ctx, `the ${what} input is missing`);
  if (!isHost(v)) refuse(ctx, `the ${what} input depends on the network's data, so its value is not known when the graph is traced (only static shapes are supported)`);
  return Array.from(v.data);
}

export function intAttr(ctx: OpContext, name: string, dflt: number): number {
  const a = ctx.node.attrs[name];
  return a && "i" in a ? a.i : dflt;
}
export function floatAttr(ctx: OpContext, name: string, dflt: number): number {
  const a = ctx.node.attrs[name];
  return a && "f" in a ? a.f : dflt;
}
export function intsAttr(ctx: OpContext, name: string): number[] | undefined {
  const a = ctx.node.attrs[name];
  return a && "ints" in a ? a.ints : undefined;
}
export function stringAttr(ctx: OpContext, name: string, dflt: string): string {
  const a = ctx.node.attrs[name];
  return a && "s" in a ? a.s : dflt;
}

/** A negative axis counted from the end; refuses out-of-range ones. */
export function normAxis(axis: number, rank: number, ctx: OpContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank)) refuse(ctx, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  return a;
}

/** Row-major strides of a shape. */
export function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** numpy broadcasting of two shapes (refused when incompatible). */
export function broadcastShape(a: number[], b: number[], ctx: OpContext): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) refuse(ctx, `shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Elementwise on host tensors with broadcasting. */
export function hostZip(ts: HostTensor[], f: (...xs: number[]) => number, kind: HostKind, ctx: OpContext): HostTensor {
  const shape = ts.map((t) => t.shape).reduce((a, b) => broadcastShape(a, b, ctx));
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const st = ts.map((t) => {
    const pad = [...new Array<number>(shape.length - t.shape.length).fill(1), ...t.shape];
    const s = strides(pad);
    return pad.map((d, i) => (d === 1 ? 0 : s[i]!));
  });
  const idx = new Array<number>(shape.length).fill(0);
  const args = new Array<number>(ts.length);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < ts.length; j++) {
      let o = 0;
      for (let d = 0; d < shape.length; d++) o += idx[d]! * st[j]![d]!;
      args[j] = ts[j]!.data[o]!;
    }
    out[k] = f(...args);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return new HostTensor(out, shape, kind);
}

/** Host gather of the elements at flat positions `pos` into `shape`. */
export function hostTake(t: HostTensor, pos: number[], shape: number[]): HostTensor {
  return new HostTensor(Float64Array.from(pos, (p) => t.data[p]!), shape, t.kind);
}
