/**
 * Folding of known zeros. jax-js's `jvp` has no symbolic zero tangents: the parameters a traced function closes
 * over get all-zero tangent arrays, and every layer then computes dot(h, 0) and adds it — in the exact divergence
 * (one batched jvp) a third of all MatMul work. A value is known zero when it is an all-zero constant or literal,
 * or an op's result that must be zero given its known-zero inputs (a product, dot, reshape, transpose, broadcast,
 * negation, slice or sum of zeros); adding a known zero is the other operand when that already has the output's
 * shape. Such results are emitted as one Expand of 0 (pruned when nothing reads it). Non-finite values times zero
 * (NaN·0) are taken as zero, which is what a symbolic-zero jvp would give too.
 */
import type { Jaxpr } from "@jax-js/jax";
import type { LowerCtx } from "./lower.js";
import { onnxType } from "./lower.js";

type Atom = Jaxpr["outs"][number];
type JaxprEqn = Jaxpr["eqns"][number];

const ZERO_IF_ANY = new Set(["mul", "dot"]);
const ZERO_IF_ALL = new Set(["neg", "reshape", "transpose", "broadcast", "shrink", "stop_gradient", "reduce", "concatenate", "pad", "add", "cast"]);

export function isZero(ctx: LowerCtx, a: Atom): boolean {
  return "value" in a ? a.value === 0 : ctx.zeros.has(a);
}

/** Output names when `e` folds (its single output marked zero, or an alias); undefined when it must be lowered. */
export function foldZeros(ctx: LowerCtx, e: JaxprEqn): string[] | undefined {
  if (e.outBinders.length !== 1) return undefined;
  const p = String(e.primitive);
  const z = e.inputs.map((a) => isZero(ctx, a));
  const out = e.outBinders[0]!;
  const zero = (ZERO_IF_ANY.has(p) && z.some(Boolean)) || (ZERO_IF_ALL.has(p) && z.every(Boolean)) || (p === "where" && z[1] && z[2]);
  if (zero) {
    ctx.zeros.add(out);
    return [ctx.g.node("Expand", [ctx.g.scalar(0, onnxType(String(out.aval.dtype))), ctx.g.shape(ctx.dims(out))])];
  }
  if (p === "add" && z.some(Boolean)) {
    const other = e.inputs[z[0] ? 1 : 0]!;
    if (ctx.dims(other).join() === ctx.dims(out).join() && String(other.aval.dtype) === String(out.aval.dtype)) {
      const rep = ctx.reps.get(other);
      if (rep) ctx.reps.set(out, rep);
      return [ctx.name(other)];
    }
  }
  return undefined;
}
