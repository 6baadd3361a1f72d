/**
 * The U-Net's layers on NHWC images [B, H, W, C]: 3×3 convolutions, GroupNorm, nearest-neighbour up- and
 * average-pool down-sampling, and single-head self-attention. All apply functions consume their input and borrow
 * their parameters (jax-js's rule for traced building blocks).
 *
 * Why im2col and NHWC: jax-js's `lax.conv` (NCHW) runs about 25× slower than a matmul on the same FLOPs in wasm
 * (an 8×8, 32→32-channel 3×3 convolution on a batch of 128: 1.46 s per gradient against 58 ms as nine shifted
 * slices concatenated along channels and one matmul). With channels last, that concatenation is along the last axis
 * and every 1×1 projection is a plain matmul.
 */
import { np, lax, exp, silu, Rng, fromHost, type Array, type DType } from "../engine/index.js";

export type Conv = { w: Array; b: Array };
export type Norm = { g: Array; b: Array };
export type Attention = { norm: Norm; qkv: Conv; out: Conv };

/** PyTorch's default init, U(±1/√fan_in), drawn on the host (the same seed gives the same net on every backend). */
function uniform(rng: Rng, n: number, fanIn: number, scale = 1): Float64Array {
  const bound = scale / Math.sqrt(fanIn);
  return Float64Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
}

/** A k×k convolution (k = 1 or 3) from cin to cout channels; weights [k·k·cin, cout] in (dy, dx, cin) order. */
export function initConv(rng: Rng, cin: number, cout: number, k: 1 | 3, dtype: DType, scale = 1): Conv {
  const fanIn = k * k * cin;
  return { w: fromHost(uniform(rng, fanIn * cout, fanIn, scale), [fanIn, cout], dtype), b: fromHost(uniform(rng, cout, fanIn, scale), [cout], dtype) };
}

/** A dense layer [cin] → [cout] (the time/class embedding MLP and each block's embedding projection). */
export const initDense = (rng: Rng, cin: number, cout: number, dtype: DType): Conv => initConv(rng, cin, cout, 1, dtype);

export function initNorm(c: number, dtype: DType): Norm {
  return { g: np.ones([c], { dtype }), b: np.zeros([c], { dtype }) };
}

/** h [N, cin] @ w + b. */
export function dense(p: Conv, h: Array): Array {
  return np.matmul(h, p.w.ref).add(p.b.ref);
}

/** 3×3 convolution, zero padding ("SAME"), stride 1: im2col (nine shifted views side by side) and one matmul. */
export function conv3x3(p: Conv, x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const padded = np.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const cols: Array[] = [];
  for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) cols.push(padded.ref.slice([], [dy, dy + H], [dx, dx + W], []));
  padded.dispose();
  const out = dense(p, np.concatenate(cols, 3).reshape([B * H * W, 9 * C]));
  return out.reshape([B, H, W, out.shape[1]!]);
}

/** 1×1 convolution (a per-pixel dense layer). */
export function conv1x1(p: Conv, x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const out = dense(p, x.reshape([B * H * W, C]));
  return out.reshape([B, H, W, out.shape[1]!]);
}

/** The largest group count ≤ 8 that divides c (GroupNorm of Wu & He 2018; 8 groups for the usual widths). */
export function normGroups(c: number): number {
  for (let g = Math.min(8, c); g > 1; g--) if (c % g === 0) return g;
  return 1;
}

/**
 * GroupNorm with ε = 1e-5: each group's mean and variance over (H, W, channels of the group). The variance is the
 * mean of squared deviations (not E[x²] − E[x]²), so inputs of size 100 or 1e4 lose nothing to cancellation.
 */
export function groupNorm(p: Norm, x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const G = normGroups(C);
  const xr = x.reshape([B, H * W, G, C / G]);
  const mu = xr.ref.mean([1, 3], { keepdims: true });
  const d = xr.sub(mu);
  const v = d.ref.mul(d.ref).mean([1, 3], { keepdims: true });
  const y = d.mul(np.reciprocal(np.sqrt(v.add(1e-5)))).reshape([B, H, W, C]);
  return y.mul(p.g.ref).add(p.b.ref);
}

/** GroupNorm then SiLU, the pre-activation of every convolution in a residual block. */
export const normAct = (p: Norm, x: Array): Array => silu(groupNorm(p, x));

/** 2×2 average pooling (H and W even). */
export function downsample(x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  return x.reshape([B, H / 2, 2, W / 2, 2, C]).mean([2, 4]);
}

/** Nearest-neighbour 2× upsampling. */
export function upsample(x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  return np.broadcastTo(x.reshape([B, H, 1, W, 1, C]), [B, H, 2, W, 2, C]).reshape([B, 2 * H, 2 * W, C]);
}

export function initAttention(rng: Rng, c: number, dtype: DType): Attention {
  return { norm: initNorm(c, dtype), qkv: initDense(rng, c, 3 * c, dtype), out: initDense(rng, c, c, dtype) };
}

/**
 * Single-head self-attention over the H·W positions with a residual connection: x + W_o softmax(q kᵀ/√C) v. The
 * softmax subtracts its stop-gradient row maximum, so large logits neither overflow nor give NaN gradients.
 */
export function attention(p: Attention, x: Array): Array {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const N = H * W;
  const qkv = dense(p.qkv, groupNorm(p.norm, x.ref).reshape([B * N, C])).reshape([B, N, 3 * C]);
  const q = qkv.ref.slice([], [], [0, C]);
  const k = qkv.ref.slice([], [], [C, 2 * C]);
  const v = qkv.slice([], [], [2 * C, 3 * C]);
  const logits = np.matmul(q, np.transpose(k, [0, 2, 1])).mul(1 / Math.sqrt(C));
  const m = lax.stopGradient(logits.ref.max(2, { keepdims: true }));
  const e = exp(logits.sub(m));
  const att = e.ref.div(e.sum(2, { keepdims: true }));
  const o = dense(p.out, np.matmul(att, v).reshape([B * N, C]));
  return x.add(o.reshape([B, H, W, C]));
}
