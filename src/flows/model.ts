/**
 * A discrete normalizing flow as a usable model: config (architecture.ts) + bijector + base distribution +
 * parameters `{ flow, base }`. The bijector's `forward` is the density direction x → z, so
 *   log p(x) = log p_base(f(x)) + log|det ∂f/∂x| (model units),
 * and in data units the standardizer's log-Jacobian −Σ log std is added (as the CNF likelihood does).
 *
 * The high-level methods take and return plain Float64Arrays (row-major [n, D], D = the flattened event size; an
 * image is its [H, W, C] values row-major) in data units and own everything they create. They run jit-compiled
 * passes in chunks of `batchSize` points (a new chunk size compiles once). Context (conditional flows): a
 * Float64Array of n·C values, or C values shared by all points.
 */
import { np, jit, Rng, fromHost, toHostF64, treeRef, treeDispose, materialize, type Array, type DType } from "../engine/index.js";
import { standardize, unstandardize, standardizerLogDet } from "../data/normalize.js";
import { OptionError, ShapeError } from "../errors.js";
import { buildFlow, resolveFlowConfig, type FlowConfig, type FlowConfigInput } from "./architectures.js";
import type { BaseDistribution } from "./base.js";
import { Chain } from "./chain.js";
import { sizeOf } from "./shape.js";
import type { Bijector, Params } from "./types.js";

export type FlowParams = { flow: Params; base: Params };

export interface FlowSampleOptions {
  /** Base standard-deviation multiplier (Glow's reduced-temperature sampling); default 1. */
  temperature?: number;
  /** Seed of the base noise (default 0). */
  seed?: number;
  /** Context, n·C values or C values shared by all samples. */
  ctx?: Float64Array | number[];
  batchSize?: number;
}

type Jitted = (...a: unknown[]) => unknown;

export class FlowModel {
  readonly bijector: Bijector;
  readonly base: BaseDistribution;
  private readonly jits = new Map<string, Jitted>();

  /** Takes ownership of `params`. */
  constructor(
    readonly config: FlowConfig,
    public params: FlowParams,
  ) {
    const b = buildFlow(config);
    this.bijector = b.bijector;
    this.base = b.base;
  }

  /** A fresh model from a (partial) config: parameters drawn from `config.seed`. */
  static init(config: FlowConfigInput | FlowConfig, dtype: DType = np.float32): FlowModel {
    const c = resolveFlowConfig(config);
    const { bijector, base } = buildFlow(c);
    const rng = new Rng((c.seed ^ 0x2545f491) >>> 0);
    return new FlowModel(c, { flow: bijector.init(rng, dtype), base: base.init(rng, dtype) });
  }

  get dim(): number {
    return sizeOf(this.config.eventShape);
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

  /** The sampling pass without jit, layer by layer, flushing each layer's result (lazy graphs grow slow). */
  private sampleEager(params: FlowParams, z: Array, ctx?: Array): [Array, Array] {
    const b = this.bijector;
    if (!(b instanceof Chain)) return this.sampleModel(params, z, ctx);
    let x = z.ref;
    let ld: Array | undefined;
    const fp = params.flow as Params[];
    for (let i = b.layers.length - 1; i >= 0; i--) {
      const r = b.layers[i]!.inverse(fp[i]!, x, ctx?.ref);
      x = r.x;
      ld = ld === undefined ? r.logDet : ld.add(r.logDet);
      materialize(x);
      materialize(ld);
    }
    ctx?.dispose();
    return [x, this.base.logProb(params.base, z).sub(ld!)];
  }

  private jitted(name: string, f: Jitted): Jitted {
    let j = this.jits.get(name);
    if (!j) this.jits.set(name, (j = jit(f as never) as unknown as Jitted));
    return j;
  }

  private ctxChunk(ctx: Float64Array | number[] | undefined, n: number, start: number, size: number): Array | undefined {
    const C = this.config.ctxDim;
    if (C === 0) {
      if (ctx !== undefined && ctx.length > 0) throw new ShapeError("this flow is unconditional but a context was given");
      return undefined;
    }
    if (ctx === undefined) throw new ShapeError(`this flow is conditional: expected a context of ${C} values (or ${n}×${C})`);
    const c = Float64Array.from(ctx);
    const out = new Float64Array(size * C);
    if (c.length === C) for (let i = 0; i < size; i++) out.set(c, i * C);
    else if (c.length === n * C) out.set(c.subarray(start * C, (start + size) * C));
    else throw new ShapeError(`context: expected ${C} or ${n}×${C} values, got ${c.length}`);
    return fromHost(out, [size, C], this.dtype);
  }

  /** log p(x) in nats, data units, for row-major x [n, D]. */
  logProb(x: Float64Array, o: { ctx?: Float64Array | number[]; batchSize?: number } = {}): Float64Array {
    const D = this.dim;
    if (x.length % D !== 0) throw new ShapeError(`logProb: expected rows of ${D} values, got ${x.length} values`);
    const n = x.length / D;
    const s = this.config.standardizer;
    const z = s ? standardize(x, s) : x;
    const offset = s ? standardizerLogDet(s) : 0;
    const out = new Float64Array(n);
    const bs = o.batchSize ?? 2048;
    const C = this.config.ctxDim;
    const f = this.jitted(C ? "logp-ctx" : "logp", (p, xx, cc) => this.logProbModel(p as FlowParams, xx as Array, cc as Array | undefined));
    for (let i = 0; i < n; i += bs) {
      const m = Math.min(bs, n - i);
      const xa = fromHost(z.subarray(i * D, (i + m) * D), [m, ...this.eventShape], this.dtype);
      const ca = this.ctxChunk(o.ctx, n, i, m);
      const lp = toHostF64((C ? f(treeRef(this.params), xa, ca) : f(treeRef(this.params), xa)) as Array);
      for (let k = 0; k < m; k++) out[i + k] = lp[k]! + offset;
    }
    return out;
  }

  /** n samples (data units) with their log-densities (data units, under the model at temperature 1). */
  sampleWithLogProb(n: number, o: FlowSampleOptions = {}): { samples: Float64Array; logp: Float64Array } {
    if (!Number.isInteger(n) || n < 0) throw new OptionError(`sample: expected a non-negative integer count, got ${n}`);
    const D = this.dim;
    const rng = new Rng(((o.seed ?? 0) ^ 0x68e31da4) >>> 0);
    const bs = o.batchSize ?? 2048;
    const C = this.config.ctxDim;
    const pass = (p: unknown, zz: unknown, cc?: unknown) => this.sampleModel(p as FlowParams, zz as Array, cc as Array | undefined) as unknown as Array;
    // jax-js 0.1.25 cannot jit lax.linalg.triangularSolve on computed inputs ("routine primitive triangular_solve
    // input is not imm"), which LU-linear inverses use, and compiling the planar inverse (an unrolled Newton loop per
    // layer) takes minutes: flows with LU layers (glow, nsf) and planar flows sample eagerly.
    const eager = this.config.arch === "glow" || this.config.arch === "nsf" || this.config.arch === "planar";
    const eagerPass = (p: unknown, zz: unknown, cc?: unknown) => this.sampleEager(p as FlowParams, zz as Array, cc as Array | undefined) as unknown as Array;
    const f = eager ? (eagerPass as Jitted) : this.jitted(C ? "sample-ctx" : "sample", pass as Jitted);
    const xs = new Float64Array(n * D);
    const lps = new Float64Array(n);
    for (let i = 0; i < n; i += bs) {
      const m = Math.min(bs, n - i);
      const z = this.base.sample(this.params.base, m, rng, this.dtype, o.temperature ?? 1);
      const ca = this.ctxChunk(o.ctx, n, i, m);
      const [x, lp] = (C ? f(treeRef(this.params), z, ca) : f(treeRef(this.params), z)) as unknown as [Array, Array];
      xs.set(toHostF64(x), i * D);
      lps.set(toHostF64(lp), i);
    }
    const s = this.config.standardizer;
    if (!s) return { samples: xs, logp: lps };
    const offset = standardizerLogDet(s);
    return { samples: unstandardize(xs, s), logp: lps.map((v) => v + offset) };
  }

  /** n samples, row-major [n, D], data units. */
  sample(n: number, o: FlowSampleOptions = {}): Float64Array {
    return this.sampleWithLogProb(n, o).samples;
  }

  /**
   * ActNorm's data-dependent initialization on a batch in MODEL units (consumed; ctx too), once: replaces the
   * parameters and sets `config.actnormInitialized`. A no-op when it already ran.
   */
  dataInit(x: Array, ctx?: Array): void {
    if (this.config.actnormInitialized || !this.bijector.dataInit) {
      x.dispose();
      ctx?.dispose();
      this.config.actnormInitialized = true;
      return;
    }
    const flow = this.bijector.dataInit(this.params.flow, x, ctx);
    treeDispose(this.params.flow);
    this.params = { flow, base: this.params.base };
    this.config.actnormInitialized = true;
    this.clearJits();
  }

  private clearJits(): void {
    for (const j of this.jits.values()) (j as unknown as { dispose?: () => void }).dispose?.();
    this.jits.clear();
  }

  dispose(): void {
    treeDispose(this.params);
    this.clearJits();
  }
}

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
