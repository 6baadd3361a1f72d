/**
 * The bijector interface shared by every discrete normalizing-flow layer.
 *
 * Direction convention (as in zuko / nflows): `forward` is the *normalizing* (density) direction, data x → base z,
 * and `inverse` is the *generative* (sampling) direction z → x. So for a flow f = forward,
 *   log p(x) = log p_base(f(x)) + logDet_forward(x).
 * Each bijector states which direction is cheap (`fast`): MAF is fast forward (density) and sequential inverse;
 * IAF the reverse; couplings are fast both ways.
 *
 * Parameters are a pytree P held outside the bijector (so jit/grad/Adam see them); the bijector object holds only
 * its static configuration (sizes, masks, hyper-parameters).
 *
 * Ownership: `forward`/`inverse` are building blocks traced by jit/grad, so they follow jax-js's consume rule (unlike
 * the public entry points, which borrow): they consume `x`/`y` and `ctx`, never `params`. Returned arrays are owned
 * by the caller. `Flow` wraps them with a borrowing, host-array API.
 * Shapes: x is [B, ...event]; logDet is [B]; ctx (optional) is [B, C].
 */
import type { Array, JsTree, DType } from "../engine/index.js";
import type { Rng } from "../engine/index.js";

export type Params = JsTree<Array>;

export interface ForwardResult {
  /** f(x), same shape as x. */
  y: Array;
  /** log|det ∂f/∂x| per sample, shape [B]. */
  logDet: Array;
}
export interface InverseResult {
  /** f⁻¹(y), same shape as y. */
  x: Array;
  /** log|det ∂f⁻¹/∂y| per sample, shape [B] (= −forward logDet at x). */
  logDet: Array;
}

/**
 * Which directions are a single parallel pass ("both"), or which one is (the other being sequential/iterative).
 * "neither" only arises for a chain mixing forward-only and inverse-only layers (e.g. MAF then IAF).
 */
export type FastDirection = "both" | "forward" | "inverse" | "neither";

/**
 * Which directions may run inside jax-js `jit` (a traced, compiled pass). Absent on a bijector means both. LU-linear
 * and 1×1-convolution inverses say false (jax-js 0.1.25 cannot jit `triangularSolve` on computed inputs), planar
 * inverses too (the unrolled Newton iteration takes minutes to compile). Models run a false direction eagerly.
 */
export interface JitSupport {
  forward: boolean;
  inverse: boolean;
}

export interface Bijector<P extends Params = Params> {
  /** Layer kind, e.g. "affine-coupling". */
  readonly name: string;
  readonly fast: FastDirection;
  /** Which directions may be jit-compiled (default: both). */
  readonly jit?: JitSupport;
  /** Event shape this layer acts on, e.g. [D] or [H, W, C]. */
  readonly eventShape: number[];
  /** Fresh parameters (deterministic given the rng state). */
  init(rng: Rng, dtype: DType): P;
  forward(params: P, x: Array, ctx?: Array): ForwardResult;
  inverse(params: P, y: Array, ctx?: Array): InverseResult;
  /**
   * Data-dependent initialization (ActNorm): returns new parameters from a batch x (consumes x, not params). Layers
   * without one omit it. Callers run it once before training and record that they did (saved in the model config).
   */
  dataInit?(params: P, x: Array, ctx?: Array): P;
}

/** A bijector's jit support (both directions when it does not say). */
export function jitSupport(b: Bijector): JitSupport {
  return b.jit ?? { forward: true, inverse: true };
}
