/**
 * Float64-safe scalar arithmetic for schedulers. Under `jit`, jax-js rounds plain JS number operands to float32
 * (0.1 → 0.10000000149), so every non-trivial constant goes through an array of the operand's own dtype.
 */
import { np, type Array } from "../engine/index.js";

/** A scalar array holding c in x's dtype (exact for float64). Does not consume x. */
export function scalarLike(x: Array, c: number): Array {
  return np.full([], c, { dtype: x.dtype });
}

/** a + b·x for JS numbers a, b (exact constants in float64); consumes x. */
export function affine(x: Array, a: number, b: number): Array {
  const a0 = scalarLike(x, a);
  return x.mul(scalarLike(x, b)).add(a0);
}
