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
  /**
   * The traced tensor the view's axes come from, before any transposes and unit-axis insertions: `map[i]` is the
   * source axis of the view's axis i, −1 for an inserted unit axis. A MatMul operand whose two kept axes are a 2-D
   * source's is that source or its 2-D transpose (which ONNX Runtime folds into the MatMul), without the
   * Unsqueeze → Transpose → Squeeze copies that rebuilding the view would take.
   */
  src: { name: () => string; rank: number; map: number[] };
}

const nonUnit = (d: Dim[]) => d.map((x, i) => [x, i] as const).filter(([x]) => x !== 1);

/** The view of `a` (lazy: nodes are built only when the MatMul path uses it; unused ones are pruned anyway). */
export function viewOf(ctx: LowerCtx, a: Atom, depth = 0): View {
  const d = ctx.dims(a);
  const own: View = { name: () => ctx.name(a), dims: d, src: { name: () => ctx.name(a), rank: d.length, map: d.map((_, i) => i) } };
  const e = ctx.producer(a);
  if (!e || depth > 8) return own;
  const x = e.inputs[0]!;
  const p = String(e.primitive);
  if (p === "transpose") {
    const v = viewOf(ctx, x, depth + 1);
    const perm = e.params.perm as number[];
    return { name: () => ctx.g.transpose(v.name(), perm), dims: perm.map((i) => v.dims[i]!), src: { ...v.src, map: perm.map((i) => v.src.map[i]!) } };
  }
  if (p === "broadcast") {
    const v = viewOf(ctx, x, depth + 1);
    const axis = e.params.axis as number[];
    const out = ctx.dims(e.outBinders[0]!);
    // x's dims fill the output's non-inserted axes in order; inserted axes are unit in the view.
    const dims: Dim[] = [];
    const map: number[] = [];
    let j = 0;
    for (let i = 0; i < out.length; i++) {
      if (axis.includes(i)) dims.push(1), map.push(-1);
      else dims.push(v.dims[j]!), map.push(v.src.map[j++]!);
    }
    const name = () => (axis.length ? ctx.g.node("Unsqueeze", [v.name(), ctx.g.initializer(axis, [axis.length], DataType.INT64)]) : v.name());
    return { name, dims, src: { ...v.src, map } };
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
    const map: number[] = outD.map(() => -1);
    no.forEach(([, io], k) => {
      dims[io] = v.dims[ni[k]![1]]!;
      map[io] = v.src.map[ni[k]![1]]!;
    });
    const src = { ...v.src, map };
    if (dims.join() === v.dims.join()) return { name: v.name, dims, src };
    return { name: () => ctx.g.node("Reshape", [v.name(), ctx.g.reshapeTo(dims)]), dims, src };
  }
  return own;
}

/** The squeezed 2-D view (unit axis `axis` dropped): its 2-D source (or that transposed) where it has one. */
function squeeze(ctx: LowerCtx, v: View, axis: number): string {
  const kept = v.src.map.filter((_, i) => i !== axis);
  if (v.src.rank === 2 && kept.length === 2 && kept.includes(0) && kept.includes(1)) {
    return kept[0] === 0 ? v.src.name() : ctx.g.transpose(v.src.name(), [1, 0]);
  }
  return ctx.g.node("Squeeze", [v.name(), ctx.g.initializer([axis], [1], DataType.INT64)]);
}

/** dot(a, b) as a MatMul of its operands' 2-D views — or of the swapped views, giving the transposed product. */
function dotMatMul(ctx: LowerCtx, e: JaxprEqn, transposed: boolean): string | undefined {
  const [a, b] = e.inputs as [Atom, Atom];
  if (ctx.dims(a).length !== 3 || ctx.dims(b).length !== 3) return undefined;
  const va = viewOf(ctx, a);
  const vb = viewOf(ctx, b);
  // out[p, q] = Σ_k a[p, q, k]·b[p, q, k] with a constant in q and b in p: A [P, K] · Bᵀ [K, Q] (or swapped);
  // outᵀ = B · Aᵀ.
  let left: string, right: string;
  if (va.dims[1] === 1 && vb.dims[0] === 1) {
    // An im2col convolution (patches · kernel) goes back to a real Conv in inference graphs (im2col.ts).
    const conv = transposed ? undefined : im2colConv(ctx, e, a, vb);
    if (conv) return conv;
    [left, right] = [squeeze(ctx, va, 1), squeeze(ctx, vb, 0)];
  }
  else if (va.dims[0] === 1 && vb.dims[1] === 1) [left, right] = [squeeze(ctx, vb, 1), squeeze(ctx, va, 0)];
  else return undefined;
  if (transposed) [left, right] = [right, left];
  return ctx.g.node("MatMul", [left, ctx.g.transpose(right, [1, 0])]);
}

/**
 * transpose([1, 0]) of a 2-D dot result (seen through reshapes that only add or drop unit axes): the weight
 * gradients hᵀ·g come out of jax-js as (gᵀ·h)ᵀ, and the MatMul of the swapped operands spares the copy.
 */
export function lowerTransposedDot(ctx: LowerCtx, e: JaxprEqn): string | undefined {
  const perm = e.params.perm as number[];
  if (perm.length !== 2 || perm[0] !== 1) return undefined;
  const want = ctx.dims(e.inputs[0]!).join();
  let x = e.inputs[0]!;
  for (let depth = 0; depth < 4; depth++) {
    const p = ctx.producer(x);
    if (p?.primitive === "dot") return ctx.dims(x).join() === want ? dotMatMul(ctx, p, true) : undefined;
    if (p?.primitive !== "reshape") return undefined;
    x = p.inputs[0]!;
    if (ctx.dims(x).filter((d) => d !== 1).join() !== ctx.dims(e.inputs[0]!).filter((d) => d !== 1).join()) return undefined;
  }
  return undefined;
}

/** Lowers dot(a, b); returns the output name. */
export function lowerDot(ctx: LowerCtx, e: JaxprEqn): string {
  const [a, b] = e.inputs as [Atom, Atom];
  const mm = dotMatMul(ctx, e, false);
  if (mm) return mm;
  const prod = ctx.g.node("Mul", [ctx.name(a), ctx.name(b)]);
  return ctx.g.node("ReduceSum", [prod, ctx.g.initializer([-1], [1], DataType.INT64)], { keepdims: { i: 0 } });
}
