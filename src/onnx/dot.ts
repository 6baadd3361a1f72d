/**
 * `dot` → MatMul. jax-js lowers every matrix product to dot(a, b) = Σ_k a[…, k]·b[…, k] on operands that were
 * broadcast, transposed and reshaped into a common [P, Q, K] shape: in the forward pass a = reshape(h) [P, 1, K] and
 * b = reshape(transpose(w)) [1, Q, K]; in the backward pass one operand is an explicit broadcast of the cotangent,
 * transposed, e.g. dot(transpose(broadcast(g [B, N] → [B, N, H])) [B, H, N], …) for g·wᵀ, or [H, Q, B]-shaped
 * operands for the weight gradient hᵀ·g. Lowered literally these are a Mul over a [P, Q, K] intermediate and a
 * ReduceSum — an order of magnitude slower than MatMul and, for the backward products, as large as a batch times a
 * layer's weights.
 *
 * So each operand is first reduced to its *view*: the smaller tensor it was broadcast from, with size-1 dimensions
 * where it was broadcast (seen through transposes and through reshapes that only add or drop unit dimensions).
 * When one view is [P, 1, K] and the other [1, Q, K], the dot is MatMul of the squeezed views (one transposed). The
 * Transposes that this leaves next to each other are composed (GraphBuilder.transpose), and ONNX Runtime folds the
 * remaining ones into its MatMul kernels.
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType } from "./proto.js";
import type { Dim } from "./graph.js";
import type { LowerCtx } from "./lower.js";
import { im2colConv } from "./im2col.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

/** An operand as the tensor it was broadcast from: `dims` are its actual dims (1 where it was broadcast). */
export interface View {
  name: () => string;
  dims: Dim[];
}

const nonUnit = (d: Dim[]) => d.map((x, i) => [x, i] as const).filter(([x]) => x !== 1);

/** The view of `a` (lazy: nodes are built only when the MatMul path uses it; unused ones are pruned anyway). */
export function viewOf(ctx: LowerCtx, a: Atom, depth = 0): View {
  const own: View = { name: () => ctx.name(a), dims: ctx.dims(a) };
  const e = ctx.producer(a);
  if (!e || depth > 8) return own;
  const x = e.inputs[0]!;
  const p = String(e.primitive);
  if (p === "transpose") {
    const v = viewOf(ctx, x, depth + 1);
    const perm = e.params.perm as number[];
    return { name: () => ctx.g.transpose(v.name(), perm), dims: perm.map((i) => v.dims[i]!) };
  }
  if (p === "broadcast") {
    const v = viewOf(ctx, x, depth + 1);
    const axis = e.params.axis as number[];
    const out = ctx.dims(e.outBinders[0]!);
    // x's dims fill the output's non-inserted axes in order; inserted axes are unit in the view.
    const dims: Dim[] = [];
    let j = 0;
    for (let i = 0; i < out.length; i++) dims.push(axis.includes(i) ? 1 : v.dims[j++]!);
    const name = () => (axis.length ? ctx.g.node("Unsqueeze", [v.name(), ctx.g.initializer(axis, [axis.length], DataType.INT64)]) : v.name());
    return { name, dims };
  }
  if (p === "reshape") {
    // Only reshapes that add or drop unit dims: the non-unit dims are the same sequence.
    const inD = ctx.dims(x);
    const outD = ctx.dims(e.outBinders[0]!);
    const ni = nonUnit(inD);
    const no = nonUnit(outD);
    if (ni.length !== no.length || ni.some(([d], k) => d !== no[k]![0])) return own;
    const v = viewOf(ctx, x, depth + 1);
    const dims: Dim[] = outD.map(() => 1);
    no.forEach(([, io], k) => (dims[io] = v.dims[ni[k]![1]]!));
    if (dims.join() === v.dims.join()) return { name: v.name, dims };
    return { name: () => ctx.g.node("Reshape", [v.name(), ctx.g.reshapeTo(dims)]), dims };
  }
  return own;
}

/** The squeezed 2-D view (unit axis `axis` dropped). */
function squeeze(ctx: LowerCtx, v: View, axis: number): string {
  return ctx.g.node("Squeeze", [v.name(), ctx.g.initializer([axis], [1], DataType.INT64)]);
}

/** Lowers dot(a, b); returns the output name. */
export function lowerDot(ctx: LowerCtx, e: JaxprEqn): string {
  const [a, b] = e.inputs as [Atom, Atom];
  if (ctx.dims(a).length === 3 && ctx.dims(b).length === 3) {
    const va = viewOf(ctx, a);
    const vb = viewOf(ctx, b);
    // out[p, q] = Σ_k a[p, q, k]·b[p, q, k] with a constant in q and b in p: A [P, K] · Bᵀ [K, Q] (or swapped).
    if (va.dims[1] === 1 && vb.dims[0] === 1) {
      const conv = im2colConv(ctx, e, a, vb);
      if (conv) return conv;
      return ctx.g.node("MatMul", [squeeze(ctx, va, 1), ctx.g.transpose(squeeze(ctx, vb, 0), [1, 0])]);
    }
    if (va.dims[0] === 1 && vb.dims[1] === 1) {
      return ctx.g.node("MatMul", [squeeze(ctx, vb, 1), ctx.g.transpose(squeeze(ctx, va, 0), [1, 0])]);
    }
  }
  const prod = ctx.g.node("Mul", [ctx.name(a), ctx.name(b)]);
  return ctx.g.node("ReduceSum", [prod, ctx.g.initializer([-1], [1], DataType.INT64)], { keepdims: { i: 0 } });
}
