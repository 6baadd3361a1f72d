/**
 * The U-Net's residual block: h + conv(SiLU(GN(conv(SiLU(GN(h)))) · (1 + s) + b)) with (s, b) = proj(emb), and a
 * 1×1 convolution on the shortcut where the width changes. The embedding (time, plus class when conditional) enters
 * every block as a per-channel scale and shift after the second norm (improved DDPM's scale-shift norm): a plain
 * shift added before a GroupNorm is partly removed by it (entirely when a group is one channel). The second
 * convolution starts at a tenth of the default scale, so a fresh block is close to its shortcut.
 */
import { silu, Rng, type Array, type DType } from "../engine/index.js";
import { initConv, initDense, initNorm, conv3x3, conv1x1, dense, normAct, groupNorm, type Conv, type Norm } from "./unet-layers.js";

export type ResBlock = { n1: Norm; c1: Conv; emb: Conv; n2: Norm; c2: Conv; skip?: Conv };

export function initResBlock(rng: Rng, cin: number, cout: number, embWidth: number, dtype: DType): ResBlock {
  return {
    n1: initNorm(cin, dtype),
    c1: initConv(rng, cin, cout, 3, dtype),
    emb: initDense(rng, embWidth, 2 * cout, dtype),
    n2: initNorm(cout, dtype),
    c2: initConv(rng, cout, cout, 3, dtype, 0.1),
    ...(cin !== cout ? { skip: initConv(rng, cin, cout, 1, dtype) } : {}),
  };
}

/** One block on h [B, H, W, cin] with emb [B, E] (both consumed); returns [B, H, W, cout]. Params borrowed. */
export function resBlock(p: ResBlock, h: Array, emb: Array): Array {
  const [B] = h.shape as [number];
  const y = conv3x3(p.c1, normAct(p.n1, h.ref));
  const C = y.shape[3]!;
  const ss = dense(p.emb, silu(emb)).reshape([B, 1, 1, 2 * C]);
  const scale = ss.ref.slice([], [], [], [0, C]).add(1);
  const shift = ss.slice([], [], [], [C, 2 * C]);
  const z = conv3x3(p.c2, silu(groupNorm(p.n2, y).mul(scale).add(shift)));
  return (p.skip ? conv1x1(p.skip, h) : h).add(z);
}
