/**
 * The compiled optimizer step shared by every trainer: loss and gradient, global-norm clipping, Adam(W), EMA — one
 * jit'd function of (params, ema, m, v, inputs, lr, bc1, bc2, decay) → [params, ema, m, v, loss]. Changing scalars
 * travel as arrays so the compiled step is reused.
 */
import { jit, valueAndGrad, adamUpdate, clipByGlobalNorm, emaUpdate, treeRef, type Array, type JsTree } from "../engine/index.js";

export type OptimizerStep<P, I> = (
  params: P, ema: P, m: P, v: P, inputs: I, lr: Array, bc1: Array, bc2: Array, decay: Array,
) => [P, P, P, P, Array];

/** `loss(params, inputs)` must consume inputs, not params. Dispose the result with `disposeStep`. */
export function makeOptimizerStep<P extends JsTree<Array>, I>(
  loss: (p: P, inputs: I) => Array,
  o: { clipNorm: number; weightDecay: number },
): OptimizerStep<P, I> {
  return jit((params: P, ema: P, m: P, v: P, inputs: I, lr: Array, bc1: Array, bc2: Array, decay: Array) => {
    const [l, g0] = (valueAndGrad(loss) as unknown as (p: P, i: I) => [Array, P])(treeRef(params), inputs);
    let grads = g0;
    if (o.clipNorm > 0) {
      const c = clipByGlobalNorm(grads, o.clipNorm);
      grads = c.grads as P;
      c.norm.dispose();
    }
    const u = adamUpdate(params, grads, m, v, { lr, bc1, bc2 }, { weightDecay: o.weightDecay });
    const ema2 = emaUpdate(ema, u.params, decay);
    return [u.params, ema2, u.m, u.v, l] as unknown as Array;
  }) as unknown as OptimizerStep<P, I>;
}

export function disposeStep(step: unknown): void {
  (step as { dispose(): void }).dispose();
}
