/**
 * A discrete normalizing flow as a usable model (zuko's `Flow(transform, base)`): any bijector — a `Chain` of
 * layers, or one of the named architectures' builds — plus a base distribution and the parameters
 * `{ flow, base }`. The bijector's `forward` is the density direction x → z, so
 *   log p(x) = log p_base(f(x)) + log|det ∂f/∂x| (model units),
 * and in data units the standardizer's log-Jacobian −Σ log std is added (as the CNF likelihood does).
 *
 * The same trainer (train/flow-trainer.ts), checkpoint code and sampling serve every flow; which passes run
 * jit-compiled follows the bijector's `jit` support (a direction that cannot be jitted runs eagerly, layer by layer).
 *
 * The high-level methods take and return plain Float64Arrays (row-major [n, D], D = the flattened event size; an
 * image is its [H, W, C] values row-major) in data units and own everything they create; they run in chunks of
 * `batchSize` points (a new chunk size compiles once). Context (conditional flows): a Float64Array of n·C values,
 * or C values shared by all points.
 *
 * ```ts
 * const D = 2;
 * const flow = new Flow(
 *   new flows.Chain([new flows.AffineCoupling([D], { hidden: [32], activation: "relu", mask: flows.halfMask(D) }), flows.Permute.reverse([D])]),
 *   new flows.StandardNormal([D]),
 *   { seed: 1 },
 * );
 * const logp = flow.logProb(Float64Array.from([0.5, -1]));
 * const x = flow.sample(100, { seed: 2 });
 * flow.dispose();
 * ```
 */
import { np, jit, Rng, fromHost, toHostF64, treeRef, treeDispose, materialize, type Array, type DType } from "../engine/index.js";
import { standardize, standardizerLogDet, type Standardizer } from "../data/normalize.js";
import { OptionError, ShapeError } from "../errors.js";
import { buildFlow, needsDataInit, resolveFlowConfig, type FlowConfig, type FlowConfigInput } from "./architectures.js";
import type { BaseDistribution } from "./base.js";
import { Chain, hasDataInit } from "./chain.js";
import { flowContextDim, type CustomFlowConfig } from "./flow-config.js";
import type { CondConfig } from "../fm/conditioning.js";
import { sizeOf } from "./shape.js";
import { jitSupport, type Bijector, type Params } from "./types.js";
import type { DensityModel } from "../model/density-model.js";
import { checkFinite, type NumericContext } from "../model/numerics.js";
import { checkSampleChunk, contextRows, sampleInDataUnits } from "./sample-output.js";

export type FlowParams = { flow: Params; base: Params };
/** The config of any flow: a named architecture's, or `arch: "custom"` for one built from bijectors. */
export type FlowModelConfig = FlowConfig | CustomFlowConfig;

export interface FlowSampleOptions {
  /** Base standard-deviation multiplier (Glow's reduced-temperature sampling); default 1. */
  temperature?: number;
  /** Seed of the base noise (default 0). */
  seed?: number;
  /** Context, n·C values or C values shared by all samples. */
  ctx?: Float64Array | number[];
  /** The same as `ctx` (the `DensityModel` name). */
  context?: Float64Array;
  batchSize?: number;
  /**
   * Continue this generator instead of seeding one from `seed` (chunked sampling: successive calls with the same
   * stream draw the noise a single call would, in order). Start it with `flowSampleRng(seed)`.
   */
  rng?: Rng;
}

/** The generator of a flow's base noise for `seed`, as `sample` seeds it. */
export function flowSampleRng(seed = 0): Rng {
  return new Rng((seed ^ 0x68e31da4) >>> 0);
}

export interface FlowOptions {
  /** Seed of the parameter initialization (default 0). */
  seed?: number;
  /** Parameter dtype (default float32). */
  dtype?: DType;
  /** Context width of a conditional flow (default 0, or the condition's width); the bijector's conditioners must take that many values. */
  ctxDim?: number;
  /** Conditions from the data (class labels become one-hot contexts in training, see `flowContext`). */
  cond?: CondConfig;
  /** Data units → model units (z = (x − mean)/std), applied by logProb/sample. */
  standardizer?: Standardizer;
  /** Parameters to take ownership of instead of initializing. */
  params?: FlowParams;
  /** The saved config (named architectures, checkpoints); by default a `custom` one describing the structure. */
  config?: FlowModelConfig;
}

type Jitted = (...a: unknown[]) => unknown;

/** The `custom` config of a hand-built flow. */
export function customFlowConfig(bijector: Bijector, base: BaseDistribution, o: FlowOptions = {}): CustomFlowConfig {
  const layers = bijector instanceof Chain ? bijector.layers.map((l) => l.name) : [bijector.name];
  return {
    kind: "normalizing-flow", arch: "custom", eventShape: [...bijector.eventShape], ctxDim: o.ctxDim ?? (o.cond ? flowContextDim(o.cond) : 0),
    seed: o.seed ?? 0, structure: { layers, base: base.name }, ...(o.standardizer ? { standardizer: o.standardizer } : {}),
    ...(o.cond ? { cond: o.cond } : {}), actnormInitialized: false,
  };
}

/** Whether a flow still needs its data-dependent initialization (ActNorm) before training. */
export function wantsDataInit(config: FlowModelConfig, bijector: Bijector): boolean {
  if (config.actnormInitialized) return false;
  return config.arch === "custom" ? hasDataInit(bijector) : needsDataInit(config);
}

export class Flow implements DensityModel {
  readonly config: FlowModelConfig;
  private _params: FlowParams;
  private disposed = false;
  private readonly jits = new Map<string, Jitted>();

  /** Initializes parameters from `options.seed` unless `options.params` (taken over) is given. */
  constructor(
    readonly bijector: Bijector,
    readonly base: BaseDistribution,
    options: FlowOptions = {},
  ) {
    if (base.eventShape.join() !== bijector.eventShape.join())
      throw new OptionError(`Flow: base event shape [${base.eventShape}] differs from the bijector's [${bijector.eventShape}]`);
    this.config = options.config ?? customFlowConfig(bijector, base, options);
    if (options.params) this._params = options.params;
    else {
      const dtype = options.dtype ?? np.float32;
      const rng = new Rng((this.config.seed ^ 0x2545f491) >>> 0);
      this._params = { flow: bijector.init(rng, dtype), base: base.init(rng, dtype) };
    }
  }

  /** The parameters `{ flow, base }`, owned by the flow: borrow them (`treeCopy` to keep a copy past `setParams`/`dispose`). */
  get params(): FlowParams {
    return this._params;
  }

  /** Replaces the parameters (taken over; same structure) and frees the old tree and the compiled passes. */
  setParams(params: FlowParams): void {
    if (params === this._params) return;
    treeDispose(this._params);
    this._params = params;
    this.clearJits();
  }

  /** A named architecture (architectures.ts) from a (partial) config, parameters drawn from `config.seed`. */
  static init(config: FlowConfigInput | FlowConfig, dtype: DType = np.float32): Flow {
    const c = resolveFlowConfig(config);
    const { bijector, base } = buildFlow(c);
    return new Flow(bijector, base, { config: c, dtype });
  }

  get dim(): number {
    return sizeOf(this.eventShape);
  }
  get eventShape(): number[] {
    return this.config.eventShape;
  }
  get dtype(): DType {
    const leaf = firstLeaf(this.params);
    return leaf?.dtype ?? np.float32;
  }

  /** Traceable log p(x) in model units, [B]: consumes x and ctx, not params. For training and the jitted passes. */
  logProbModel(params: FlowParams, x: Array, ctx?: Array): Array {
    const r = this.bijector.forward(params.flow, x, ctx);
    return this.base.logProb(params.base, r.y).add(r.logDet);
  }

  /** Traceable sampling pass: z [B, ...event] (consumed) → [x, log p(x)] in model units. */
  sampleModel(params: FlowParams, z: Array, ctx?: Array): [Array, Array] {
    const r = this.bijector.inverse(params.flow, z.ref, ctx);
    return [r.x, this.base.logProb(params.base, z).sub(r.logDet)];
  }

  /**
   * One direction without jit, layer by layer for a Chain, flushing each layer's result (lazy graphs grow slow):
   * x → [z, logDet] (forward) or z → [x, logDet] (inverse). Consumes x and ctx.
   */
  private eager(dir: "forward" | "inverse", params: Params, x: Array, ctx?: Array): [Array, Array] {
    const b = this.bijector;
    const layers = b instanceof Chain ? b.layers : [b];
    const ps = b instanceof Chain ? (params as Params[]) : [params];
    let h = x;
    let ld: Array | undefined;
    for (let k = 0; k < layers.length; k++) {
      const i = dir === "forward" ? k : layers.length - 1 - k;
      const r = dir === "forward" ? layers[i]!.forward(ps[i]!, h, ctx?.ref) : layers[i]!.inverse(ps[i]!, h, ctx?.ref);
      h = "y" in r ? r.y : r.x;
      ld = ld === undefined ? r.logDet : ld.add(r.logDet);
      materialize(h);
      materialize(ld);
    }
    ctx?.dispose();
    return [h, ld!];
  }

  private jitted(name: string, f: Jitted): Jitted {
    let j = this.jits.get(name);
    if (!j) this.jits.set(name, (j = jit(f as never) as unknown as Jitted));
    return j;
  }

  private ctxChunk(ctx: Float64Array | number[] | undefined, n: number, start: number, size: number): Array | undefined {
    const rows = contextRows(this.config.ctxDim, ctx, n, start, size);
    return rows && fromHost(rows, [size, this.config.ctxDim], this.dtype);
  }

  /**
   * log p(x) in nats, data units, for row-major x [n, D] (borrowed). A NaN/±Inf log-density throws a
   * `NumericalError` naming the row and the likely cause (weights, data scale; model/numerics.ts).
   */
  logProb(x: Float64Array, o: { ctx?: Float64Array | number[]; context?: Float64Array; batchSize?: number } = {}): Float64Array {
    const D = this.dim;
    if (x.length % D !== 0) throw new ShapeError(`logProb: expected rows of ${D} values, got ${x.length} values`);
    const n = x.length / D;
    const s = this.config.standardizer;
    const z = s ? standardize(x, s) : x;
    const offset = s ? standardizerLogDet(s) : 0;
    const out = new Float64Array(n);
    const bs = o.batchSize ?? 2048;
    const C = this.config.ctxDim;
    const pass = (p: FlowParams, xx: Array, cc?: Array): Array => {
      const [y, ld] = this.eager("forward", p.flow, xx, cc);
      return this.base.logProb(p.base, y).add(ld);
    };
    const f = jitSupport(this.bijector).forward
      ? this.jitted(C ? "logp-ctx" : "logp", (p, xx, cc) => this.logProbModel(p as FlowParams, xx as Array, cc as Array | undefined))
      : (pass as Jitted);
    for (let i = 0; i < n; i += bs) {
      const m = Math.min(bs, n - i);
      const xa = fromHost(z.subarray(i * D, (i + m) * D), [m, ...this.eventShape], this.dtype);
      const ca = this.ctxChunk(o.ctx ?? o.context, n, i, m);
      const lp = toHostF64((C ? f(treeRef(this.params), xa, ca) : f(treeRef(this.params), xa)) as Array);
      for (let k = 0; k < m; k++) out[i + k] = lp[k]! + offset;
      const ctx: NumericContext = { params: this.params, dim: D, inputs: x.subarray(i * D, (i + m) * D), rowOffset: i, standardizer: s };
      checkFinite(out.subarray(i, i + m), 1, "log-likelihood", ctx, true);
    }
    return out;
  }

  /**
   * n samples (data units) with their log-densities (data units, under the model at temperature 1). A NaN/±Inf
   * sample or log-density throws a `NumericalError` naming the likely cause (model/numerics.ts).
   */
  sampleWithLogProb(n: number, o: FlowSampleOptions = {}): { samples: Float64Array; logp: Float64Array } {
    if (!Number.isInteger(n) || n < 0) throw new OptionError(`sample: expected a non-negative integer count, got ${n}`);
    const D = this.dim;
    const rng = o.rng ?? flowSampleRng(o.seed);
    const bs = o.batchSize ?? 2048;
    const C = this.config.ctxDim;
    const pass = (p: unknown, zz: unknown, cc?: unknown) => this.sampleModel(p as FlowParams, zz as Array, cc as Array | undefined) as unknown as Array;
    const eagerPass = (p: FlowParams, zz: Array, cc?: Array): [Array, Array] => {
      const [x, ld] = this.eager("inverse", p.flow, zz.ref, cc);
      return [x, this.base.logProb(p.base, zz).sub(ld)];
    };
    const f = jitSupport(this.bijector).inverse ? this.jitted(C ? "sample-ctx" : "sample", pass as Jitted) : (eagerPass as Jitted);
    const xs = new Float64Array(n * D);
    const lps = new Float64Array(n);
    for (let i = 0; i < n; i += bs) {
      const m = Math.min(bs, n - i);
      const z = this.base.sample(this.params.base, m, rng, this.dtype, o.temperature ?? 1);
      const ca = this.ctxChunk(o.ctx ?? o.context, n, i, m);
      const [x, lp] = (C ? f(treeRef(this.params), z, ca) : f(treeRef(this.params), z)) as unknown as [Array, Array];
      xs.set(toHostF64(x), i * D);
      lps.set(toHostF64(lp), i);
      checkSampleChunk(xs, lps, i, m, D, this.params);
    }
    return sampleInDataUnits(xs, lps, this.config.standardizer);
  }

  /** n samples, row-major [n, D], data units. */
  sample(n: number, o: FlowSampleOptions = {}): Float64Array {
    return this.sampleWithLogProb(n, o).samples;
  }

  /**
   * The data-dependent initialization (ActNorm) on a batch in MODEL units (consumed; ctx too), once: replaces the
   * parameters and sets `config.actnormInitialized`. A no-op when it already ran or no layer has one.
   */
  dataInit(x: Array, ctx?: Array): void {
    if (!wantsDataInit(this.config, this.bijector) || !this.bijector.dataInit) {
      x.dispose();
      ctx?.dispose();
      this.config.actnormInitialized = true;
      return;
    }
    const flow = this.bijector.dataInit(this._params.flow, x, ctx);
    treeDispose(this._params.flow);
    this._params = { flow, base: this._params.base };
    this.config.actnormInitialized = true;
    this.clearJits();
  }

  private clearJits(): void {
    for (const j of this.jits.values()) (j as unknown as { dispose?: () => void }).dispose?.();
    this.jits.clear();
  }

  /** Frees the parameters and compiled passes. Safe to call twice (e.g. explicitly and through `using`). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    treeDispose(this._params);
    this.clearJits();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The earlier name of `Flow`, kept for existing code. */
export const FlowModel = Flow;
export type FlowModel = Flow;

function firstLeaf(t: unknown): Array | undefined {
  if (t && typeof t === "object") {
    if ("dtype" in t && "shape" in t && "dataSync" in t) return t as Array;
    for (const v of Object.values(t as object)) {
      const l = firstLeaf(v);
      if (l) return l;
    }
  }
  return undefined;
}
