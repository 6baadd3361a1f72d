/**
 * Negative log-likelihood of held-out points in nats: the density metric for models with exact log p (normalizing
 * flows, CNFs via the augmented ODE). Reported with its standard error so two models can be compared honestly.
 */
import { meanStderr } from "./stats.js";

/**
 * Mean of −log p over the points and the standard error of that mean. A −Infinity log density (a point the model
 * gives zero density) makes the NLL Infinity, which is the honest answer.
 */
export function nll(logp: Float64Array): { mean: number; stderr: number } {
  const neg = new Float64Array(logp.length);
  for (let i = 0; i < logp.length; i++) neg[i] = -logp[i];
  return meanStderr(neg, "nll");
}
