/**
 * What every log-likelihood backend starts from (likelihood/logprob.ts on jax-js, onnx/logprob*.ts on ONNX Runtime):
 * the rows in model units, the standardizer's log|det| that turns model-unit densities into data-unit ones, the
 * probe stream (seeded as `LogProbOptions.seed`), and the output buffers. Kept in one place so the backends stay
 * the same computation. Internal: not re-exported by likelihood/index.ts.
 */
import { Rng } from "../engine/index.js";
import { standardize, standardizerLogDet, type Standardizer } from "../data/normalize.js";

export interface LogProbInputs {
  /** Rows. */
  n: number;
  std: Standardizer | undefined;
  /** x in model units (x itself when there is no standardizer). */
  xs: Float64Array;
  /** log|det| of the standardizer, added to every model-unit log-density. */
  logJac: number;
  rng: Rng;
  logp: Float64Array;
  z: Float64Array;
}

/** The inputs of a log-likelihood of x (row-major [n, D], data units; D divides x.length, checked by the caller). */
export function logProbInputs(model: { dim: number; config: { standardizer?: Standardizer } }, x: Float64Array, seed = 0): LogProbInputs {
  const D = model.dim;
  const n = x.length / D;
  const std = model.config.standardizer;
  return {
    n, std,
    xs: std ? standardize(x, std) : x,
    logJac: std ? standardizerLogDet(std) : 0,
    rng: new Rng(seed),
    logp: new Float64Array(n),
    z: new Float64Array(n * D),
  };
}
