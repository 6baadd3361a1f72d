/**
 * Multi-scale Glow for images [B, H, W, C] (Kingma & Dhariwal 2018; the multi-scale scheme is RealNVP's).
 *
 * Level l (of L) acts on h [B, H_l, W_l, C_l]:
 *   1. squeeze: [H_l, W_l, C_l] → [H_l/2, W_l/2, 4·C_l] (space-to-depth, a permutation, logDet 0);
 *   2. K flow steps: ActNorm → invertible 1×1 convolution (LU) → affine coupling on a channel mask;
 *   3. split (every level but the last): the second half of the channels, z_l, is factored out. Its prior is a
 *      Gaussian conditioned on the kept half h_l: z_l ~ N(μ(h_l), diag σ(h_l)²) — learned, as in Glow. It is written
 *      here as the bijection ε_l = (z_l − μ(h_l))·exp(−log σ(h_l)) with ε_l ~ N(0, I), i.e. an affine coupling whose
 *      kept part is h_l (zero-initialized, so the prior starts at N(0, I)); the change of variables makes the two
 *      descriptions give the same density, and the whole model stays "bijector + standard-normal base".
 * The kept half goes on to level l + 1; the last level's output is the rest of the latent.
 *
 * Layout of the latent: `forward` returns the factored-out pieces ε_1, …, ε_{L−1} and the last level's output, each
 * flattened row-major and concatenated, reshaped to the input's [B, H, W, C] (only the element count matters to a
 * standard-normal base). `inverse` reads that layout back. Both directions are one parallel pass (`fast: "both"`).
 *
 * The couplings' conditioners are dense MLPs on the flattened kept half (coupling.ts), fine for small images such
 * as 8×8 digits; a convolutional conditioner would scale better.
 */
import { np, treeRef, type Array, type DType, type ActivationName, Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { ActNorm } from "./actnorm.js";
import { Chain } from "./chain.js";
import { AffineCoupling, type CouplingParams } from "./coupling.js";
import { InvertibleConv1x1 } from "./lu-linear.js";
import { channelMask } from "./masks.js";
import { checkEvent, sizeOf } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult, Params } from "./types.js";

/** [B, H, W, C] (consumed) → [B, H/2, W/2, 4C]; channel blocks ordered by (row offset, column offset). */
export function squeeze(x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  return x.reshape([B, H / 2, 2, W / 2, 2, C]).transpose([0, 1, 3, 2, 4, 5]).reshape([B, H / 2, W / 2, 4 * C]);
}

/** Inverse of `squeeze`: [B, H, W, 4C] (consumed) → [B, 2H, 2W, C]. */
export function unsqueeze(y: Array): Array {
  const [B, H, W, C4] = y.shape as [number, number, number, number];
  const C = C4 / 4;
  return y.reshape([B, H, W, 2, 2, C]).transpose([0, 1, 3, 2, 4, 5]).reshape([B, 2 * H, 2 * W, C]);
}

/**
 * Squeeze as a bijector from [H, W, C] to [H/2, W/2, 4C]. Unlike other bijectors its output has another event shape
 * (`outShape`), so it is used inside `MultiScaleGlow` rather than in a `Chain`. logDet 0 (a permutation).
 */
export class Squeeze implements Bijector<Record<string, never>> {
  readonly name = "squeeze";
  readonly fast = "both" as const;
  readonly eventShape: number[];
  readonly outShape: number[];
  constructor(eventShape: number[]) {
    const [H, W, C] = eventShape as [number, number, number];
    if (eventShape.length !== 3 || H % 2 !== 0 || W % 2 !== 0 || !(C >= 1))
      throw new OptionError(`squeeze: expected an image event shape [H, W, C] with even H and W, got [${eventShape}]`);
    this.eventShape = [...eventShape];
    this.outShape = [H / 2, W / 2, 4 * C];
  }
  init(): Record<string, never> {
    return {};
  }
  forward(_p: Record<string, never>, x: Array, ctx?: Array): ForwardResult {
    ctx?.dispose();
    const B = checkEvent(x, this.eventShape, "squeeze.forward");
    const dtype = x.dtype;
    return { y: squeeze(x), logDet: np.zeros([B], { dtype }) };
  }
  inverse(_p: Record<string, never>, y: Array, ctx?: Array): InverseResult {
    ctx?.dispose();
    const B = checkEvent(y, this.outShape, "squeeze.inverse");
    const dtype = y.dtype;
    return { x: unsqueeze(y), logDet: np.zeros([B], { dtype }) };
  }
}

export interface MultiScaleGlowOptions {
  /** Number of levels L (each halves H and W; default 2). H and W must be divisible by 2^L. */
  levels?: number;
  /** Flow steps K per level (default 4). */
  steps?: number;
  /** Coupling conditioner hidden widths (default [128, 128]). */
  hidden?: number[];
  activation?: ActivationName;
  /** Bound on the couplings' log-scale (default 2). */
  scaleBound?: number;
  /** Context width fed to every coupling and split prior (default 0). */
  ctxDim?: number;
  /** Seeds of the 1×1 convolutions, levels·steps of them in order (default seed + index). */
  luSeeds?: number[];
  /** Base of the default LU seeds (default 0). */
  seed?: number;
  /** Whether each step starts with ActNorm (default true). */
  actnorm?: boolean;
}

/** Parameters: per level, the steps' chain parameters and (except the last level) the split prior's. */
export type MultiScaleGlowParams = { levels: { steps: Params[]; prior?: Params }[] };

interface Level {
  squeeze: Squeeze;
  steps: Chain;
  /** Split prior as an affine coupling on the squeezed shape (kept: first half of the channels). */
  prior?: AffineCoupling;
  /** Shape after squeeze [h, w, c]; the factored part is [h, w, c/2]. */
  shape: number[];
}

export class MultiScaleGlow implements Bijector<MultiScaleGlowParams> {
  readonly name = "multiscale-glow";
  readonly fast = "both" as const;
  /** The 1×1 convolutions' inverses cannot be jitted (see LULinear). */
  readonly jit = { forward: true, inverse: false };
  readonly eventShape: number[];
  readonly ctxDim: number;
  readonly luSeeds: number[];
  private readonly lv: Level[] = [];

  constructor(eventShape: number[], opts: MultiScaleGlowOptions = {}) {
    const L = opts.levels ?? 2;
    const K = opts.steps ?? 4;
    if (eventShape.length !== 3) throw new OptionError(`glow: expected an image event shape [H, W, C], got [${eventShape}]`);
    const [H, W, C] = eventShape as [number, number, number];
    if (!Number.isInteger(L) || L < 1 || H % 2 ** L !== 0 || W % 2 ** L !== 0)
      throw new OptionError(`glow: ${L} levels need H and W divisible by ${2 ** L}, got [${eventShape}]`);
    if (!Number.isInteger(K) || K < 1) throw new OptionError(`glow: expected steps ≥ 1 per level, got ${K}`);
    this.eventShape = [...eventShape];
    this.ctxDim = opts.ctxDim ?? 0;
    this.luSeeds = opts.luSeeds ?? globalThis.Array.from({ length: L * K }, (_, i) => (opts.seed ?? 0) * 1000 + i);
    if (this.luSeeds.length !== L * K) throw new OptionError(`glow: expected ${L * K} LU seeds, got ${this.luSeeds.length}`);
    const cpl = { hidden: opts.hidden ?? [128, 128], activation: opts.activation ?? ("relu" as ActivationName), ctxDim: this.ctxDim, scaleBound: opts.scaleBound };
    let shape = [H, W, C];
    for (let l = 0; l < L; l++) {
      const sq = new Squeeze(shape);
      const s = sq.outShape;
      const [h, w, c] = s as [number, number, number];
      const layers: Bijector[] = [];
      for (let k = 0; k < K; k++) {
        if (opts.actnorm ?? true) layers.push(new ActNorm(s));
        layers.push(new InvertibleConv1x1(s, { seed: this.luSeeds[l * K + k] }));
        layers.push(new AffineCoupling(s, { ...cpl, mask: channelMask(h, w, c, (k % 2) as 0 | 1) }));
      }
      const last = l === L - 1;
      const prior = last ? undefined : new AffineCoupling(s, { ...cpl, mask: channelMask(h, w, c, 0) });
      this.lv.push({ squeeze: sq, steps: new Chain(layers), prior, shape: s });
      shape = [h, w, Math.ceil(c / 2)];
    }
  }

  init(rng: Rng, dtype: DType): MultiScaleGlowParams {
    return { levels: this.lv.map((l) => ({ steps: l.steps.init(rng, dtype), ...(l.prior ? { prior: l.prior.init(rng, dtype) } : {}) })) };
  }

  /** Kept (first ⌈c/2⌉ channels) and factored parts of [B, h, w, c] (consumed). */
  private static halves(x: Array): [Array, Array] {
    const c = x.shape[3]!;
    const k = Math.ceil(c / 2);
    return [x.ref.slice([], [], [], [0, k]), x.slice([], [], [], [k, c])];
  }

  private run(p: MultiScaleGlowParams, x: Array, ctx: Array | undefined, dataInit: boolean): { y: Array; logDet: Array; params?: MultiScaleGlowParams } {
    const B = checkEvent(x, this.eventShape, dataInit ? "glow.dataInit" : "glow.forward");
    let h = x;
    let logDet: Array | undefined;
    const add = (ld: Array) => (logDet = logDet === undefined ? ld : logDet.add(ld));
    const outs: Array[] = [];
    const newParams: MultiScaleGlowParams = { levels: [] };
    this.lv.forEach((l, i) => {
      const lp = p.levels[i]!;
      let s = squeeze(h);
      let steps = lp.steps;
      if (dataInit) steps = l.steps.dataInit(lp.steps, s.ref, ctx?.ref);
      const r = l.steps.forward(steps, s, ctx?.ref);
      add(r.logDet);
      s = r.y;
      if (l.prior) {
        const q = l.prior.forward(lp.prior as CouplingParams, s, ctx?.ref); // factored half → ε, kept half unchanged
        add(q.logDet);
        const [kept, eps] = MultiScaleGlow.halves(q.y);
        outs.push(eps.reshape([B, -1]));
        h = kept;
      } else {
        outs.push(s.reshape([B, -1]));
      }
      if (dataInit) newParams.levels.push({ steps, ...(lp.prior ? { prior: treeRef(lp.prior) } : {}) });
    });
    ctx?.dispose();
    const y = np.concatenate(outs, 1).reshape([B, ...this.eventShape]);
    return { y, logDet: logDet!, params: dataInit ? newParams : undefined };
  }

  forward(p: MultiScaleGlowParams, x: Array, ctx?: Array): ForwardResult {
    const r = this.run(p, x, ctx, false);
    return { y: r.y, logDet: r.logDet };
  }

  inverse(p: MultiScaleGlowParams, y: Array, ctx?: Array): InverseResult {
    const B = checkEvent(y, this.eventShape, "glow.inverse");
    const flat = y.reshape([B, sizeOf(this.eventShape)]);
    // Sizes of the pieces in latent order.
    const sizes = this.lv.map((l) => {
      const [h, w, c] = l.shape as [number, number, number];
      return l.prior ? h * w * (c - Math.ceil(c / 2)) : h * w * c;
    });
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    let logDet: Array | undefined;
    const add = (ld: Array) => (logDet = logDet === undefined ? ld : logDet.add(ld));
    let h: Array | undefined;
    for (let i = this.lv.length - 1; i >= 0; i--) {
      const l = this.lv[i]!;
      const lp = p.levels[i]!;
      const [hh, ww, c] = l.shape as [number, number, number];
      const piece = flat.ref.slice([], [offsets[i]!, offsets[i]! + sizes[i]!]);
      let s: Array;
      if (l.prior) {
        const k = Math.ceil(c / 2);
        const eps = piece.reshape([B, hh, ww, c - k]);
        const q = l.prior.inverse(lp.prior as CouplingParams, np.concatenate([h!, eps], 3), ctx?.ref);
        add(q.logDet);
        s = q.x;
      } else s = piece.reshape([B, hh, ww, c]);
      const r = l.steps.inverse(lp.steps, s, ctx?.ref);
      add(r.logDet);
      h = unsqueeze(r.x);
    }
    flat.dispose();
    ctx?.dispose();
    return { x: h!, logDet: logDet! };
  }

  /** Data-dependent init of every ActNorm, each on the batch as transformed by the layers before it. */
  dataInit(p: MultiScaleGlowParams, x: Array, ctx?: Array): MultiScaleGlowParams {
    const r = this.run(p, x, ctx, true);
    r.y.dispose();
    r.logDet.dispose();
    return r.params!;
  }
}
