/**
 * KL(p‖q) from log densities at points drawn from p: the Monte Carlo estimate mean(log p(x) − log q(x)), i.e.
 * NLL_q − H(p) estimated on the same points. Pairing the two terms per point cancels most of the sampling noise,
 * so its standard error is far smaller than that of NLL_q and H(p) estimated separately. Used for toy data whose true
 * log density is known exactly.
 */
import { ShapeError } from "../errors.js";
import { meanStderr } from "./stats.js";

/**
 * `logpTrue[i]` = log p(x_i) and `logqModel[i]` = log q(x_i) for x_i ~ p. Returns the KL estimate in nats and its
 * standard error (std of the per-point differences / √n). The estimate can be slightly negative from noise.
 */
export function klFromLogDensities(logpTrue: Float64Array, logqModel: Float64Array): { kl: number; stderr: number } {
  if (logpTrue.length !== logqModel.length) {
    throw new ShapeError(
      `klFromLogDensities: expected logpTrue and logqModel of equal length, got ${logpTrue.length} and ${logqModel.length}`,
    );
  }
  const d = new Float64Array(logpTrue.length);
  for (let i = 0; i < d.length; i++) d[i] = logpTrue[i] - logqModel[i];
  const { mean, stderr } = meanStderr(d, "klFromLogDensities");
  return { kl: mean, stderr };
}
