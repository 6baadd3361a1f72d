/**
 * Shape helpers shared by the flow layers: checking that x is [B, ...eventShape] (and ctx [B, C]) and flattening the
 * event axes, so that layers written for vectors [B, D] also accept images [B, H, W, C].
 */
import { np, fromHost, type Array } from "../engine/index.js";
import { ShapeError } from "../errors.js";

/** Product of a shape's sizes (1 for []). */
export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Throws a ShapeError unless x is [B, ...eventShape]; returns B. Does not consume x. */
export function checkEvent(x: Array, eventShape: readonly number[], where: string): number {
  const s = x.shape;
  const ok = s.length === eventShape.length + 1 && eventShape.every((d, i) => s[i + 1] === d);
  if (!ok) throw new ShapeError(`${where}: expected x of shape [B, ${eventShape.join(", ")}], got [${s.join(", ")}]`);
  return s[0]!;
}

/** Throws a ShapeError unless ctx is [B, ctxDim] (or absent when ctxDim is 0). Does not consume ctx. */
export function checkCtx(ctx: Array | undefined, B: number, ctxDim: number, where: string): void {
  if (ctxDim === 0) {
    if (ctx !== undefined) throw new ShapeError(`${where}: got a context but the layer was built with ctxDim 0`);
    return;
  }
  if (ctx === undefined) throw new ShapeError(`${where}: expected a context of shape [B, ${ctxDim}], got none`);
  if (ctx.ndim !== 2 || ctx.shape[0] !== B || ctx.shape[1] !== ctxDim)
    throw new ShapeError(`${where}: expected ctx of shape [${B}, ${ctxDim}], got [${ctx.shape.join(", ")}]`);
}

/** x [B, ...event] (consumed) → [B, D]. */
export function flatten(x: Array): Array {
  const B = x.shape[0]!;
  return x.reshape([B, sizeOf(x.shape.slice(1))]);
}

/** A per-sample zero logDet [B] of x's dtype. */
export function zeroLogDet(B: number, dtype: Array["dtype"]): Array {
  return np.zeros([B], { dtype });
}

/** Sum over all axes but the first: [B, ...] (consumed) → [B]. */
export function sumEvent(a: Array): Array {
  return flatten(a).sum(1);
}

/** A host-built int32 index vector (for np.take). */
export function indexArray(idx: readonly number[]): Array {
  return np.array(Int32Array.from(idx), { dtype: np.int32 });
}

/**
 * Gathers columns of x [B, D] (consumed): x[:, idx] as a matmul with a 0/1 selection matrix. Used instead of np.take
 * where the result is differentiated under jit: jax-js 0.1.25 fails to compile the gather's gradient there in some
 * graphs ("routine primitive scatter input is not imm"), which made coupling flows untrainable in a jitted step.
 * Exact for finite values (each output is 1·x_i plus zeros).
 */
export function selectColumns(x: Array, idx: readonly number[]): Array {
  const D = x.shape[1]!;
  const m = new Float64Array(D * idx.length);
  idx.forEach((src, j) => (m[src * idx.length + j] = 1));
  return np.matmul(x, fromHost(m, [D, idx.length], x.dtype));
}

/** The inverse of a permutation of 0…n−1; throws if `perm` is not one. */
export function invertPermutation(perm: readonly number[], where: string): number[] {
  const inv = new globalThis.Array<number>(perm.length).fill(-1);
  perm.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 0 || p >= perm.length || inv[p] !== -1)
      throw new ShapeError(`${where}: expected a permutation of 0…${perm.length - 1}, got [${perm.join(", ")}]`);
    inv[p] = i;
  });
  return inv;
}
