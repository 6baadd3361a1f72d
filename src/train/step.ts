/**
 * The compiled optimizer step shared by every trainer: loss and gradient, global-norm clipping, Adam(W), EMA — one
 * jit'd function of (params, ema, m, v, inputs, lr, bc1, bc2, decay) → [params, ema, m, v, loss]. Changing scalars
 * travel as arrays so the compiled step is reused. Data-parallel training (parallel.ts) runs the two halves apart:
 * `makeGradStep` on each shard, then `makeUpdateStep` on the averaged gradient.
 */
import { jit, valueAndGrad, adamUpdate, clipByGlobalNorm, emaUpdate, treeRef, treeOps, mulScalar, type Array, type JsTree } from "../engine/index.js";

export type OptimizerStep<P, I> = (
  params: P, ema: P, m: P, v: P, inputs: I, lr: Array, bc1: Array, bc2: Array, decay: Array,
) => [P, P, P, P, Array];
export type GradStep<P, I> = (params: P, inputs: I) => [Array, P];
export type UpdateStep<P> = (params: P, ema: P, m: P, v: P, gradParts: P[], lr: Array, bc1: Array, bc2: Array, decay: Array) => [P, P, P, P];

export interface StepOptions { clipNorm: number; weightDecay: number }

/** Clipping, Adam(W) and EMA on given gradients (traceable; consumes everything; the ONNX step traces it too). */
export function applyGrads<P extends JsTree<Array>>(o: StepOptions, params: P, ema: P, m: P, v: P, g0: P, lr: Array, bc1: Array, bc2: Array, decay: Array): [P, P, P, P] {
  let grads = g0;
  if (o.clipNorm > 0) {
    const c = clipByGlobalNorm(grads, o.clipNorm);
    grads = c.grads as P;
    c.norm.dispose();
  }
  const u = adamUpdate(params, grads, m, v, { lr, bc1, bc2 }, { weightDecay: o.weightDecay });
  return [u.params, emaUpdate(ema, u.params, decay), u.m, u.v];
}

/** `loss(params, inputs)` must consume inputs, not params. Dispose the result with `disposeStep`. */
export function makeOptimizerStep<P extends JsTree<Array>, I>(loss: (p: P, inputs: I) => Array, o: StepOptions): OptimizerStep<P, I> {
  return jit((params: P, ema: P, m: P, v: P, inputs: I, lr: Array, bc1: Array, bc2: Array, decay: Array) => {
    const [l, g] = (valueAndGrad(loss) as unknown as (p: P, i: I) => [Array, P])(treeRef(params), inputs);
    return [...applyGrads(o, params, ema, m, v, g, lr, bc1, bc2, decay), l] as unknown as Array;
  }) as unknown as OptimizerStep<P, I>;
}

/** (params, inputs) → [loss, gradient]; consumes both. Dispose with `disposeStep`. */
export function makeGradStep<P extends JsTree<Array>, I>(loss: (p: P, inputs: I) => Array): GradStep<P, I> {
  return jit((params: P, inputs: I) => (valueAndGrad(loss) as unknown as (p: P, i: I) => [Array, P])(params, inputs) as unknown as Array) as unknown as GradStep<P, I>;
}

/**
 * (params, ema, m, v, gradParts, lr, bc1, bc2, decay) → [params, ema, m, v] with the gradient Σ weights[i] ·
 * gradParts[i] (shards of a batch); consumes everything. Dispose with `disposeStep`.
 */
export function makeUpdateStep<P extends JsTree<Array>>(o: StepOptions, weights: number[]): UpdateStep<P> {
  return jit((params: P, ema: P, m: P, v: P, parts: P[], lr: Array, bc1: Array, bc2: Array, decay: Array) => {
    const grads = treeOps.map((...gs: Array[]) => gs.map((g, i) => mulScalar(g, weights[i]!)).reduce((a, b) => a.add(b)), ...(parts as [P, ...P[]])) as P;
    return applyGrads(o, params, ema, m, v, grads, lr, bc1, bc2, decay) as unknown as Array;
  }) as unknown as UpdateStep<P>;
}

export function disposeStep(step: unknown): void {
  (step as { dispose(): void }).dispose();
}
