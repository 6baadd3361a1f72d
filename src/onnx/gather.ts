/**
 * jax-js's `gather` → ONNX Gather / GatherND. gather(x, [i₀, …], axis, outDim) indexes the axes `axis` of x with
 * the (broadcast) index arrays and puts the index dimensions at position `outDim` among x's remaining axes. What
 * traces to it: `np.take` (one axis, outDim = axis — exactly ONNX Gather), as the importer uses it for label
 * embeddings (data-dependent indices) and nearest-neighbour Resize (constant ones), and jax-js's own
 * take-along-axis (several axes: GatherND on x with the gathered axes moved to the front).
 *
 * `scatter` (gather's transpose: the gradient of an embedding lookup or of a nearest upsampling) adds its updates
 * into zeros at the same positions: ScatterND with reduction "add", on the same front-moved layout.
 *
 * Indices are taken as given: jax-js reads out-of-range ones as its backend does, ONNX Runtime refuses them, so a
 * graph only agrees for in-range indices — the only ones the library and the importer pass.
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType } from "./proto.js";
import { onnxType, type LowerCtx } from "./lower.js";
import { OptionError } from "../errors.js";
import type { Dim } from "./graph.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

/** NumPy broadcasting of dims (a 1 takes the other's size). */
function broadcastDims(shapes: Dim[][]): Dim[] {
  const r = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: r }, (_, i) => {
    let d: Dim = 1;
    for (const s of shapes) {
      const k = s[i - (r - s.length)];
      if (k !== undefined && k !== 1) d = k;
    }
    return d;
  });
}

/** Moves `n` leading axes of a rank-`rank` tensor to position `to` (a Transpose, or nothing). */
function moveLeading(ctx: LowerCtx, x: string, n: number, rank: number, to: number): string {
  const rest = Array.from({ length: rank - n }, (_, i) => n + i);
  const lead = Array.from({ length: n }, (_, i) => i);
  return ctx.g.transpose(x, [...rest.slice(0, to), ...lead, ...rest.slice(to)]);
}

/** The index arrays broadcast and stacked as [I…, n] int64 tuples (GatherND's and ScatterND's indices). */
function indexTuples(ctx: LowerCtx, indices: Atom[]): string {
  const shape = ctx.g.shape(broadcastDims(indices.map((a) => ctx.dims(a))));
  const minus1 = ctx.g.initializer([-1], [1], DataType.INT64);
  const cols = indices.map((a) => {
    const i64 = ctx.g.node("Cast", [ctx.name(a)], { to: { i: DataType.INT64 } });
    return ctx.g.node("Unsqueeze", [ctx.g.node("Expand", [i64, shape]), minus1]);
  });
  return cols.length === 1 ? cols[0]! : ctx.g.node("Concat", cols, { axis: { i: -1 } });
}

export function lowerGather(ctx: LowerCtx, e: JaxprEqn): string {
  const [x, ...indices] = e.inputs as [Atom, ...Atom[]];
  const axis = e.params.axis as number[];
  const outDim = e.params.outDim as number;
  const rank = ctx.dims(x).length;
  const nIdx = broadcastDims(indices.map((a) => ctx.dims(a))).length;
  if (axis.length === 1) {
    // Gather puts the index dims where the axis was; jax-js at outDim.
    const a = axis[0]!;
    const out = ctx.g.node("Gather", [ctx.name(x), ctx.name(indices[0]!)], { axis: { i: a } });
    if (a === outDim) return out;
    // [x before a, I…, x after a] → index dims to the front, then to outDim.
    const outRank = rank - 1 + nIdx;
    const front = ctx.g.transpose(out, [...Array.from({ length: nIdx }, (_, i) => a + i), ...Array.from({ length: outRank }, (_, i) => i).filter((i) => i < a || i >= a + nIdx)]);
    return moveLeading(ctx, front, nIdx, outRank, outDim);
  }
  // Several axes: x with the gathered axes first, the index arrays broadcast and stacked as [I…, n] int64 tuples.
  const rest = Array.from({ length: rank }, (_, i) => i).filter((i) => !axis.includes(i));
  const xt = ctx.g.transpose(ctx.name(x), [...axis, ...rest]);
  const out = ctx.g.node("GatherND", [xt, indexTuples(ctx, indices)]);
  return moveLeading(ctx, out, nIdx, nIdx + rest.length, outDim);
}

/** scatter(updates, indices, { op: "add", shape, axis, outDim }): zeros of `shape` plus the updates at the indices. */
export function lowerScatter(ctx: LowerCtx, e: JaxprEqn): string {
  const [updates, ...indices] = e.inputs as [Atom, ...Atom[]];
  const { axis, outDim, op } = e.params as { axis: number[]; outDim: number; op: string };
  if (op !== "add") throw new OptionError(`ONNX export: scatter with op "${op}" is not supported`);
  const dims = ctx.dims(e.outBinders[0]!);
  const rest = Array.from({ length: dims.length }, (_, i) => i).filter((i) => !axis.includes(i));
  const perm = [...axis, ...rest];
  const nIdx = broadcastDims(indices.map((a) => ctx.dims(a))).length;
  // Updates [R before outDim, I…, R after] → [I…, R…], into zeros laid out [gathered axes…, R…].
  const uRank = nIdx + rest.length;
  const u = ctx.g.transpose(ctx.name(updates), [...Array.from({ length: nIdx }, (_, i) => outDim + i), ...Array.from({ length: uRank }, (_, i) => i).filter((i) => i < outDim || i >= outDim + nIdx)]);
  const zeros = ctx.g.node("Expand", [ctx.g.scalar(0, onnxType(String(e.outBinders[0]!.aval.dtype))), ctx.g.shape(perm.map((i) => dims[i]!))]);
  const out = ctx.g.node("ScatterND", [zeros, indexTuples(ctx, indices), u], { reduction: { s: "add" } });
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return ctx.g.transpose(out, inverse);
}
