/**
 * jax-js's `triangular_solve` → ONNX. ONNX has no triangular solve, so the back substitution is unrolled over the
 * N columns: with a upper triangular [..., N, N] and b [..., M, N], x [..., M, N] solves A xᵀ = bᵀ row by row,
 *   x_i = (b_i − Σ_{j>i} a_ij x_j) / a_ii   (i = N−1 … 0; no division with `unitDiagonal`),
 * the order jax-js's own kernel computes it in. Each column is a Slice, one small MatMul against the columns
 * already solved, a Sub and a Div: ≈ 5N nodes, independent of M (the batch rows). The library solves with the
 * LU-linear layers' and 1×1 convolutions' factors (lu-linear.ts: N = the event's or the channels' size, small),
 * which is what lets the glow and nsf sampling directions (their inverses) run on ONNX Runtime. jax-js's
 * `lower: true` solves arrive here already flipped into upper ones (flip equations around this one).
 */
import type { Jaxpr } from "@jax-js/jax";
import { DataType } from "./proto.js";
import type { LowerCtx } from "./lower.js";
import { OptionError } from "../errors.js";

type JaxprEqn = Jaxpr["eqns"][number];

export function lowerTriangularSolve(ctx: LowerCtx, e: JaxprEqn): string {
  const [a, b] = e.inputs;
  const unit = Boolean(e.params.unitDiagonal);
  const adims = ctx.dims(a!);
  const n = adims[adims.length - 1];
  if (typeof n !== "number" || adims[adims.length - 2] !== n) throw new OptionError("ONNX export: triangular_solve needs a square matrix of fixed size");
  const g = ctx.g;
  const rank = adims.length;
  const i64 = (v: number[]) => g.initializer(v, [v.length], DataType.INT64);
  const axes = i64([-2, -1]);
  const slice = (x: string, r: [number, number], c: [number, number]) => g.node("Slice", [x, i64([r[0], c[0]]), i64([r[1], c[1]]), axes]);
  const an = ctx.name(a!);
  // aᵀ: column i of row-block i+1… is a_{i, j>i} as a [..., N−i−1, 1] matrix, ready for the MatMul.
  const swap = Array.from({ length: rank }, (_, k) => k);
  [swap[rank - 2], swap[rank - 1]] = [swap[rank - 1]!, swap[rank - 2]!];
  const at = g.transpose(an, swap);
  const cols = Array.from({ length: n }, () => g.fresh("tri_b"));
  g.node("Split", [ctx.name(b!), i64(Array(n).fill(1))], { axis: { i: -1 } }, cols);
  const x: string[] = Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = cols[i]!;
    if (i < n - 1) {
      const solved = i === n - 2 ? x[n - 1]! : g.node("Concat", x.slice(i + 1), { axis: { i: -1 } });
      s = g.node("Sub", [s, g.node("MatMul", [solved, slice(at, [i + 1, n], [i, i + 1])])]);
    }
    x[i] = unit ? s : g.node("Div", [s, slice(an, [i, i + 1], [i, i + 1])]);
  }
  return n === 1 ? g.node("Identity", [x[0]!]) : g.node("Concat", x, { axis: { i: -1 } });
}
