/**
 * Bits per dimension: bpd = −(log p(x) + D·log Δ) / (D · ln 2).
 *
 * Offset convention: for continuous data, Δ = 1 (no offset): bpd is just the negative log-density per dimension in
 * bits. For quantized data that was uniformly dequantized — integer levels k ∈ {0, …, L−1} turned into
 * y = (k + u)·range/L with u ~ U[0, 1) — each value stands for a bin of width Δ = range/L, and the model's
 * probability of the discrete value is about p(y)·Δ^D. Pass `{ dequantization: { levels: L, range } }` (range
 * defaults to 1, i.e. data scaled to [0, 1)) to report bits per dimension of the discrete data, the number quoted
 * for images (e.g. 8-bit images scaled to [0, 1): levels 256, range 1 → adds log₂ 256 = 8 bits per dim).
 */
import { OptionError } from "../errors.js";

export interface BitsPerDimOptions {
  dequantization?: { levels: number; range?: number };
}

/** Per-point bits/dim for log-densities `logp` (nats) of `dims`-dimensional points. */
export function bitsPerDim(logp: Float64Array | number[], dims: number, o: BitsPerDimOptions = {}): Float64Array {
  if (!Number.isInteger(dims) || dims < 1) throw new OptionError(`dims must be a positive integer, got ${dims}`);
  let logDelta = 0;
  if (o.dequantization) {
    const { levels, range = 1 } = o.dequantization;
    if (!(levels >= 1) || !(range > 0)) throw new OptionError(`dequantization needs levels ≥ 1 and range > 0, got ${levels}, ${range}`);
    logDelta = Math.log(range / levels);
  }
  return Float64Array.from(logp, (lp) => -(lp + dims * logDelta) / (dims * Math.LN2));
}

/** Mean bits/dim over the points. */
export function meanBitsPerDim(logp: Float64Array | number[], dims: number, o: BitsPerDimOptions = {}): number {
  const b = bitsPerDim(logp, dims, o);
  return b.reduce((s, v) => s + v, 0) / b.length;
}
