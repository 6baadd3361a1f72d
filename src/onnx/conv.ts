/**
 * jax-js's `conv` → ONNX Conv. The primitive is XLA's general convolution in ONNX's own layout (input [N, C, …],
 * kernel [C_out, C_in, …]), which `lax.convGeneralDilated` — and so the ONNX importer's Conv and ConvTranspose —
 * trace to. Per-side padding becomes Conv's `pads` (a Pad node first when a side is negative, a crop ONNX Conv
 * cannot express); rhsDilation is Conv's `dilations`. lhsDilation (the transposed convolution: the input with
 * s − 1 zeros between its elements) is built explicitly per spatial axis — each element gets s − 1 zeros after it
 * (Pad on a new unit axis, then Reshape) and the trailing s − 1 are cut — and then convolved with stride 1 as
 * traced. Grouped convolutions (vmapDims > 0, what featureGroupCount traces to) are refused for now.
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
  const flat = ctx.g.node("Reshape", [padded, ctx.g.shape(flatDims)]);
  const len = (n - 1) * s + 1;
  const cut = ctx.g.node("Slice", [flat, i64(ctx, [0]), i64(ctx, [len]), i64(ctx, [axis])]);
  return { name: cut, dims: dims.map((d, i) => (i === axis ? len : d)) };
}

export function lowerConv(ctx: LowerCtx, e: JaxprEqn): string {
  const [lhs, rhs] = e.inputs as [Atom, Atom];
  const p = e.params as { vmapDims: number; strides: number[]; padding: [number, number][]; lhsDilation: number[]; rhsDilation: number[] };
  if (p.vmapDims !== 0) throw new OptionError("ONNX export: grouped convolutions (conv with vmapDims > 0) are not supported yet");
  let x = ctx.name(lhs);
  let dims = ctx.dims(lhs);
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
  return ctx.g.node("Conv", [x, ctx.name(rhs)], { strides: { ints: p.strides }, dilations: { ints: p.rhsDilation }, pads: { ints: pads } });
}
