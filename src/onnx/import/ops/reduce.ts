/**
 * Reductions. Axes are an attribute before opset 18 (ReduceSum: before 13) and an input after; keepdims defaults
 * to 1; no axes means all axes unless noop_with_empty_axes.
 */
import { toArray, hostValues, intAttr, intsAttr, normAxis, refuse, shapeOf, type OpImpl } from "../value.js";

type Method = "sum" | "mean" | "max" | "min" | "prod";

function reduce(method: Method, inputAxesSince: number): OpImpl {
  return (ins, ctx) => {
    const x = ins[0];
    if (!x) refuse(ctx, "the input is missing");
    const r = shapeOf(x).length;
    const given = ctx.opset >= inputAxesSince ? (ins[1] === undefined ? undefined : hostValues(ins[1], ctx, "axes")) : intsAttr(ctx, "axes");
    if ((!given || !given.length) && intAttr(ctx, "noop_with_empty_axes", 0)) return [toArray(x, ctx)];
    const axes = given && given.length ? given.map((a) => normAxis(a, r, ctx)) : Array.from({ length: r }, (_, i) => i);
    const keepdims = intAttr(ctx, "keepdims", 1) === 1;
    return [toArray(x, ctx)[method](axes, { keepdims })];
  };
}

export const reduceOps: Record<string, OpImpl> = {
  ReduceSum: reduce("sum", 13),
  ReduceMean: reduce("mean", 18),
  ReduceMax: reduce("max", 18),
  ReduceMin: reduce("min", 18),
  ReduceProd: reduce("prod", 18),
};
