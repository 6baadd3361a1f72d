/**
 * Normalizations and softmax. Statistics are biased variances over the normalized axes, as ONNX specifies:
 * InstanceNormalization over the spatial axes per (n, c); LayerNormalization over axis…end; GroupNormalization over
 * (channels of a group × spatial). Scale and bias broadcast over the channel axis (or the normalized axes).
 */
import { np, nnOps, type Array as JArray } from "../../../engine/index.js";
import { toArray, floatAttr, intAttr, normAxis, refuse, shapeOf, type OpImpl, type OpContext, type Value } from "../value.js";

/** (x − mean) / sqrt(var + eps) over `axes` (x consumed). */
function standardize(x: JArray, axes: number[], eps: number): JArray {
  const mean = x.ref.mean(axes, { keepdims: true });
  const centered = x.sub(mean);
  const variance = np.square(centered.ref).mean(axes, { keepdims: true });
  return centered.div(np.sqrt(variance.add(eps)));
}

/** A per-channel vector [C] as [1, C, 1, …] for a tensor of rank r. */
function channel(v: Value, r: number, ctx: OpContext): JArray {
  const a = toArray(v, ctx);
  return a.reshape([1, a.size, ...new Array<number>(r - 2).fill(1)]);
}

const instanceNorm: OpImpl = ([x, scale, bias], ctx) => {
  if (!x || !scale || !bias) refuse(ctx, "an input is missing");
  const r = shapeOf(x).length;
  if (r < 3) refuse(ctx, `input of rank ${r} (expected [N, C, …spatial])`);
  const axes = Array.from({ length: r - 2 }, (_, i) => i + 2);
  const y = standardize(toArray(x, ctx), axes, floatAttr(ctx, "epsilon", 1e-5));
  return [y.mul(channel(scale, r, ctx)).add(channel(bias, r, ctx))];
};

const layerNorm: OpImpl = ([x, scale, bias], ctx) => {
  if (!x || !scale) refuse(ctx, "an input is missing");
  if (ctx.node.outputs.slice(1).some((o) => o)) refuse(ctx, "the Mean and InvStdDev outputs are not supported");
  const r = shapeOf(x).length;
  const axis = normAxis(intAttr(ctx, "axis", -1), r, ctx);
  const axes = Array.from({ length: r - axis }, (_, i) => i + axis);
  let y = standardize(toArray(x, ctx), axes, floatAttr(ctx, "epsilon", 1e-5)).mul(toArray(scale, ctx));
  if (bias) y = y.add(toArray(bias, ctx));
  return [y];
};

const groupNorm: OpImpl = ([x, scale, bias], ctx) => {
  if (!x || !scale || !bias) refuse(ctx, "an input is missing");
  const s = shapeOf(x);
  const G = intAttr(ctx, "num_groups", 0);
  const C = s[1]!;
  if (!(G >= 1 && C % G === 0)) refuse(ctx, `num_groups ${G} does not divide the ${C} channels`);
  const grouped = toArray(x, ctx).reshape([s[0]!, G, -1]);
  let y = standardize(grouped, [2], floatAttr(ctx, "epsilon", 1e-5)).reshape(s);
  // Opset 18 gives scale and bias per group, opset 21 per channel: expand per-group ones to channels.
  const perChannel = (v: Value) => {
    const a = toArray(v, ctx);
    const full = a.size === C ? a : np.repeat(a, C / G, 0);
    return full.reshape([1, C, ...new Array<number>(s.length - 2).fill(1)]);
  };
  y = y.mul(perChannel(scale)).add(perChannel(bias));
  return [y];
};

function softmaxLike(log: boolean): OpImpl {
  return ([x], ctx) => {
    if (!x) refuse(ctx, "the input is missing");
    const s = shapeOf(x);
    const axis = normAxis(intAttr(ctx, "axis", ctx.opset >= 13 ? -1 : 1), s.length, ctx);
    // Before opset 13 the input is flattened to 2-D at `axis`: the same as normalizing over axis…end.
    const axes = ctx.opset >= 13 ? [axis] : Array.from({ length: s.length - axis }, (_, i) => i + axis);
    return [log ? nnOps.logSoftmax(toArray(x, ctx), axes) : nnOps.softmax(toArray(x, ctx), axes)];
  };
}

export const normOps: Record<string, OpImpl> = {
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  GroupNormalization: groupNorm,
  Softmax: softmaxLike(false),
  LogSoftmax: softmaxLike(true),
};
