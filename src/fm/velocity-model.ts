/**
 * A trained (or freshly initialized) flow-matching model: a velocity network v(x, t) (any registered kind, see
 * nets/registry.ts) with its configuration, the probability path it was trained on and the data normalization.
 * t = 0 is noise, t = 1 is data.
 */
import { np, jit, Rng, treeRef, treeDispose, treeLeaves, type Array, type Tree } from "../engine/index.js";
import { getNet, type NetConfig } from "../nets/registry.js";
import "../nets/mlp.js";
import "../onnx/import/net.js";
import "../nets/unet.js";
import type { Standardizer, StandardizeMode } from "../data/normalize.js";
import { getScheduler } from "../paths/scheduler.js";
import "../paths/index.js";
import { convertPrediction, type PredictionKind } from "../paths/convert.js";
import { embedCondition, initCondParams, type CondConfig } from "./conditioning.js";
import { sample as solveSample, type SampleOptions } from "./sample.js";
import { logProb as cnfLogProb, type LogProbOptions } from "../likelihood/logprob.js";
import type { DensityModel } from "../model/density-model.js";
import { OptionError } from "../errors.js";

/**
 * Up to this dimension `VelocityModel.logProb` uses the exact divergence (D Jacobian-vector products per step);
 * above it, a Hutchinson estimate (one probe), which is unbiased but noisy.
 */
export const EXACT_DIVERGENCE_MAX_DIM = 32;

/**
 * Model parameters: the network's own pytree under `net` plus, for class conditioning, the label embedding table.
 * Checkpoints name their tensors after this tree (`params.net.layers.0.w`, `params.embed`, …).
 */
export type ModelParams<P extends Tree = Tree> = { net: P; embed?: Array };

/**
 * Times are kept this far from the ends when an x1- or ε-prediction is turned into a velocity: the conversion
 * divides by σ_t (0 at t = 1) or α_t (0 at t = 0).
 */
export const PREDICTION_T_EPS = 1e-3;

export interface ModelConfig {
  kind: "flow-matching";
  /** The velocity network by registry kind, e.g. `{ kind: "mlp", dim: 2, hidden: [256, 256], … }`. */
  net: NetConfig;
  /** Scheduler name of the affine path (e.g. "condot"). */
  path: string;
  /** Data → model units; undefined when the data is used as is. */
  standardizer?: Standardizer;
  /** How `standardizer` was fitted (the CLI's --standardize; absent: "column", or a toy used as drawn). */
  standardize?: StandardizeMode;
  /** The CLI's --data-scale: model units are this many times the `standardize` units (absent: 1). */
  dataScale?: number;
  /** What the model was trained on (toy name or file path), for messages and plots. */
  data?: string;
  /** Fraction of the CSV rows held out from training for a test NLL (the CLI's --test-fraction; 0 or absent: none). */
  testFraction?: number;
  /** What the network outputs: "velocity" (default), "x1" (data) or "eps" (noise); sampling converts to velocity. */
  prediction?: PredictionKind;
  /** Class-label or context conditioning (with ∅ for classifier-free guidance). */
  cond?: CondConfig;
}

/** The raw network output of a model config (velocity, x1 or ε). Consumes x, t and cond; params are borrowed. */
export function networkApply(config: ModelConfig, params: ModelParams, x: Array, t: Array, cond?: Array): Array {
  const c = config.cond;
  const h = c && cond ? embedCondition(c, params.embed, cond) : cond;
  return getNet(config.net).apply(params.net, x, t, h);
}

/**
 * A velocity-field model (flow matching / CNF): the network, its parameters (owned) and its config. As a
 * `DensityModel`, `logProb` integrates the augmented ODE (dopri5; exact divergence up to D = 32) and `sample` solves
 * the ODE from noise. Dispose it when done, or hold it with
 * `using` (it is `Disposable`). Its parameters are read-only from outside; `setParams` swaps them and frees the old.
 *
 * Ownership: `velocity` borrows its arrays and returns an owned one. `apply`, `network` and the field returned by
 * `odeFunc` are traceable building blocks for jit/grad and the solvers: they follow jax-js's consume rule.
 *
 * @example
 * ```ts
 * using model = VelocityModel.init({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, 0);
 * const { samples } = sample(model, 100, { method: "rk4", steps: 20 });
 * const { logp } = logProb(model, samples);
 * const xs = model.sample(100, { seed: 1 }); // the DensityModel face: data units in, data units out
 * const lp = model.logProb(xs);
 * ```
 */
export class VelocityModel implements DensityModel {
  private applyJit?: (p: ModelParams, x: Array, t: Array, c: Array[]) => Array;
  private _params: ModelParams;
  private disposed = false;

  /** Takes ownership of `params`. */
  constructor(
    readonly config: ModelConfig,
    params: ModelParams,
  ) {
    this._params = params;
  }

  static init(config: ModelConfig, seed: number, dtype = np.float32): VelocityModel {
    const p: ModelParams = { net: getNet(config.net).init(seed, dtype) };
    if (config.cond) Object.assign(p, initCondParams(config.cond, new Rng((seed ^ 0x2545f491) >>> 0), dtype));
    return new VelocityModel(config, p);
  }

  /** The parameter tree, owned by the model: borrow it (`treeRef`/`treeCopy` to keep a copy past `setParams`/`dispose`). */
  get params(): ModelParams {
    return this._params;
  }

  /** Replaces the parameters (taken over; same structure) and frees the old tree and the compiled passes. */
  setParams(params: ModelParams): void {
    if (params === this._params) return;
    treeDispose(this._params);
    this._params = params;
    this.clearJit();
  }

  get dim(): number {
    return this.config.net.dim;
  }
  get dtype() {
    return treeLeaves(this._params)[0]!.dtype;
  }

  /** The raw network output (velocity, x1 or ε as configured). Consumes x, t and the condition input (building block). */
  network(params: ModelParams, x: Array, t: Array, cond?: Array): Array {
    return networkApply(this.config, params, x, t, cond);
  }

  /**
   * The pure velocity field v = apply(params, x, t[, cond]) (consumes x, t and cond, not params), for jit/grad and
   * the likelihood code; t = 0 is noise, t = 1 is data. x1/ε predictions are converted to a velocity here.
   */
  apply(params: ModelParams, x: Array, t: Array, cond?: Array): Array {
    const kind = this.config.prediction ?? "velocity";
    if (kind === "velocity") return this.network(params, x, t, cond);
    const tc = np.clip(t, PREDICTION_T_EPS, 1 - PREDICTION_T_EPS);
    const out = this.network(params, x.ref, tc.ref, cond);
    return convertPrediction(getScheduler(this.config.path), kind, "velocity", x, out, tc);
  }

  /**
   * v(x, t) (x [B, D], t scalar or [B]; t = 0 is noise, t = 1 is data). Borrows x, t and the condition arrays and
   * returns an owned array. With `cond` (a condition input, see conditioning.ts) and guidance w ≠ 0:
   * classifier-free guidance v = (1 + w)·v(x, t, c) − w·v(x, t, ∅), with `nullCond` the ∅ input. Compiled once per
   * batch shape.
   */
  velocity(x: Array, t: Array, cond?: { cond: Array; nullCond?: Array; guidance?: number }): Array {
    return this.velocityOwned(x.ref, t.ref, cond ? { cond: cond.cond.ref, nullCond: cond.nullCond?.ref, guidance: cond.guidance } : undefined);
  }

  /** `velocity` on arrays it consumes (x, t and the condition arrays). */
  private velocityOwned(x: Array, t: Array, cond?: { cond: Array; nullCond?: Array; guidance?: number }): Array {
    this.applyJit ??= jit((p: ModelParams, xx: Array, tt: Array, c: Array[]) => {
      if (c.length === 0) return this.apply(p, xx, tt);
      const vc = this.apply(p, xx.ref, tt.ref, c[0]);
      if (c.length === 1) {
        xx.dispose();
        tt.dispose();
        return vc;
      }
      // c = [cond, nullCond, w]: (1 + w)·v_c − w·v_∅.
      const vu = this.apply(p, xx, tt, c[1]);
      const w = c[2]!;
      return vc.mul(w.ref.add(1)).sub(vu.mul(w));
    });
    const extras: Array[] = [];
    if (cond) {
      extras.push(cond.cond);
      if (cond.nullCond) {
        if (cond.guidance === undefined || cond.guidance === 0) cond.nullCond.dispose();
        else extras.push(cond.nullCond, np.full([], cond.guidance, { dtype: this.dtype }));
      }
    }
    return this.applyJit(treeRef(this._params), x, t, extras);
  }

  /**
   * The ODE right-hand side for `odeint`: (t, x) ↦ v(x, t), t a JS number. The returned field follows the solvers'
   * rule (it consumes x, see `OdeFunc`). With a condition (borrowed: the caller disposes it after the solve) and a
   * guidance weight, the guided field.
   */
  odeFunc(cond?: { cond: Array; nullCond?: Array; guidance?: number }): (t: number, x: Array) => Array {
    return (t, x) =>
      this.velocityOwned(
        x, np.full([], t, { dtype: this.dtype }),
        cond ? { cond: cond.cond.ref, nullCond: cond.nullCond?.ref, guidance: cond.guidance } : undefined,
      );
  }

  /**
   * log q(x) in nats, data units, for row-major x [n, D] (borrowed): the likelihood code (likelihood/logprob.ts) with
   * dopri5 at rtol = atol = 1e-5 and the exact divergence for D ≤ 32 (Hutchinson above), unless `o` says otherwise.
   * A conditional model needs each point's condition (`o.cond`: labels or context rows), so that a forgotten one is
   * not silently scored under ∅.
   */
  logProb(x: Float64Array, o: LogProbOptions = {}): Float64Array {
    if (this.config.cond && !o.cond) throw new OptionError("logProb: a conditional flow-matching model needs each point's condition (cond: { labels } or { context })");
    const divergence = o.divergence ?? (this.dim <= EXACT_DIVERGENCE_MAX_DIM ? "exact" : "hutchinson");
    return cnfLogProb(this, x, { ...o, divergence }).logp;
  }

  /**
   * n samples, row-major [n, D], data units: noise carried from t = 0 to t = 1 (default dopri5). Labels, context and
   * guidance for conditional models (see `SampleOptions`); `sample()` in sample.ts also returns the noise and nfe.
   */
  sample(n: number, o: SampleOptions = {}): Float64Array {
    return solveSample(this, n, o).samples;
  }

  private clearJit(): void {
    (this.applyJit as unknown as { dispose?: () => void })?.dispose?.();
    this.applyJit = undefined;
  }

  /** Frees the parameters and the compiled pass. Safe to call twice (e.g. explicitly and through `using`). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose(this._params);
    this.clearJit();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
