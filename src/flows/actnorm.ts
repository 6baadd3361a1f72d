/**
 * ActNorm (Glow): y = (x − loc) · exp(−logScale), one loc/log-scale per feature of a vector [D] or per channel of an
 * image [H, W, C] (shared by all pixels, so the logDet is −H·W·Σ logScale). `init` gives the identity;
 * `dataInit` sets loc and logScale to the batch mean and log standard deviation (over the batch, and the pixels of
 * an image), so the layer's output on that batch has mean 0 and variance 1 per feature. Whoever calls dataInit
 * records that it ran (the model config), so a resumed or loaded model does not run it again.
 */
import { np, exp, fromHost, toHostF64, mulScalar, type Array, type DType, Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { checkEvent, sizeOf } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export type ActNormParams = { loc: Array; logScale: Array };

/** Smallest standard deviation dataInit divides by (a constant feature would otherwise give logScale = −∞). */
export const ACTNORM_MIN_STD = 1e-6;

export class ActNorm implements Bijector<ActNormParams> {
  readonly name = "actnorm";
  readonly fast = "both" as const;
  readonly eventShape: number[];
  /** Features normalized: D for vectors, C for images. */
  readonly features: number;
  /** Positions sharing one loc/scale: 1 for vectors, H·W for images. */
  readonly positions: number;

  constructor(eventShape: number[]) {
    if (eventShape.length !== 1 && eventShape.length !== 3)
      throw new OptionError(`ActNorm: expected an event shape [D] or [H, W, C], got [${eventShape}]`);
    this.eventShape = [...eventShape];
    this.features = eventShape[eventShape.length - 1]!;
    this.positions = sizeOf(eventShape) / this.features;
  }

  init(_rng: Rng, dtype: DType): ActNormParams {
    return { loc: np.zeros([this.features], { dtype }), logScale: np.zeros([this.features], { dtype }) };
  }

  private logDet(p: ActNormParams, B: number, sign: number): Array {
    const ld = mulScalar(p.logScale.ref.sum(), -sign * this.positions);
    return np.broadcastTo(ld, [B]);
  }

  forward(p: ActNormParams, x: Array, ctx?: Array): ForwardResult {
    ctx?.dispose();
    const B = checkEvent(x, this.eventShape, "ActNorm.forward");
    const y = x.sub(p.loc.ref).mul(exp(p.logScale.ref.neg()));
    return { y, logDet: this.logDet(p, B, 1) };
  }

  inverse(p: ActNormParams, y: Array, ctx?: Array): InverseResult {
    ctx?.dispose();
    const B = checkEvent(y, this.eventShape, "ActNorm.inverse");
    const x = y.mul(exp(p.logScale.ref)).add(p.loc.ref);
    return { x, logDet: this.logDet(p, B, -1) };
  }

  /** New {loc, logScale} from the batch statistics of x (consumed), computed on the host in float64. */
  dataInit(p: ActNormParams, x: Array, ctx?: Array): ActNormParams {
    ctx?.dispose();
    const B = checkEvent(x, this.eventShape, "ActNorm.dataInit");
    const dtype = p.loc.dtype;
    const v = toHostF64(x);
    const C = this.features;
    const n = B * this.positions;
    const mean = new Float64Array(C);
    const logStd = new Float64Array(C);
    for (let i = 0; i < v.length; i++) mean[i % C]! += v[i]! / n;
    const sq = new Float64Array(C);
    for (let i = 0; i < v.length; i++) sq[i % C]! += (v[i]! - mean[i % C]!) ** 2 / n;
    for (let c = 0; c < C; c++) logStd[c] = Math.log(Math.max(Math.sqrt(sq[c]!), ACTNORM_MIN_STD));
    return { loc: fromHost(mean, [C], dtype), logScale: fromHost(logStd, [C], dtype) };
  }
}
