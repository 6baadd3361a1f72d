/**
 * jax-js's `gather` → ONNX Gather / GatherND. gather(x, [i₀, …], axis, outDim) indexes the axes `axis` of x with
 * the (broadcast) index arrays and puts the index dimensions at position `outDim` among x's remaining axes. What
 * traces to it: `np.take` (one axis, outDim = axis — exactly ONNX Gather), as the importer uses it for label
 * embeddings (data-dependent indices) and nearest-neighbour Resize (constant ones), and jax-js's own
 * take-along-axis (several axes: GatherND on x with the gathered axes moved to the front).
 *
 * Indices are taken as given: jax-js reads out-of-range ones as its backend does, ONNX Runtime refuses them, so a
 * graph only agrees for in-range indices — the only ones the library and the importer pass.
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType } from "./proto.js";
import type { LowerCtx } from "./lower.js";
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
  const shape = ctx.g.shape(broadcastDims(indices.map((a) => ctx.dims(a))));
  const minus1 = ctx.g.initializer([-1], [1], DataType.INT64);
  const cols = indices.map((a) => {
    const i64 = ctx.g.node("Cast", [ctx.name(a)], { to: { i: DataType.INT64 } });
    return ctx.g.node("Unsqueeze", [ctx.g.node("Expand", [i64, shape]), minus1]);
  });
  const tuples = cols.length === 1 ? cols[0]! : ctx.g.node("Concat", cols, { axis: { i: -1 } });
  const out = ctx.g.node("GatherND", [xt, tuples]);
  return moveLeading(ctx, out, nIdx, nIdx + rest.length, outDim);
}
