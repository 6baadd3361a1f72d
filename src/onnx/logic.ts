/**
 * Boolean arithmetic → ONNX logic. jax-js writes logical and/or as multiplication/addition of bool arrays
 * (`logicalAnd(x, y)` = bool(x)·bool(y), `logicalOr` = bool(x) + bool(y)); ONNX's Mul and Add take no bools, so
 * those become And and Or (and max/min of bools Or/And). The planar layers' safeguarded Newton inverse (the bracket
 * test `lo < a_new < hi`) is where the library does this.
 */
import type { Jaxpr } from "@jax-js/jax";
import type { LowerCtx } from "./lower.js";

type JaxprEqn = Jaxpr["eqns"][number];

const logic: Record<string, string> = { mul: "And", min: "And", add: "Or", max: "Or" };

/** The ONNX name of a boolean mul/add/min/max, or undefined for anything else. */
export function lowerBoolBinary(ctx: LowerCtx, e: JaxprEqn): string | undefined {
  const op = logic[String(e.primitive)];
  if (!op || String(e.outBinders[0]?.aval.dtype) !== "bool") return undefined;
  return ctx.g.node(op, e.inputs.map((x) => ctx.name(x)));
}
