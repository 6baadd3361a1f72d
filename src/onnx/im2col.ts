/**
 * The U-Net's im2col convolutions (nets/unet-layers.ts conv3x3) back to ONNX Conv. In jax-js a k×k "SAME"
 * convolution on NHWC images is pad → k² shifted slices → concatenate along channels → reshape to pixel rows
 * [B·H·W, k²·C] → matmul with the weights [k²·C, Q]. Lowered literally, the k²-fold copy (Slice, Concat) is over
 * half of ONNX Runtime's time for a U-Net forward pass (measured: Concat 38 %, Slice 13 %, the MatMuls 29 %). When a
 * dot's row operand is such a patch matrix and the other a weight matrix, it becomes Transpose → Conv →
 * Transpose on the unpadded image instead, with the weights reshaped to ONNX's [Q, C, k, k] in the graph (ONNX
 * Runtime folds that constant). The patch nodes are then unused (pruned), unless a gradient still reads them.
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType } from "./proto.js";
import type { LowerCtx } from "./lower.js";
import type { View } from "./dot.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

interface Patches {
  /** The image [B, H, W, C] before padding. */
  image: Atom;
  k: number;
  pad: number;
}

/** The leaves of nested concatenates along `axis` (jax-js concatenates at most 8 arrays per equation). */
function concatLeaves(ctx: LowerCtx, a: Atom, axis: number, out: Atom[] = []): Atom[] {
  const e = ctx.producer(a);
  if (e?.primitive === "concatenate" && e.params.axis === axis) for (const x of e.inputs) concatLeaves(ctx, x, axis, out);
  else out.push(a);
  return out;
}

/** Whether `a` [B, H, W, k²·C] is the patch matrix of a stride-1 "SAME"-shaped k×k convolution. */
function patchesOf(ctx: LowerCtx, a: Atom): Patches | undefined {
  const d = ctx.dims(a);
  if (d.length !== 4 || ctx.producer(a)?.primitive !== "concatenate") return undefined;
  const leaves = concatLeaves(ctx, a, 3);
  const k = Math.round(Math.sqrt(leaves.length));
  if (k < 2 || k * k !== leaves.length) return undefined;
  const shrinks = leaves.map((l) => ctx.producer(l));
  const padded = shrinks[0]?.inputs[0];
  const pe = padded && ctx.producer(padded);
  if (!pe || pe.primitive !== "pad") return undefined;
  const width = pe.params.width as [number, number][];
  const p = width[1]![0];
  if (width.some((w, i) => (i === 1 || i === 2 ? w[0] !== p || w[1] !== p : w[0] !== 0 || w[1] !== 0))) return undefined;
  const [, H, W] = d as [unknown, number, number];
  const pd = ctx.dims(padded);
  if (H !== (pd[1] as number) - k + 1 || W !== (pd[2] as number) - k + 1) return undefined; // Conv's output size
  const ok = shrinks.every((s, i) => {
    if (s?.primitive !== "shrink" || s.inputs[0] !== padded) return false;
    const sl = s.params.slice as [number, number][];
    const dy = Math.floor(i / k), dx = i % k;
    return sl[1]![0] === dy && sl[1]![1] === dy + H && sl[2]![0] === dx && sl[2]![1] === dx + W && ctx.dims(s.outBinders[0]!)[0] === pd[0] && ctx.dims(s.outBinders[0]!)[3] === pd[3];
  });
  return ok ? { image: pe.inputs[0]!, k, pad: p } : undefined;
}

/**
 * The patch matrix behind a dot's row operand: reshapes of it down to [B·H·W, 1, k²·C], read by this dot only. (In
 * a training step the weight gradient reads the patches too: they are built anyway, and a Conv next to them is
 * no faster than the MatMul — measured on the digits U-Net's step.)
 */
function rowsSource(ctx: LowerCtx, a: Atom): Patches | undefined {
  let x = a;
  for (let i = 0; i < 3; i++) {
    const e = ctx.producer(x);
    if (e?.primitive !== "reshape" || ctx.uses(x) !== 1) break;
    x = e.inputs[0]!;
  }
  if (ctx.uses(x) !== 1) return undefined;
  return x === a ? undefined : patchesOf(ctx, x);
}

/**
 * Conv for dot(a, b) when a is the patch rows [B·H·W, 1, k²·C] of an image and b's view the weights [1, Q, k²·C];
 * returns the output [B·H·W, Q], or undefined when the pattern does not hold.
 */
export function im2colConv(ctx: LowerCtx, e: JaxprEqn, a: Atom, vb: View): string | undefined {
  const src = rowsSource(ctx, a);
  if (!src) return undefined;
  const [, Q, K] = vb.dims;
  const C = ctx.dims(src.image)[3];
  if (typeof Q !== "number" || typeof C !== "number" || K !== src.k * src.k * C) return undefined;
  const i64 = (v: number[]) => ctx.g.initializer(v, [v.length], DataType.INT64);
  const wq = ctx.g.node("Squeeze", [vb.name(), i64([0])]); // [Q, k²·C] in (dy, dx, c) order
  const kernel = ctx.g.transpose(ctx.g.node("Reshape", [wq, i64([Q, src.k, src.k, C])]), [0, 3, 1, 2]);
  const nchw = ctx.g.transpose(ctx.name(src.image), [0, 3, 1, 2]);
  const p = src.pad;
  const y = ctx.g.node("Conv", [nchw, kernel], { pads: { ints: [p, p, p, p] }, kernel_shape: { ints: [src.k, src.k] } });
  return ctx.g.node("Reshape", [ctx.g.transpose(y, [0, 2, 3, 1]), ctx.g.reshapeTo(ctx.dims(e.outBinders[0]!))]);
}
