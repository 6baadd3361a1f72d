/**
 * Coupling layers: NICE's additive coupling y_T = x_T + t(x_K) and RealNVP's affine coupling
 * y_T = x_T · exp(s(x_K)) + t(x_K), where K are the kept coordinates (mask 1) and T the transformed ones (mask 0);
 * y_K = x_K. Both directions are one parallel pass ("both").
 *
 * Conditioner: a dense MLP (src/nets/dense.ts) on the kept coordinates, gathered from the flattened event, concatenated
 * with the context [B, ctxDim] when the flow is conditional. Images [B, H, W, C] are flattened, so the conditioner
 * sees the whole image (simple; a per-pixel/convolutional conditioner could replace it later), and any mask over the
 * flattened event works (channel or checkerboard, see masks.ts).
 *
 * Bounded scale: the log-scale is s = bound · tanh(raw / bound) (bound = `scaleBound`, default 2), smooth, equal to
 * raw near 0 and never beyond ±bound, so one layer can at most multiply by e^±bound; this keeps training stable and
 * outputs finite for extreme inputs. The last conditioner layer starts at zero, so a new layer is the identity.
 */
import { np, tanh, exp, mulScalar, type Array, type DType, type ActivationName, Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { denseApply, initDense, type DenseConfig, type DenseParams } from "../nets/dense.js";
import type { Mask } from "./masks.js";
import { checkCtx, checkEvent, flatten, selectColumns, sizeOf } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export interface CouplingOptions {
  /** Hidden widths of the conditioner MLP. */
  hidden: number[];
  activation: ActivationName;
  /** 0/1 over the flattened event: 1 = kept (conditioning), 0 = transformed. */
  mask: Mask;
  /** Width of the context vector fed to the conditioner (0 or absent: unconditional). */
  ctxDim?: number;
  /** Affine only: |log-scale| ≤ scaleBound (default 2). */
  scaleBound?: number;
  /**
   * Start the conditioner's last layer at zero, so a new layer is the identity (default true). NICE turns it off:
   * on mirror-symmetric data E[x_T | x_K] = 0, so zero-initialized additive shifts sit at a saddle and never move.
   */
  zeroInit?: boolean;
}
export type CouplingParams = { net: DenseParams };

/**
 * The shared machinery of every coupling layer: mask checks, the kept/moved split and its undoing, the dense
 * conditioner on [x_K, ctx]. Subclasses define only `transform` of the moved part. `kind` names the layer in
 * option errors (thrown before a subclass's own fields exist).
 */
export abstract class Coupling implements Bijector<CouplingParams> {
  abstract readonly name: string;
  readonly fast = "both" as const;
  readonly eventShape: number[];
  readonly ctxDim: number;
  readonly net: DenseConfig;
  protected readonly kept: number[];
  protected readonly moved: number[];
  /** Position of each flattened coordinate in concat([x_K, x_T]). */
  private readonly unsplit: number[];

  constructor(eventShape: number[], protected readonly opts: CouplingOptions, outPerMoved: number, kind = "coupling") {
    this.eventShape = [...eventShape];
    const D = sizeOf(eventShape);
    const m = opts.mask;
    if (m.length !== D) throw new OptionError(`${kind}: expected a mask of length ${D}, got ${m.length}`);
    if (!m.every((v) => v === 0 || v === 1)) throw new OptionError(`${kind}: expected a mask of 0s and 1s`);
    this.ctxDim = opts.ctxDim ?? 0;
    if (!Number.isInteger(this.ctxDim) || this.ctxDim < 0)
      throw new OptionError(`${kind}: expected ctxDim ≥ 0, got ${opts.ctxDim}`);
    this.kept = [];
    this.moved = [];
    m.forEach((v, i) => (v === 1 ? this.kept : this.moved).push(i));
    if (this.moved.length === 0) throw new OptionError(`${kind}: the mask keeps every coordinate (no 0 in it)`);
    if (this.kept.length + this.ctxDim === 0)
      throw new OptionError(`${kind}: the conditioner has no input (mask all 0 and no context)`);
    this.unsplit = new globalThis.Array<number>(D);
    [...this.kept, ...this.moved].forEach((src, pos) => (this.unsplit[src] = pos));
    this.net = {
      inDim: this.kept.length + this.ctxDim,
      hidden: opts.hidden,
      outDim: outPerMoved * this.moved.length,
      activation: opts.activation,
      zeroLast: opts.zeroInit ?? true,
    };
  }

  init(rng: Rng, dtype: DType): CouplingParams {
    return { net: initDense(this.net, rng, dtype) };
  }

  /** Conditioner output from the kept part xk [B, |K|] (not consumed) and ctx (consumed). */
  protected condition(p: CouplingParams, xk: Array, ctx?: Array): Array {
    const h = ctx === undefined ? xk.ref : np.concatenate([xk.ref, ctx.astype(xk.dtype)], 1);
    return denseApply(this.net, p.net, h);
  }

  /** Transforms the moved part given conditioner output; returns [new moved part, logDet [B]]. */
  protected abstract transform(out: Array, xt: Array, inverse: boolean): [Array, Array];

  private run(p: CouplingParams, x: Array, ctx: Array | undefined, inverse: boolean): [Array, Array] {
    const where = `${this.name}.${inverse ? "inverse" : "forward"}`;
    const B = checkEvent(x, this.eventShape, where);
    checkCtx(ctx, B, this.ctxDim, where);
    const flat = flatten(x);
    const xk = selectColumns(flat.ref, this.kept);
    const xt = selectColumns(flat, this.moved);
    const [yt, logDet] = this.transform(this.condition(p, xk, ctx), xt, inverse);
    const y = selectColumns(np.concatenate([xk, yt], 1), this.unsplit);
    return [y.reshape([B, ...this.eventShape]), logDet];
  }

  forward(p: CouplingParams, x: Array, ctx?: Array): ForwardResult {
    const [y, logDet] = this.run(p, x, ctx, false);
    return { y, logDet };
  }
  inverse(p: CouplingParams, y: Array, ctx?: Array): InverseResult {
    const [x, logDet] = this.run(p, y, ctx, true);
    return { x, logDet };
  }
}

/** NICE: y_T = x_T + t(x_K, ctx); volume preserving (logDet 0). */
export class AdditiveCoupling extends Coupling {
  readonly name = "additive-coupling";
  constructor(eventShape: number[], opts: CouplingOptions) {
    super(eventShape, opts, 1);
  }
  protected transform(t: Array, xt: Array, inverse: boolean): [Array, Array] {
    const B = xt.shape[0]!;
    const dtype = xt.dtype;
    return [inverse ? xt.sub(t) : xt.add(t), np.zeros([B], { dtype })];
  }
}

/** RealNVP: y_T = x_T · exp(s) + t with s = bound · tanh(raw / bound); logDet = Σ s. */
export class AffineCoupling extends Coupling {
  readonly name = "affine-coupling";
  readonly scaleBound: number;
  constructor(eventShape: number[], opts: CouplingOptions) {
    super(eventShape, opts, 2);
    this.scaleBound = opts.scaleBound ?? 2;
    if (!(this.scaleBound > 0) || !Number.isFinite(this.scaleBound))
      throw new OptionError(`affine-coupling: expected scaleBound > 0, got ${opts.scaleBound}`);
  }
  protected transform(out: Array, xt: Array, inverse: boolean): [Array, Array] {
    const n = this.moved.length;
    const raw = out.ref.slice([], [0, n]);
    const t = out.slice([], [n, 2 * n]);
    const s = mulScalar(tanh(mulScalar(raw, 1 / this.scaleBound)), this.scaleBound);
    const logDet = s.ref.sum(1);
    if (inverse) return [xt.sub(t).mul(exp(s.neg())), logDet.neg()];
    return [xt.mul(exp(s)).add(t), logDet];
  }
}
