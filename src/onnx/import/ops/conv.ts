/**
 * Convolutions (NCHW, any number of spatial dims) through lax.convGeneralDilated, whose layout is ONNX's own:
 * input [N, C, …], kernel [C_out, C_in/group, …]. ConvTranspose is the same call with the input dilated by the
 * strides and the kernel flipped and transposed. Resize (nearest) is a gather along each resized axis with the
 * source indices computed on the host, so every coordinate mode and rounding rule costs the same.
 */
import { np, lax, type Array as JArray } from "../../../engine/index.js";
import { toArray, hostValues, intAttr, intsAttr, stringAttr, refuse, shapeOf, type OpImpl, type OpContext, type Value } from "../value.js";
import { gatherAxes } from "./shape.js";

type Pair = [number, number];

/** Per-side padding of the spatial dims: explicit pads, or auto_pad SAME_UPPER/SAME_LOWER/VALID. */
function convPads(ctx: OpContext, inSpatial: number[], kernel: number[], strides: number[], dil: number[]): Pair[] {
  const auto = stringAttr(ctx, "auto_pad", "NOTSET");
  const n = inSpatial.length;
  if (auto === "NOTSET") {
    const p = intsAttr(ctx, "pads") ?? new Array<number>(2 * n).fill(0);
    return inSpatial.map((_, i) => [p[i]!, p[i + n]!]);
  }
  if (auto === "VALID") return inSpatial.map(() => [0, 0]);
  if (auto !== "SAME_UPPER" && auto !== "SAME_LOWER") refuse(ctx, `auto_pad "${auto}" is not supported`);
  return inSpatial.map((d, i) => {
    const out = Math.ceil(d / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + dil[i]! * (kernel[i]! - 1) + 1 - d, 0);
    const small = Math.floor(total / 2);
    return auto === "SAME_UPPER" ? [small, total - small] : [total - small, small];
  });
}

/** y + b over the channel axis (b: [C] or absent). */
function addBias(y: JArray, b: Value | undefined, ctx: OpContext): JArray {
  if (!b) return y;
  const B = toArray(b, ctx);
  return y.add(B.reshape([1, B.shape[0]!, ...new Array<number>(y.ndim - 2).fill(1)]));
}

const conv: OpImpl = ([x, w, b], ctx) => {
  if (!x || !w) refuse(ctx, "an input is missing");
  const xs = shapeOf(x);
  const ws = shapeOf(w);
  const n = xs.length - 2;
  if (n < 1) refuse(ctx, `input of rank ${xs.length} (expected [N, C, …spatial])`);
  const kernel = ws.slice(2);
  const strides = intsAttr(ctx, "strides") ?? new Array<number>(n).fill(1);
  const dil = intsAttr(ctx, "dilations") ?? new Array<number>(n).fill(1);
  const group = intAttr(ctx, "group", 1);
  const pads = convPads(ctx, xs.slice(2), kernel, strides, dil);
  const y = lax.convGeneralDilated(toArray(x, ctx), toArray(w, ctx), strides, pads, { rhsDilation: dil, featureGroupCount: group });
  return [addBias(y, b, ctx)];
};

const convTranspose: OpImpl = ([x, w, b], ctx) => {
  if (!x || !w) refuse(ctx, "an input is missing");
  const xs = shapeOf(x);
  const ws = shapeOf(w); // [C_in, C_out/group, …k]
  const n = xs.length - 2;
  const kernel = ws.slice(2);
  const strides = intsAttr(ctx, "strides") ?? new Array<number>(n).fill(1);
  const dil = intsAttr(ctx, "dilations") ?? new Array<number>(n).fill(1);
  const outPad = intsAttr(ctx, "output_padding") ?? new Array<number>(n).fill(0);
  if (intAttr(ctx, "group", 1) !== 1) refuse(ctx, "group > 1 is not supported");
  if (intsAttr(ctx, "output_shape")) refuse(ctx, "the output_shape attribute is not supported (give pads)");
  const auto = stringAttr(ctx, "auto_pad", "NOTSET");
  if (auto !== "NOTSET" && auto !== "VALID") refuse(ctx, `auto_pad "${auto}" is not supported`);
  const p = auto === "VALID" ? new Array<number>(2 * n).fill(0) : intsAttr(ctx, "pads") ?? new Array<number>(2 * n).fill(0);
  const pads: Pair[] = kernel.map((k, i) => [dil[i]! * (k - 1) - p[i]!, dil[i]! * (k - 1) - p[i + n]! + outPad[i]!]);
  // [C_in, C_out, …k] → [C_out, C_in, …k], spatially flipped.
  const spatial = kernel.map((_, i) => i + 2);
  const W = np.flip(toArray(w, ctx).transpose([1, 0, ...spatial]), spatial);
  const y = lax.convGeneralDilated(toArray(x, ctx), W, new Array<number>(n).fill(1), pads, { lhsDilation: strides, rhsDilation: dil });
  return [addBias(y, b, ctx)];
};

/** Source coordinate of output index i along an axis (ONNX Resize's coordinate_transformation_mode). */
function sourceCoord(mode: string, i: number, scale: number, inLen: number, outLen: number, ctx: OpContext): number {
  switch (mode) {
    case "half_pixel": return (i + 0.5) / scale - 0.5;
    case "pytorch_half_pixel": return outLen > 1 ? (i + 0.5) / scale - 0.5 : 0;
    case "asymmetric": return i / scale;
    case "align_corners": return outLen > 1 ? (i * (inLen - 1)) / (outLen - 1) : 0;
    case "tf_half_pixel_for_nn": return (i + 0.5) / scale;
    default: return refuse(ctx, `coordinate_transformation_mode "${mode}" is not supported`);
  }
}

function nearest(mode: string, x: number, ctx: OpContext): number {
  switch (mode) {
    case "round_prefer_floor": return x - Math.floor(x) === 0.5 ? Math.floor(x) : Math.round(x);
    case "round_prefer_ceil": return Math.round(x);
    case "floor": return Math.floor(x);
    case "ceil": return Math.ceil(x);
    default: return refuse(ctx, `nearest_mode "${mode}" is not supported`);
  }
}

const resize: OpImpl = (ins, ctx) => {
  const x = ins[0];
  if (!x) refuse(ctx, "the input is missing");
  const mode = stringAttr(ctx, "mode", "nearest");
  if (mode !== "nearest") refuse(ctx, `mode "${mode}" is not supported (only "nearest")`);
  const s = shapeOf(x);
  // Opset 11+: X, roi, scales, sizes; opset 10: X, scales.
  const scalesIn = ctx.opset >= 11 ? ins[2] : ins[1];
  const sizesIn = ctx.opset >= 11 ? ins[3] : undefined;
  const scalesV = scalesIn && shapeOf(scalesIn)[0] !== 0 ? hostValues(scalesIn, ctx, "scales") : undefined;
  const sizesV = sizesIn && shapeOf(sizesIn)[0] !== 0 ? hostValues(sizesIn, ctx, "sizes") : undefined;
  if (!scalesV && !sizesV) refuse(ctx, "neither scales nor sizes is given");
  if (ctx.node.attrs.axes) refuse(ctx, "the axes attribute is not supported");
  const policy = stringAttr(ctx, "keep_aspect_ratio_policy", "stretch");
  if (policy !== "stretch") refuse(ctx, `keep_aspect_ratio_policy "${policy}" is not supported`);
  const coord = stringAttr(ctx, "coordinate_transformation_mode", "half_pixel");
  const round = stringAttr(ctx, "nearest_mode", "round_prefer_floor");
  const idx = s.map((d, ax) => {
    const outLen = sizesV ? sizesV[ax]! : Math.floor(d * scalesV![ax]!);
    const scale = sizesV ? outLen / d : scalesV![ax]!;
    return Array.from({ length: outLen }, (_, i) => Math.min(Math.max(nearest(round, sourceCoord(coord, i, scale, d, outLen, ctx), ctx), 0), d - 1));
  });
  return [gatherAxes(x, idx)];
};

export const convOps: Record<string, OpImpl> = { Conv: conv, ConvTranspose: convTranspose, Resize: resize };
