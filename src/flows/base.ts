/**
 * Base distributions of a flow (the z side, reached by `forward`). `logProb(params, z)` gives log p(z) in nats per
 * sample, shape [B] (consumes z, not params); `sample` draws n events from the host rng (deterministic on every
 * backend), scaled by `temperature` (the standard deviation multiplier of Glow's reduced-temperature sampling).
 */
import { np, Rng, fromHost, exp, mulScalar, type Array, type DType } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { checkEvent, sizeOf, sumEvent } from "./shape.js";
import type { Params } from "./types.js";

const LOG_2PI = Math.log(2 * Math.PI);

export interface BaseDistribution<P extends Params = Params> {
  readonly name: string;
  readonly eventShape: number[];
  init(rng: Rng, dtype: DType): P;
  /** log p(z) per sample, [B]; consumes z. */
  logProb(params: P, z: Array): Array;
  /** n samples [n, ...eventShape]; `temperature` (default 1) multiplies the standard deviation. */
  sample(params: P, n: number, rng: Rng, dtype: DType, temperature?: number): Array;
}

function checkTemperature(t: number): void {
  if (!(t >= 0) || !Number.isFinite(t)) throw new OptionError(`temperature: expected a finite number ≥ 0, got ${t}`);
}

/** N(0, I) on the event shape; no parameters. */
export class StandardNormal implements BaseDistribution<Record<string, never>> {
  readonly name = "standard-normal";
  constructor(readonly eventShape: number[]) {}
  init(): Record<string, never> {
    return {};
  }
  logProb(_params: Record<string, never>, z: Array): Array {
    checkEvent(z, this.eventShape, "StandardNormal.logProb");
    const d = sizeOf(this.eventShape);
    return mulScalar(sumEvent(z.ref.mul(z)), -0.5).sub(np.full([], 0.5 * d * LOG_2PI, { dtype: z.dtype }));
  }
  sample(_params: Record<string, never>, n: number, rng: Rng, dtype: DType, temperature = 1): Array {
    checkTemperature(temperature);
    const eps = rng.normals(n * sizeOf(this.eventShape)).map((v) => v * temperature);
    return fromHost(eps, [n, ...this.eventShape], dtype);
  }
}

export type DiagonalNormalParams = { loc: Array; logScale: Array };

/** N(loc, diag(exp(2·logScale))) with learnable loc and log-scale (both shaped like the event), initialized to N(0, I). */
export class DiagonalNormal implements BaseDistribution<DiagonalNormalParams> {
  readonly name = "diagonal-normal";
  constructor(readonly eventShape: number[]) {}
  init(_rng: Rng, dtype: DType): DiagonalNormalParams {
    return { loc: np.zeros(this.eventShape, { dtype }), logScale: np.zeros(this.eventShape, { dtype }) };
  }
  logProb(p: DiagonalNormalParams, z: Array): Array {
    checkEvent(z, this.eventShape, "DiagonalNormal.logProb");
    const d = sizeOf(this.eventShape);
    const u = z.sub(p.loc.ref).mul(exp(p.logScale.ref.neg()));
    const quad = mulScalar(sumEvent(u.ref.mul(u)), -0.5);
    return quad.sub(p.logScale.ref.sum()).sub(np.full([], 0.5 * d * LOG_2PI, { dtype: quad.dtype }));
  }
  sample(p: DiagonalNormalParams, n: number, rng: Rng, dtype: DType, temperature = 1): Array {
    checkTemperature(temperature);
    const eps = fromHost(rng.normals(n * sizeOf(this.eventShape)), [n, ...this.eventShape], dtype);
    return mulScalar(eps.mul(exp(p.logScale.ref.astype(dtype))), temperature).add(p.loc.ref.astype(dtype));
  }
}
