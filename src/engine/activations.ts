/**
 * Numerically stable activations. jax-js's own `nn.sigmoid`/`nn.silu` have NaN gradients for x ≤ −90 and
 * `nn.softplus` overflows to Infinity for x ≥ 90. Each form below only ever exponentiates −|x| ≤ 0, so neither
 * branch of a `where` can overflow — a NaN in the unused branch would otherwise leak into the gradient (0·NaN).
 * All functions consume their argument.
 */
import { np, lax, type Array } from "./jax.js";
import { exp, log, log1p, tanh } from "./math.js";

/** σ(x) = 1 / (1 + e^(−x)), finite value and gradient for any finite x. */
export function sigmoid(x: Array): Array {
  const e = exp(np.abs(x.ref).neg()); // in (0, 1]
  const denom = e.ref.add(1);
  return np.where(x.greaterEqual(0), np.reciprocal(denom.ref), e.div(denom));
}

/** log(1 + e^x) = max(x, 0) + log1p(e^(−|x|)). */
export function softplus(x: Array): Array {
  return np.maximum(x.ref, 0).add(log1p(exp(np.abs(x).neg())));
}


/** log σ(x) = −softplus(−x). */
export function logSigmoid(x: Array): Array {
  return softplus(x.neg()).neg();
}

/** SiLU / swish: x·σ(x). */
export function silu(x: Array): Array {
  return x.ref.mul(sigmoid(x));
}

/**
 * log Σ exp(x) along `axis` (all axes if omitted), shifted by the stop-gradient max so that large inputs neither
 * overflow nor underflow; the gradient is softmax(x). `keepdims` as in NumPy.
 */
export function logsumexp(x: Array, axis?: number, keepdims = false): Array {
  const m = lax.stopGradient(x.ref.max(axis, { keepdims: true }));
  // All −∞ along the axis would give −∞ − (−∞) = NaN; shift by 0 there instead.
  const shift = np.where(np.isfinite(m.ref), m, 0);
  const s = log(exp(x.sub(shift.ref)).sum(axis, { keepdims: true })).add(shift);
  return keepdims ? s : axis === undefined ? s.reshape([]) : np.squeeze(s, axis);
}

export const activations = {
  silu,
  tanh: (x: Array) => tanh(x),
  relu: (x: Array) => np.maximum(x, 0),
  softplus,
  sigmoid,
  gelu: (x: Array) => x.ref.mul(sigmoid(x.mul(1.702))), // sigmoid approximation: finite everywhere
  // Swish-β, x·σ(βx): SiLU is β = 1, this gelu β = 1.702, ReLU the limit β → ∞. A larger β bends sharper (tight
  // modes need sharp velocity fields) while the divergence stays smooth (adaptive exact likelihoods stay cheap).
  swish4: (x: Array) => x.ref.mul(sigmoid(x.mul(4))),
} as const;
export type ActivationName = keyof typeof activations;
