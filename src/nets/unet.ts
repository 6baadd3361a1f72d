/**
 * The image velocity network (registry kind "unet"): a U-Net on NHWC images in the style of DDPM (Ho et al. 2020)
 * — residual blocks of GroupNorm, SiLU and 3×3 convolutions, the time embedding (plus the class embedding, when
 * the model is conditional) added to every block, average-pool down- and nearest up-sampling with skip connections,
 * and optional self-attention at the lowest resolution. Data stays [B, H·W·C] rows everywhere else in the library
 * (standardizers, solvers, checkpoints); the net reshapes to its `image` [H, W, C] and back.
 *
 * ```ts
 * const net = getNet(defaultUnetConfig([8, 8, 1]));
 * const params = net.init(0);
 * const v = net.apply(params, x, t); // x [B, 64], t scalar or [B]
 * ```
 */
import { np, silu, Rng, type Array, type DType } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { embedTime, timeEmbeddingWidth, type TimeEmbeddingConfig } from "./time-embedding.js";
import { registerBuiltinNet, broadcastTime, type VelocityNet } from "./registry.js";
import { resBlock, initResBlock, type ResBlock } from "./unet-block.js";
import { initConv, initDense, initNorm, initAttention, conv3x3, dense, normAct, downsample, upsample, attention, type Conv, type Norm, type Attention } from "./unet-layers.js";

export type UnetConfig = {
  kind: "unet";
  /** H·W·C: x and the output are [B, dim] rows, reshaped to `image` inside. */
  dim: number;
  /** Event shape [H, W, C]; H and W divisible by 2^(levels − 1). */
  image: [number, number, number];
  /** Channels at the top level; level l has width·mults[l]. */
  width: number;
  /** Channel multipliers, one per resolution level (their count is the depth). */
  mults: number[];
  /** Residual blocks per level on each side. */
  blocks: number;
  /** Self-attention in the middle, at the lowest resolution. */
  attention: boolean;
  time: TimeEmbeddingConfig;
  /** Width of the (already embedded) condition input added to the time embedding; 0 or absent: none. */
  condWidth?: number;
};

export type UnetParams = {
  embed: Conv[];
  inConv: Conv;
  down: ResBlock[][];
  mid: { a: ResBlock; attn?: Attention; b: ResBlock };
  up: { up?: Conv; blocks: ResBlock[] }[];
  outNorm: Norm;
  outConv: Conv;
};

/**
 * Defaults by image size, picked for a 2-core CPU (wasm): 8×8 digits get width 32 over two levels (8×8, 4×4) with
 * attention on the 16 positions of the 4×4 level; up to 16×16 three levels; larger images (28×28, 32×32) three
 * levels of width 32, 64, 64 with attention at 7×7 or 8×8. Each level halves H and W, so odd sizes get fewer levels.
 */
export function defaultUnetConfig(image: [number, number, number], o: { width?: number; levels?: number } = {}): UnetConfig {
  const [H, W, C] = image;
  const wanted = o.levels ?? (H * W <= 64 ? 2 : 3);
  let levels = 1;
  while (levels < wanted && H % 2 ** levels === 0 && W % 2 ** levels === 0) levels++;
  const mults = [1, 2, 2, 2, 2].slice(0, levels);
  return { kind: "unet", dim: H * W * C, image, width: o.width ?? 32, mults, blocks: 1, attention: true, time: { kind: "sinusoidal", size: 32 } };
}

/** The config's consistency: image ↔ dim, divisibility by the levels, positive sizes. One-line OptionErrors. */
export function checkUnetConfig(c: UnetConfig): void {
  const img = c.image;
  if (!globalThis.Array.isArray(img) || img.length !== 3 || !img.every((s) => Number.isInteger(s) && s >= 1))
    throw new OptionError(`unet: image must be [H, W, C] of positive integers, got ${JSON.stringify(img)}`);
  const [H, W, C] = img;
  if (H * W * C !== c.dim) throw new OptionError(`unet: image ${H}×${W}×${C} has ${H * W * C} values but the data has dimension ${c.dim}`);
  if (!(Number.isInteger(c.width) && c.width >= 1)) throw new OptionError(`unet: width must be a positive integer, got ${String(c.width)}`);
  if (!globalThis.Array.isArray(c.mults) || c.mults.length < 1 || !c.mults.every((m) => Number.isInteger(m) && m >= 1))
    throw new OptionError(`unet: mults must be positive integers, one per level, got ${JSON.stringify(c.mults)}`);
  const f = 2 ** (c.mults.length - 1);
  if (H % f !== 0 || W % f !== 0) throw new OptionError(`unet: ${c.mults.length} levels halve the image ${c.mults.length - 1} times, so H and W must be divisible by ${f} (image ${H}×${W})`);
  if (!(Number.isInteger(c.blocks) && c.blocks >= 1)) throw new OptionError(`unet: blocks must be a positive integer, got ${String(c.blocks)}`);
}

/** Width of the embedding every block receives. */
const embWidth = (c: UnetConfig) => 4 * c.width;

export function initUnet(c: UnetConfig, seed: number, dtype: DType = np.float32): UnetParams {
  checkUnetConfig(c);
  const rng = new Rng(seed);
  const E = embWidth(c);
  const chans = c.mults.map((m) => m * c.width);
  const embed = [initDense(rng, timeEmbeddingWidth(c.time) + (c.condWidth ?? 0), E, dtype), initDense(rng, E, E, dtype)];
  const inConv = initConv(rng, c.image[2], c.width, 3, dtype);
  let ch = c.width;
  const down: ResBlock[][] = chans.map((co) => globalThis.Array.from({ length: c.blocks }, () => {
    const b = initResBlock(rng, ch, co, E, dtype);
    ch = co;
    return b;
  }));
  const mid = { a: initResBlock(rng, ch, ch, E, dtype), ...(c.attention ? { attn: initAttention(rng, ch, dtype) } : {}), b: initResBlock(rng, ch, ch, E, dtype) };
  const up = [...chans.keys()].reverse().map((l) => {
    const co = chans[l]!;
    const upConv = l < chans.length - 1 ? initConv(rng, ch, ch, 3, dtype) : undefined;
    // Above the lowest level the first block also takes the skip from the way down (concatenated channels).
    const skip = upConv ? co : 0;
    const blocks = globalThis.Array.from({ length: c.blocks }, (_, i) => initResBlock(rng, i === 0 ? ch + skip : co, co, E, dtype));
    ch = co;
    return { ...(upConv ? { up: upConv } : {}), blocks };
  });
  return { embed, inConv, down, mid, up, outNorm: initNorm(ch, dtype), outConv: initConv(rng, ch, c.image[2], 3, dtype) };
}

/**
 * v(x, t[, cond]): x [B, dim] rows, t a scalar or [B], cond [B, condWidth] (the embedded class or context).
 * Consumes x, t and cond; borrows params.
 */
export function unetApply(c: UnetConfig, p: UnetParams, x: Array, t: Array, cond?: Array): Array {
  const [H, W, C] = c.image;
  const B = x.shape[0]!;
  let e = embedTime(broadcastTime(t, x), c.time);
  if ((c.condWidth ?? 0) > 0) {
    if (!cond) throw new Error("unetApply: this network needs a conditioning input");
    e = np.concatenate([e, cond], 1);
  } else if (cond) throw new Error("unetApply: this network has no conditioning input (condWidth 0) but was given one");
  const emb = dense(p.embed[1]!, silu(dense(p.embed[0]!, e)));
  let h = conv3x3(p.inConv, x.reshape([B, H, W, C]));
  const skips: Array[] = [];
  p.down.forEach((blocks, l) => {
    for (const b of blocks) h = resBlock(b, h, emb.ref);
    if (l < p.down.length - 1) {
      skips.push(h.ref);
      h = downsample(h);
    }
  });
  h = resBlock(p.mid.a, h, emb.ref);
  if (p.mid.attn) h = attention(p.mid.attn, h);
  h = resBlock(p.mid.b, h, emb.ref);
  for (const level of p.up) {
    if (level.up) {
      h = conv3x3(level.up, upsample(h));
      h = np.concatenate([h, skips.pop()!], 3);
    }
    for (const b of level.blocks) h = resBlock(b, h, emb.ref);
  }
  emb.dispose();
  return conv3x3(p.outConv, normAct(p.outNorm, h)).reshape([B, H * W * C]);
}

/** The U-Net as a `VelocityNet` (what `getNet({ kind: "unet", … })` returns). */
export function unetNet(config: UnetConfig): VelocityNet<UnetParams, UnetConfig> {
  checkUnetConfig(config);
  return { kind: "unet", config, init: (seed, dtype) => initUnet(config, seed, dtype), apply: (params, x, t, cond) => unetApply(config, params, x, t, cond) };
}
registerBuiltinNet("unet", unetNet);

/** Multiply–adds ×2 of one forward pass per image (convolutions and attention matmuls; norms and adds left out). */
export function unetForwardFlops(c: UnetConfig): number {
  const [H, W, C] = c.image;
  const chans = c.mults.map((m) => m * c.width);
  const conv = (hw: number, ci: number, co: number, k = 9) => 2 * hw * k * ci * co;
  const block = (hw: number, ci: number, co: number) => conv(hw, ci, co) + conv(hw, co, co) + (ci !== co ? conv(hw, ci, co, 1) : 0);
  let f = conv(H * W, C, c.width) + conv(H * W, c.width, C);
  let ch = c.width;
  chans.forEach((co, l) => {
    const hw = (H * W) / 4 ** l;
    for (let i = 0; i < c.blocks; i++) (f += block(hw, ch, co)), (ch = co);
  });
  const low = (H * W) / 4 ** (chans.length - 1);
  f += 2 * block(low, ch, ch) + (c.attention ? 2 * low * 4 * ch * ch + 4 * low * low * ch : 0);
  for (let l = chans.length - 1; l >= 0; l--) {
    const hw = (H * W) / 4 ** l, co = chans[l]!;
    if (l < chans.length - 1) f += conv(hw, ch, ch);
    for (let i = 0; i < c.blocks; i++) (f += block(hw, i === 0 && l < chans.length - 1 ? ch + co : ch, co)), (ch = co);
  }
  return f;
}
