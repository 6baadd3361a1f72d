/**
 * Binary masks for coupling layers, flattened row-major over the event shape: 1 marks a coordinate that is kept
 * (passed through unchanged and fed to the conditioner), 0 one that is transformed. Alternate `parity` between
 * successive couplings so every coordinate gets transformed.
 */
import { OptionError } from "../errors.js";

/** A 0/1 mask over the flattened event (length = product of the event shape). */
export type Mask = readonly number[];

function checkPositive(name: string, ...ns: number[]): void {
  for (const n of ns)
    if (!Number.isInteger(n) || n < 1) throw new OptionError(`${name}: expected positive integer sizes, got ${ns}`);
}

/** First ⌈D/2⌉ coordinates kept (parity 0) or the last ⌊D/2⌋ kept (parity 1): the NICE/RealNVP half split. */
export function halfMask(dim: number, parity: 0 | 1 = 0): Mask {
  checkPositive("halfMask", dim);
  const h = Math.ceil(dim / 2);
  return globalThis.Array.from({ length: dim }, (_, i) => (i < h ? 1 - parity : parity));
}

/** Even coordinates kept (parity 0) or odd ones (parity 1). */
export function alternatingMask(dim: number, parity: 0 | 1 = 0): Mask {
  checkPositive("alternatingMask", dim);
  return globalThis.Array.from({ length: dim }, (_, i) => ((i + parity) % 2 === 0 ? 1 : 0));
}

/** RealNVP's spatial checkerboard for an [H, W, C] image: pixel (i, j) kept iff (i + j + parity) is even, all channels alike. */
export function checkerboardMask(h: number, w: number, c: number, parity: 0 | 1 = 0): Mask {
  checkPositive("checkerboardMask", h, w, c);
  const m: number[] = [];
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) for (let k = 0; k < c; k++) m.push((i + j + parity) % 2 === 0 ? 1 : 0);
  return m;
}

/** RealNVP's channel-wise mask for an [H, W, C] image: the first ⌈C/2⌉ channels kept (parity 0) or the rest (1). */
export function channelMask(h: number, w: number, c: number, parity: 0 | 1 = 0): Mask {
  checkPositive("channelMask", h, w, c);
  if (c < 2) throw new OptionError(`channelMask: expected at least 2 channels, got ${c}`);
  const half = halfMask(c, parity);
  const m: number[] = [];
  for (let p = 0; p < h * w; p++) m.push(...half);
  return m;
}
