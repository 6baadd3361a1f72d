/**
 * Numbers that depend on the batch size. A graph with a dynamic batch is traced at two batch sizes (compile.ts),
 * and a value computed from the traced size is baked into each trace as a literal or closed-over constant: a `mean`
 * over rows is sum · (1/B), `var` the same, a count of rows is B. Lowered as traced, such a graph answers correctly
 * only at the traced size. The twins' values tell them apart from true constants: where they differ, the value is
 * fitted as c/B or c·B (c equal in both traces, to float32 rounding) and computed at run time from the input's
 * shape; a value of any other form (1/(B − 1), say) cannot be rebuilt from two traces and is refused with one error.
 */
import { OptionError } from "../errors.js";
import { DataType, type DataTypeCode } from "./proto.js";
import type { GraphBuilder } from "./graph.js";

/**
 * A batch-dependent value k + c·B or k + c/B, per entry: k holds the entries equal in both traces (c = 0 there), c
 * the coefficients of the others (k = 0 there): a closed-over array may mix both.
 */
export interface BatchScaled {
  k: number[];
  c: number[];
  power: 1 | -1;
}

/** Agreement of c between the two traces: float32 rounding of the traced values, with room for a few ulps. */
const REL_TOL = 1e-6;

const close = (x: number, y: number) => Math.abs(x - y) <= REL_TOL * Math.max(Math.abs(x), Math.abs(y));

/** Rounds c to float32 when the value is float32 (1/3 traced as fround(1/3): 3·that is 1 + 3e-8, meant as 1). */
const snap = (c: number, type: DataTypeCode) => (type === DataType.FLOAT ? Math.fround(c) : c);

/**
 * How values `a` (traced at batch `ba`) and their twins `b` (at batch `bb`) depend on the batch: undefined when
 * equal (a true constant), else the fitted form; throws when no form fits.
 */
export function fitBatchScaled(a: ArrayLike<number>, b: ArrayLike<number>, ba: number, bb: number, type: DataTypeCode, what: string): BatchScaled | undefined {
  let same = true;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) same = false;
  if (same) return undefined;
  for (const power of [-1, 1] as const) {
    const scale = (v: number, B: number) => (power === -1 ? v * B : v / B);
    const c: number[] = [];
    const k: number[] = [];
    let fits = true;
    for (let i = 0; i < a.length && fits; i++) {
      const same = Object.is(a[i], b[i]);
      const ca = same ? 0 : scale(a[i]!, ba);
      fits = same || (Number.isFinite(ca) && close(ca, scale(b[i]!, bb)));
      c.push(snap(ca, type));
      k.push(same ? a[i]! : 0);
    }
    if (fits && (power === 1 || type === DataType.FLOAT || type === DataType.DOUBLE)) return { k, c, power };
  }
  const shown = Array.from(a).slice(0, 3).join(", ");
  throw new OptionError(
    `ONNX export: ${what} depends on the batch size in a way a dynamic batch cannot rebuild (${shown} at batch ${ba} vs ${Array.from(b).slice(0, 3).join(", ")} at ${bb}); compile it with a fixed batch`,
  );
}

/** The batch size as a scalar of `type`, built once per type (Cast of the runtime Shape entry). */
function batchScalar(g: GraphBuilder, type: DataTypeCode, cache: Map<DataTypeCode, string>): string {
  let s = cache.get(type);
  if (!s) {
    const b = type === DataType.INT64 ? g.batch() : g.node("Cast", [g.batch()], { to: { i: type } });
    s = g.node("Squeeze", [b, g.initializer([0], [1], DataType.INT64)]);
    cache.set(type, s);
  }
  return s;
}

/** The runtime value k + c·B or k + c/B with shape `dims` (a literal: []) and element type `type`. */
export function emitBatchScaled(g: GraphBuilder, v: BatchScaled, dims: number[], type: DataTypeCode, cache: Map<DataTypeCode, string>): string {
  const tensor = (x: number[]) => (dims.length === 0 ? g.scalar(x[0]!, type) : g.initializer(x, dims, type));
  const B = batchScalar(g, type, cache);
  const scaled = g.node(v.power === 1 ? "Mul" : "Div", [tensor(v.c), B]);
  return v.k.some((x) => !Object.is(x, 0)) ? g.node("Add", [tensor(v.k), scaled]) : scaled;
}
