/**
 * A trained (or freshly initialized) flow-matching model: the MLP velocity field v(x, t) with its configuration,
 * the probability path it was trained on and the data normalization. t = 0 is noise, t = 1 is data.
 */
import { np, jit, treeRef, treeDispose, type Array } from "../engine/index.js";
import { mlpApply, initMlp, type MlpConfig, type MlpParams } from "../nn/mlp.js";
import type { Standardizer } from "../data/normalize.js";

export interface ModelConfig {
  kind: "flow-matching";
  mlp: MlpConfig;
  /** Scheduler name of the affine path (e.g. "condot"). */
  path: string;
  /** Data → model units; undefined when the data is used as is. */
  standardizer?: Standardizer;
  /** What the model was trained on (toy name or file path), for messages and plots. */
  data?: string;
}

export class VelocityModel {
  private applyJit?: (p: MlpParams, x: Array, t: Array) => Array;

  /** Takes ownership of `params`. */
  constructor(
    readonly config: ModelConfig,
    public params: MlpParams,
  ) {}

  static init(config: ModelConfig, seed: number, dtype = np.float32): VelocityModel {
    return new VelocityModel(config, initMlp(config.mlp, seed, dtype));
  }

  get dim(): number {
    return this.config.mlp.dim;
  }
  get dtype() {
    return this.params.layers[0].w.dtype;
  }

  /** The pure field v = apply(params, x, t) (consumes x and t, not params), for jit/grad and the likelihood code. */
  apply(params: MlpParams, x: Array, t: Array): Array {
    return mlpApply(this.config.mlp, params, x, t);
  }

  /** v(x, t): x [B, D] and t (scalar or [B]; t = 0 is noise, t = 1 is data) are consumed. Compiled once per batch shape. */
  velocity(x: Array, t: Array): Array {
    const cfg = this.config.mlp;
    this.applyJit ??= jit((p: MlpParams, xx: Array, tt: Array) => mlpApply(cfg, p, xx, tt));
    return this.applyJit(treeRef(this.params), x, t);
  }

  /** The ODE right-hand side for `odeint`: (t, x) ↦ v(x, t), t a JS number. */
  odeFunc(): (t: number, x: Array) => Array {
    return (t, x) => this.velocity(x, np.full([], t, { dtype: this.dtype }));
  }

  dispose(): void {
    treeDispose(this.params);
    (this.applyJit as unknown as { dispose?: () => void })?.dispose?.();
  }
}
