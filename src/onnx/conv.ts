/**
 * jax-js's `conv` → ONNX Conv. The primitive is XLA's general convolution in ONNX's own layout (input [N, C, …],
 * kernel [C_out, C_in, …]), which `lax.convGeneralDilated` — and so the ONNX importer's Conv and ConvTranspose —
 * trace to. Per-side padding becomes Conv's `pads` (a Pad node first when a side is negative, a crop ONNX Conv
 * cannot express); rhsDilation is Conv's `dilations`. lhsDilation (the transposed convolution: the input with
 * s − 1 zeros between its elements) is built explicitly per spatial axis — each element gets s − 1 zeros after it
 * (Pad on a new unit axis, then Reshape) and the trailing s − 1 are cut — and then convolved with stride 1 as
 * traced. A grouped convolution (featureGroupCount G) traces as conv with vmapDims 1 — input [G, N, C/G, …],
 * kernel [G, O/G, C/G, …] — and becomes one Conv with group = G on the input and kernel folded back to ONNX's
 * [N, C, …] and [O, C/G, …] layout.
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType } from "./proto.js";
import type { LowerCtx } from "./lower.js";
import type { Dim } from "./graph.js";
import { OptionError } from "../errors.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

const i64 = (ctx: LowerCtx, v: number[]) => ctx.g.initializer(v, [v.length], DataType.INT64);

/** x with s − 1 zeros inserted between neighbours along `axis` (dims: x's dims; returns the new name and dims). */
function dilate(ctx: LowerCtx, x: string, dims: Dim[], axis: number, s: number): { name: string; dims: Dim[] } {
  const n = dims[axis] as number;
  const r = dims.length;
  const u = ctx.g.node("Unsqueeze", [x, i64(ctx, [axis + 1])]); // [… n, 1 …]
  const pads = new Array<number>(2 * (r + 1)).fill(0);
  pads[r + 1 + axis + 1] = s - 1; // after each element: [… n, s …]
  const padded = ctx.g.node("Pad", [u, i64(ctx, pads)]);
  const flatDims = dims.map((d, i) => (i === axis ? n * s : d));
  const flat = ctx.g.node("Reshape", [padded, ctx.g.reshapeTo(flatDims)]);
  const len = (n - 1) * s + 1;
  const cut = ctx.g.node("Slice", [flat, i64(ctx, [0]), i64(ctx, [len]), i64(ctx, [axis])]);
  return { name: cut, dims: dims.map((d, i) => (i === axis ? len : d)) };
}

export function lowerConv(ctx: LowerCtx, e: JaxprEqn): string {
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const p = e.params as { vmapDims: number; strides: number[]; padding: [number, number][]; lhsDilation: number[]; rhsDilation: number[] };
  if (p.vmapDims > 1) throw new OptionError("ONNX export: conv with more than one vmapped dimension is not supported");
  if (p.vmapDims === 1) return grouped(ctx, e, p);
  return plainConv(ctx, ctx.name(lhs), ctx.dims(lhs), ctx.name(rhs), p);
}

type ConvParams = { strides: number[]; padding: [number, number][]; lhsDilation: number[]; rhsDilation: number[] };

/** Conv of x (dims `dims`) with kernel w; `group` as ONNX Conv's attribute. */
function plainConv(ctx: LowerCtx, x: string, dims: Dim[], w: string, p: ConvParams, group = 1): string {
  p.lhsDilation.forEach((s, i) => {
    if (s === 1) return;
    ({ name: x, dims } = dilate(ctx, x, dims, i + 2, s));
  });
  const n = p.padding.length;
  let pads = [...p.padding.map((q) => q[0]), ...p.padding.map((q) => q[1])];
  if (pads.some((q) => q < 0)) {
    x = ctx.g.node("Pad", [x, i64(ctx, [0, 0, ...pads.slice(0, n), 0, 0, ...pads.slice(n)])]);
    pads = pads.map(() => 0);
  }
  const attrs = { strides: { ints: p.strides }, dilations: { ints: p.rhsDilation }, pads: { ints: pads }, ...(group > 1 ? { group: { i: group } } : {}) };
  return ctx.g.node("Conv", [x, w], attrs);
}

/** conv with vmapDims 1 (featureGroupCount): [G, N, Cg, …] ⊛ [G, Og, Cg, …] → [G, N, Og, …] as Conv(group = G). */
function grouped(ctx: LowerCtx, e: JaxprEqn, p: ConvParams): string {
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const [G, N, Cg, ...xs] = ctx.dims(lhs);
  const [G2, Og, , ...ks] = ctx.dims(rhs) as number[];
  const [, , , ...ys] = ctx.dims(e.outBinders[0]!);
  if (G !== G2 || typeof G !== "number" || typeof Cg !== "number" || typeof Og !== "number") {
    throw new OptionError("ONNX export: a grouped convolution whose groups broadcast or scale with the batch is not supported");
  }
  const moveGroups = (r: number) => [1, 0, ...Array.from({ length: r - 2 }, (_, i) => i + 2)];
  const xDims: Dim[] = [N!, G * Cg, ...xs];
  const x = ctx.g.node("Reshape", [ctx.g.transpose(ctx.name(lhs), moveGroups(2 + xDims.length - 1)), ctx.g.reshapeTo(xDims)]);
  const w = ctx.g.node("Reshape", [ctx.name(rhs), ctx.g.shape([G * Og, Cg, ...ks])]);
  const y = plainConv(ctx, x, xDims, w, p, G); // [N, G·Og, …ys]
  const split = ctx.g.node("Reshape", [y, ctx.g.reshapeTo([N!, G, Og, ...ys])]);
  return ctx.g.transpose(split, moveGroups(3 + ys.length));
}
