/**
 * MADE (Germain et al. 2015): an MLP whose weight matrices are multiplied by fixed 0/1 masks so that it is
 * autoregressive — output block k depends only on the inputs j that come before k in a chosen order
 * (order(j) < order(k)). It is the conditioner of MAF/IAF and of autoregressive spline flows: one pass gives every
 * dimension's transform parameters, each computed from the "earlier" dimensions only, so the flow's Jacobian is
 * triangular in that order.
 *
 * Degrees: input d has degree order[d] + 1 ∈ {1..D}; hidden unit u of every layer gets degree (u mod (D−1)) + 1 ∈
 * {1..D−1} (deterministic, so every degree is present once a layer is ≥ D−1 wide). Connection rules: a hidden unit
 * of degree m sees units of the previous layer with degree ≤ m; output block d (degree order[d] + 1) sees hidden
 * units of degree < order[d] + 1. The first output in the order (degree 1) therefore sees no input at all — without
 * context its value is the bias.
 *
 * Context (conditional flows): a ctx vector [B, C] feeds every unit of the first layer unmasked (it is not part of
 * the autoregressive order), via its own weight `ctxW` [C, width₁]. With context the hidden degrees cycle over
 * {0..D−1} instead: degree-0 units see the context only, and they are what lets the first output in the order
 * depend on the context too (otherwise the first dimension's transform would be unconditional).
 *
 * Outputs: `outPerDim` numbers per input dimension (2 for affine μ, α; 3K−1 for a K-bin spline), returned as
 * [B, D, outPerDim]. The masks live in the `Made` object (static config), never in the parameter pytree, so
 * optimizers and checkpoints only see `{ layers: [{ w, b }, …], ctxW? }`. The output layer starts at zero by
 * default so a freshly built flow is the identity (or whatever its transform does with zero parameters).
 */
import { np, activations, Rng, fromHost, type Array, type ActivationName, type DType } from "../engine/index.js";
import { OptionError, ShapeError } from "../errors.js";
import type { Layer } from "./mlp.js";

export interface MadeConfig {
  /** Number of input dimensions D. */
  inDim: number;
  /** Hidden layer widths (each should be ≥ D − 1, or ≥ D with context, so every degree is represented). */
  hidden: number[];
  /** Outputs per input dimension (≥ 1). */
  outPerDim: number;
  activation: ActivationName;
  /**
   * Autoregressive order: `order[d]` is the position (0-based rank) of input d; a permutation of 0..D−1. Default
   * natural order (order[d] = d).
   */
  order?: number[];
  /** Context width C (0 or omitted: no context). */
  ctxDim?: number;
  /** Start the output layer at zero (default true). */
  zeroLast?: boolean;
}

/** `ctxW`: context weights [C, width of the first layer], present only when ctxDim > 0. */
export type MadeParams = { layers: Layer[]; ctxW?: Array };

export interface Made {
  readonly config: MadeConfig;
  /** The resolved order (order[d] = rank of input d). */
  readonly order: number[];
  /** Row-major 0/1 masks, one per layer, shaped like that layer's w ([fan_in, fan_out]). */
  readonly masks: { data: Float64Array; shape: [number, number] }[];
  init(rng: Rng, dtype?: DType): MadeParams;
  /** x [B, D] (consumed), ctx [B, C] (consumed, optional); params not consumed. Returns [B, D, outPerDim]. */
  apply(params: MadeParams, x: Array, ctx?: Array): Array;
}

/** Checks and returns the order (default natural). */
export function resolveOrder(D: number, order?: number[]): number[] {
  if (order === undefined) return globalThis.Array.from({ length: D }, (_, i) => i);
  const seen = new Set(order);
  if (order.length !== D || seen.size !== D || order.some((o) => !Number.isInteger(o) || o < 0 || o >= D))
    throw new OptionError(`MADE order must be a permutation of 0..${D - 1} (length ${D}), got [${order.join(", ")}]`);
  return [...order];
}

/** Builds the masks and returns the MADE (config + masks; parameters are created by `init`). */
export function made(config: MadeConfig): Made {
  const D = config.inDim;
  const P = config.outPerDim;
  if (!(Number.isInteger(D) && D >= 1)) throw new OptionError(`MADE inDim must be an integer ≥ 1, got ${D}`);
  if (!(Number.isInteger(P) && P >= 1)) throw new OptionError(`MADE outPerDim must be an integer ≥ 1, got ${P}`);
  if (config.hidden.some((h) => !(Number.isInteger(h) && h >= 1)))
    throw new OptionError(`MADE hidden widths must be integers ≥ 1, got [${config.hidden.join(", ")}]`);
  const order = resolveOrder(D, config.order);
  const ctxDim = config.ctxDim ?? 0;

  const inDeg = order.map((o) => o + 1);
  const [lo, n] = ctxDim > 0 ? [0, D] : [1, Math.max(1, D - 1)];
  const hidDeg = config.hidden.map((h) => globalThis.Array.from({ length: h }, (_, u) => (u % n) + lo));
  // Output column c = d·P + j belongs to input dimension d.
  const outDeg = globalThis.Array.from({ length: D * P }, (_, c) => inDeg[Math.floor(c / P)]!);
  const degs = [inDeg, ...hidDeg, outDeg];
  const masks: { data: Float64Array; shape: [number, number] }[] = [];
  for (let l = 0; l + 1 < degs.length; l++) {
    const [a, b] = [degs[l]!, degs[l + 1]!];
    const last = l + 2 === degs.length;
    const data = new Float64Array(a.length * b.length);
    for (let i = 0; i < a.length; i++)
      for (let k = 0; k < b.length; k++) data[i * b.length + k] = (last ? b[k]! > a[i]! : b[k]! >= a[i]!) ? 1 : 0;
    masks.push({ data, shape: [a.length, b.length] as [number, number] });
  }
  const act = activations[config.activation];

  return {
    config,
    order,
    masks,
    init(rng: Rng, dtype: DType = np.float32): MadeParams {
      const layers: Layer[] = [];
      let ctxW: Array | undefined;
      masks.forEach((m, l) => {
        const [fin, fout] = m.shape;
        const last = l + 1 === masks.length;
        // fan_in counts the context too for the first layer (PyTorch nn.Linear default over the concatenated input).
        const bound = last && (config.zeroLast ?? true) ? 0 : 1 / Math.sqrt(fin + (l === 0 ? ctxDim : 0));
        const draw = (n: number) => Float64Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
        layers.push({ w: fromHost(draw(fin * fout), [fin, fout], dtype), b: fromHost(draw(fout), [fout], dtype) });
        if (l === 0 && ctxDim > 0) ctxW = fromHost(draw(ctxDim * fout), [ctxDim, fout], dtype);
      });
      return ctxW ? { layers, ctxW } : { layers };
    },
    apply(params: MadeParams, x: Array, ctx?: Array): Array {
      const B = x.shape[0]!;
      if (x.ndim !== 2 || x.shape[1] !== D) throw new ShapeError(`MADE input must be [B, ${D}], got [${x.shape}]`);
      if ((ctx !== undefined) !== ctxDim > 0 || (ctx && (ctx.ndim !== 2 || ctx.shape[0] !== B || ctx.shape[1] !== ctxDim)))
        throw new ShapeError(
          ctxDim > 0 ? `MADE context must be [${B}, ${ctxDim}], got ${ctx ? `[${ctx.shape}]` : "none"}` : "MADE has no context (ctxDim 0) but one was given",
        );
      let h = x;
      params.layers.forEach((layer, l) => {
        const m = masks[l]!;
        const w = layer.w.ref.mul(fromHost(m.data, m.shape, layer.w.dtype));
        h = np.matmul(h, w).add(layer.b.ref);
        if (l === 0 && ctx) h = h.add(np.matmul(ctx, params.ctxW!.ref));
        if (l + 1 < params.layers.length) h = act(h);
      });
      return h.reshape([B, D, P]);
    },
  };
}
