/**
 * Computing a repeated batch once. The exact divergence pushes the batch x [B, D] through one jvp as D copies,
 * xs = tile(x) [D·B, D], with one-hot tangents (likelihood/divergence.ts): the primal half of that jvp — every
 * layer's MatMul, bias and activation, and the activation's derivative — is the same for all D copies. Lowered as
 * traced it is computed D times. Here a value known to be `k` stacked copies of a [B, …] base is tracked as that
 * base: the seed is the tiling reshape(broadcast(x [1, B, …] → [k, B, …])) → [k·B, …]; values constant along the
 * rows (a broadcast time, a zero tangent) are tiles of anything; and elementwise ops, row-preserving reshapes,
 * concatenations, MatMuls with weights, reductions over other axes and the sigmoid chain of rep inputs are
 * computed on the bases. Where a repeated value meets a per-copy one (the tangent times the activation's
 * derivative) the op runs on the [k, B, …] view, broadcasting the base over the copies. A consumer that needs the
 * whole tensor gets it tiled (an Expand, pruned when nothing reads it). Fixed shapes only.
 */
import type { Jaxpr } from "@jax-js/jax";
import type { LowerCtx } from "./lower.js";
import type { Dim } from "./graph.js";
import { binary, compare, unary, stableSigmoidInput } from "./lower.js";
import { sigmoidNode } from "./fuse.js";
import { viewOf } from "./dot.js";
import { DataType } from "./proto.js";
import { onnxType } from "./lower.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

/** A value that is `k` stacked copies (along axis 0) of the tensor named `base`, [B, …rest]. */
export interface Rep {
  base: string;
}

const i64 = (ctx: LowerCtx, v: number[]) => ctx.g.initializer(v, [v.length], DataType.INT64);

function fixed(d: Dim[]): d is number[] {
  return d.every((x) => typeof x === "number");
}

/** The base of `a` when it is a repeated value (or constant along the rows: a zero). */
export function repOf(ctx: LowerCtx, a: Atom): string | undefined {
  const r = ctx.reps.get(a);
  if (r) return r.base;
  const S = ctx.repShape;
  if (!S || "value" in a || !ctx.zeros.has(a)) return undefined;
  const d = ctx.dims(a) as number[];
  if (d[0] !== S.k * S.B) return undefined;
  return ctx.g.node("Expand", [ctx.g.scalar(0, onnxType(String(a.aval.dtype))), i64(ctx, [S.B, ...d.slice(1)])]);
}

/** Marks `out` as repeated with `base` and returns its tiled form (built lazily by ONNX pruning: unused → dropped). */
export function emit(ctx: LowerCtx, out: Atom, base: string): string[] {
  const S = ctx.repShape!;
  ctx.reps.set(out, { base });
  const d = ctx.dims(out) as number[];
  const tiled = ctx.g.node("Expand", [ctx.g.node("Unsqueeze", [base, i64(ctx, [0])]), i64(ctx, [S.k, S.B, ...d.slice(1)])]);
  return [ctx.g.node("Reshape", [tiled, i64(ctx, d)])];
}

/** How an input of an elementwise op relates to the rows: repeated, row-free (broadcasts as is), or per-row. */
type Kind = { kind: "rep"; base: string } | { kind: "free"; name: string } | { kind: "full"; name: string };

function classify(ctx: LowerCtx, a: Atom, rank: number): Kind {
  const base = repOf(ctx, a);
  if (base !== undefined) return { kind: "rep", base };
  const d = ctx.dims(a);
  if ("value" in a || d.length < rank || d[0] === 1) return { kind: "free", name: ctx.name(a) };
  return { kind: "full", name: ctx.name(a) };
}

/** Lowers `e` on repeated bases when it can; undefined to lower it as usual. */
export function lowerRepeated(ctx: LowerCtx, e: JaxprEqn): string[] | undefined {
  if (e.outBinders.length !== 1) return undefined;
  const out = e.outBinders[0]!;
  const od = ctx.dims(out);
  if (!fixed(od) || od.length === 0) return undefined;
  const p = String(e.primitive);
  const g = ctx.g;

  // The seed: reshape(y [k, B, …] with y a broadcast of [1, B, …]) → [k·B, …]. Every evaluation of the exact
  // divergence tiles its own x (K solver steps: one seed per stage), all with the same k and B.
  if (p === "reshape") {
    const y = e.inputs[0]!;
    const yd = ctx.dims(y);
    const R = ctx.repShape;
    if (fixed(yd) && yd.length === od.length + 1 && yd[0]! > 1 && od[0] === yd[0]! * yd[1]! && (!R || (R.k === yd[0] && R.B === yd[1]))) {
      const v = viewOf(ctx, y);
      if (v.dims[0] === 1 && v.dims.slice(1).join() === yd.slice(1).join()) {
        ctx.repShape = { k: yd[0]!, B: yd[1]! };
        return emit(ctx, out, g.node("Reshape", [v.name(), i64(ctx, yd.slice(1))]));
      }
    }
    if (!R) return undefined;
  }
  const S = ctx.repShape;
  if (!S || od[0] !== S.k * S.B) {
    // A slice of the rows of one copy of a repeated value is (part of) its base.
    if (S && p === "shrink") return shrinkCopy(ctx, e);
    return undefined;
  }
  const rest = od.slice(1);

  // Constant along the rows: a broadcast whose source has one row.
  if (p === "broadcast") {
    const v = viewOf(ctx, out);
    if (v.dims[0] === 1) return emit(ctx, out, g.node("Expand", [v.name(), i64(ctx, [S.B, ...rest])]));
    return undefined;
  }
  if (p === "reshape") {
    const base = repOf(ctx, e.inputs[0]!);
    const id = ctx.dims(e.inputs[0]!);
    return base !== undefined && id[0] === od[0] ? emit(ctx, out, g.node("Reshape", [base, i64(ctx, [S.B, ...rest])])) : undefined;
  }
  if (p === "concatenate") {
    const bases = e.inputs.map((a) => repOf(ctx, a));
    if (bases.some((b) => b === undefined) || (e.params.axis as number) === 0) return undefined;
    return emit(ctx, out, g.node("Concat", bases as string[], { axis: { i: e.params.axis as number } }));
  }
  if (p === "reduce") {
    const axes = e.params.axis as number[];
    const base = repOf(ctx, e.inputs[0]!);
    if (base === undefined || axes.includes(0) || e.params.op !== "Add" || !axes.length) return undefined;
    return emit(ctx, out, g.node("ReduceSum", [base, i64(ctx, axes)], { keepdims: { i: 0 } }));
  }
  if (p === "dot") {
    const base = repOf(ctx, e.inputs[0]!);
    const ad = ctx.dims(e.inputs[0]!);
    const vb = viewOf(ctx, e.inputs[1]!);
    if (base === undefined || ad.length !== 3 || ad[1] !== 1 || vb.dims.length !== 3 || vb.dims[0] !== 1) return undefined;
    const left = g.node("Reshape", [base, i64(ctx, [S.B, ad[2] as number])]);
    const right = g.transpose(g.node("Squeeze", [vb.name(), i64(ctx, [0])]), [1, 0]);
    return emit(ctx, out, g.node("MatMul", [left, right]));
  }

  // Elementwise.
  let op: string | undefined = unary[p] ?? binary[p];
  if (p === "compare") op = compare[String(e.params.op)];
  if (p === "where") {
    const x = stableSigmoidInput(ctx, e);
    const bx = x && repOf(ctx, x);
    if (bx !== undefined) return emit(ctx, out, sigmoidNode(ctx, bx));
    op = "Where";
  }
  if (p === "cast") op = "Cast";
  if (!op) return undefined;
  const ins = e.inputs.map((a) => classify(ctx, a, od.length));
  if (!ins.some((k) => k.kind === "rep")) return undefined;
  const attrs = p === "cast" ? { to: { i: onnxType(String(e.params.dtype)) } } : undefined;
  if (!ins.some((k) => k.kind === "full")) {
    return emit(ctx, out, g.node(op, ins.map((k) => (k.kind === "rep" ? k.base : k.name)), attrs));
  }
  // Mixed: per-copy inputs as [k, B, …], bases as [1, B, …], row-free ones as they broadcast.
  const args = ins.map((k, i) => {
    if (k.kind === "rep") return g.node("Unsqueeze", [k.base, i64(ctx, [0])]);
    if (k.kind === "full") return g.node("Reshape", [k.name, i64(ctx, [S.k, S.B, ...rest])]);
    return ctx.dims(e.inputs[i]!).length === od.length ? g.node("Unsqueeze", [k.name, i64(ctx, [0])]) : k.name;
  });
  return [g.node("Reshape", [g.node(op, args, attrs), i64(ctx, od)])];
}

/** shrink of rows [c·B, (c+1)·B) of a repeated value: its base, sliced on the other axes as asked. */
function shrinkCopy(ctx: LowerCtx, e: JaxprEqn): string[] | undefined {
  const S = ctx.repShape!;
  const x = e.inputs[0]!;
  const base = repOf(ctx, x);
  const slice = e.params.slice as [number, number][];
  const xd = ctx.dims(x);
  if (base === undefined || xd[0] !== S.k * S.B) return undefined;
  const [s, t] = slice[0]!;
  if (t - s !== S.B || s % S.B !== 0) return undefined;
  const axes: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  slice.forEach(([a, b], i) => {
    if (i === 0 || (a === 0 && b === xd[i])) return;
    axes.push(i), starts.push(a), ends.push(b);
  });
  if (!axes.length) return [ctx.g.node("Identity", [base])];
  return [ctx.g.node("Slice", [base, i64(ctx, starts), i64(ctx, ends), i64(ctx, axes)])];
}
