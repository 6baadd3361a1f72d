/**
 * The one interface of trained models, both families: a flow-matching / CNF model (`VelocityModel`: log-density by
 * the instantaneous change of variables, samples by an ODE solve) and a discrete normalizing flow (`Flow`: exact
 * log|det J| layer by layer). Code that only needs densities and samples — metrics, evaluation, test-split reports,
 * plots — takes a `DensityModel` and works with either.
 *
 * Plain data in and out: x and samples are row-major Float64Arrays [n, dim] in data units; log-densities are in
 * nats in data units (the stored standardization's log-Jacobian included). Models own their parameters: dispose
 * them, or bind them with `using`.
 *
 * ```ts
 * using model: DensityModel = loadModel(dir, { kind: "any" });
 * const logp = model.logProb(points);            // Float64Array [n]
 * const xs = model.sample(1000, { seed: 1 });    // Float64Array [1000·dim]
 * ```
 */

/** The two model families, as checkpoints' config.json `model.kind` names them. */
export type ModelKind = "flow-matching" | "normalizing-flow";

/** Options both families understand. */
export interface DensityOptions {
  /** Seed of the randomness (sampling noise; Hutchinson probes of a CNF's logProb). Default 0. */
  seed?: number;
  /** Points per chunk: bounds memory. */
  batchSize?: number;
  /** Context vectors of a context-conditional model: n·C values (or C shared by all rows, for flows). */
  context?: Float64Array;
}

export interface DensityModel {
  readonly config: { readonly kind: ModelKind };
  /** Flattened event size D (columns of x). */
  readonly dim: number;
  /** log p(x) per row, nats, data units; x row-major [n, D] (borrowed). */
  logProb(x: Float64Array, opts?: DensityOptions): Float64Array;
  /** n samples, row-major [n, D], data units. */
  sample(n: number, opts?: DensityOptions): Float64Array;
  /** Frees the parameters and compiled passes. */
  dispose(): void;
  [Symbol.dispose](): void;
}
