/**
 * Time embeddings for velocity networks (t = 0 is noise, t = 1 is data). Parameter-free so that a network is
 * just its weight matrices. In float64 the sines and cosines are float64-accurate (engine `sinCos`; jax-js's own
 * kernels are float32-accurate), so a float64 model matches a float64 copy of itself elsewhere to rounding.
 */
import { np, sinCos, type Array } from "../engine/index.js";

export type TimeEmbeddingKind = "none" | "sinusoidal";
export interface TimeEmbeddingConfig {
  kind: TimeEmbeddingKind;
  /** Output width for "sinusoidal" (even); "none" feeds t itself (width 1). */
  size?: number;
  /** Highest frequency (cycles per unit time) for "sinusoidal"; frequencies are geometric from 1/2 up to it. */
  maxFrequency?: number;
}

export function timeEmbeddingWidth(c: TimeEmbeddingConfig): number {
  return c.kind === "none" ? 1 : (c.size ?? 16);
}

/**
 * Embeds times t (shape [B, 1], consumed) as [B, width]: "none" → t; "sinusoidal" → [t, sin(2πf_k t), cos(2πf_k t)]
 * truncated to `size` columns. Keeping t itself as a column lets the net stay linear in time where it wants to.
 */
export function embedTime(t: Array, c: TimeEmbeddingConfig): Array {
  if (c.kind === "none") return t;
  const size = c.size ?? 16;
  const half = Math.floor((size - 1) / 2);
  const fmax = c.maxFrequency ?? 16;
  const freqs = globalThis.Array.from({ length: half }, (_, k) => 0.5 * (fmax / 0.5) ** (half > 1 ? k / (half - 1) : 0));
  const f = np.array(freqs.map((v) => 2 * Math.PI * v), { dtype: t.dtype }).reshape([1, half]);
  const arg = t.ref.mul(f);
  const parts = [t, ...sinCos(arg)];
  let out = np.concatenate(parts, 1);
  if (1 + 2 * half < size) out = np.concatenate([out, np.zeros([out.shape[0], size - 1 - 2 * half], { dtype: out.dtype })], 1);
  return out;
}
