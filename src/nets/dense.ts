/**
 * A plain MLP h ↦ W_L σ(… σ(W_1 h + b_1) …) + b_L, the conditioner of coupling and spline layers (no time input).
 * Parameters are `{ layers: [{ w, b }, …] }` (row-vector convention h @ w + b), like the velocity MLP's.
 * `zeroLast` zero-initializes the last layer so a freshly built flow starts at the identity map.
 */
import { np, activations, Rng, fromHost, type Array, type ActivationName, type DType } from "../engine/index.js";
import type { Layer } from "./mlp.js";

export interface DenseConfig {
  inDim: number;
  hidden: number[];
  outDim: number;
  activation: ActivationName;
  /** Start the output layer at zero (default true). */
  zeroLast?: boolean;
}
export type DenseParams = { layers: Layer[] };

/** PyTorch nn.Linear default init, U(±1/√fan_in), drawn from the host rng (deterministic on every backend). */
export function initDense(c: DenseConfig, rng: Rng, dtype: DType = np.float32): DenseParams {
  const widths = [c.inDim, ...c.hidden, c.outDim];
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const [fin, fout] = [widths[i]!, widths[i + 1]!];
    const last = i + 2 === widths.length;
    const bound = last && (c.zeroLast ?? true) ? 0 : 1 / Math.sqrt(fin);
    const draw = (n: number) => Float64Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
    layers.push({ w: fromHost(draw(fin * fout), [fin, fout], dtype), b: fromHost(draw(fout), [fout], dtype) });
  }
  return { layers };
}

/** Applies the MLP to x [B, inDim] (consumed); params are not consumed. Returns [B, outDim]. */
export function denseApply(c: DenseConfig, p: DenseParams, x: Array): Array {
  const act = activations[c.activation];
  let h = x;
  p.layers.forEach((l, i) => {
    h = np.matmul(h, l.w.ref).add(l.b.ref);
    if (i + 1 < p.layers.length) h = act(h);
  });
  return h;
}
