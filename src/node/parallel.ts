/**
 * Data-parallel gradients on several cores (flow matching): each step's batch is cut into `workers` row shards;
 * worker threads (grad-worker.ts) take all but the first, the calling thread takes the first, and the gradients
 * and losses are averaged weighted by shard size — the gradient of the whole batch's mean loss, up to rounding.
 * Clipping, Adam and EMA then run once, in the calling thread. Parameters travel to the workers through shared
 * memory every step; the workers hold no state of their own, so a run resumes the same with any thread count.
 */
import { np, treeOps, treeLeaves, treeRef, treeSize, type Array, type DType } from "../engine/index.js";
import { startWorker, SyncSlot, Slot } from "./workers.js";
import type { Worker } from "node:worker_threads";
import type { ModelConfig, ModelParams } from "../fm/velocity-model.js";
import { condInputWidth } from "../fm/conditioning.js";
import { netWorkerSource } from "../nets/registry.js";
import { OptionError } from "../errors.js";
import { makeGradStep, disposeStep, type GradStep } from "../train/step.js";
import type { TrainOptions } from "../train/options.js";
import type { DataParallel, DataParallelFactory } from "../train/data-parallel.js";

/** At most this many inputs of at most this many dimensions per step (fm draws x0, x1, t and a condition). */
const MAX_INPUTS = 8, MAX_NDIM = 4, META = 1 + MAX_INPUTS * (1 + MAX_NDIM);
const START_TIMEOUT_MS = 120_000, STEP_TIMEOUT_MS = 300_000;

/** What a gradient worker needs to start (sent as workerData). */
export interface GradWorkerData {
  config: ModelConfig;
  /** A module to import before the network is rebuilt: the one that registers a user's network kind. */
  netModule?: string;
  options: TrainOptions;
  dtype: DType;
  slot: SharedArrayBuffer;
  params: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  inputs: SharedArrayBuffer;
  out: SharedArrayBuffer;
}

type Floats = Float32Array | Float64Array;
export const floatsOf = (dtype: DType, buf: SharedArrayBuffer): Floats =>
  dtype === np.float64 ? new Float64Array(buf) : new Float32Array(buf);
const bytesOf = (dtype: DType) => (dtype === np.float64 ? 8 : 4);

/** How a parameter tree lies in a flat buffer: its structure and leaf shapes, in leaf order. */
export interface TreeLayout { def: ReturnType<typeof treeOps.flatten>[1]; shapes: number[][] }
export function treeLayout(template: ModelParams): TreeLayout {
  const [leaves, def] = treeOps.flatten(template);
  return { def, shapes: (leaves as Array[]).map((a) => a.shape) };
}
/** Copies the leaves of `tree` (borrowed) into `into`, in leaf order; returns the number of values written. */
export function writeTree(tree: ModelParams, into: Floats): number {
  let off = 0;
  for (const leaf of treeLeaves(tree)) {
    const v = leaf.ref.dataSync() as Floats;
    into.set(v, off);
    off += v.length;
  }
  return off;
}
/** The tree `writeTree` wrote (copied out of shared memory). */
export function readTree(layout: TreeLayout, from: Floats, dtype: DType): ModelParams {
  let off = 0;
  return treeOps.unflatten(layout.def, layout.shapes.map((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = np.array(from.slice(off, off + n), { dtype }).reshape(shape);
    off += n;
    return a;
  })) as ModelParams;
}

/** Writes input arrays' shapes to `meta` and their values to `into`. */
export function packInputs(shapes: number[][], values: Floats[], meta: Int32Array, into: Floats): void {
  meta[0] = shapes.length;
  let m = 1, off = 0;
  shapes.forEach((s, i) => {
    meta[m] = s.length;
    s.forEach((d, k) => (meta[m + 1 + k] = d));
    m += 1 + MAX_NDIM;
    into.set(values[i]!, off);
    off += values[i]!.length;
  });
}

/** The arrays `packInputs` wrote (copied out of shared memory). */
export function unpackInputs(meta: Int32Array, from: Floats, dtype: DType): Array[] {
  const out: Array[] = [];
  let m = 1, off = 0;
  for (let i = 0; i < meta[0]!; i++) {
    const shape = globalThis.Array.from(meta.subarray(m + 1, m + 1 + meta[m]!));
    const n = shape.reduce((a, b) => a * b, 1);
    out.push(np.array(from.slice(off, off + n), { dtype }).reshape(shape));
    m += 1 + MAX_NDIM;
    off += n;
  }
  return out;
}

/** Row counts of `workers` near-equal shards of `batch` rows (the first gets any remainder). */
export function shardSizes(batch: number, workers: number): number[] {
  const base = Math.floor(batch / workers);
  return globalThis.Array.from({ length: workers }, (_, i) => base + (i === 0 ? batch - base * workers : 0));
}

/** `DataParallel` on Node worker threads; `train` uses it by default once flowmatch/node is imported. */
export class ParallelGrads implements DataParallel {
  private readonly threads: { worker: Worker; slot: SyncSlot; meta: Int32Array; inputs: Floats; out: Floats }[] = [];
  private readonly params: Floats;
  private readonly layout: TreeLayout;
  private readonly local: GradStep<ModelParams, Array[]>;
  private readonly sizes: number[];
  /** Values per batch row of all inputs together that a worker's input buffer holds. */
  private readonly rowWidth: number;
  /** Shard weights (rows / batch): the batch gradient is Σ weights[i] · parts[i]. */
  readonly weights: number[];

  /** Starts `workers − 1` threads for a batch of `options.batch` rows and waits until they are ready. */
  constructor(config: ModelConfig, options: TrainOptions, private readonly dtype: DType, template: ModelParams, loss: (p: ModelParams, i: Array[]) => Array) {
    // Each worker imports the library afresh, so a network registered at run time exists there only if its module
    // (which registers it on import) is known.
    const source = netWorkerSource(config.net.kind);
    if (source === undefined) {
      throw new OptionError(
        `network "${config.net.kind}" cannot run on worker threads: register it with registerNet("${config.net.kind}", factory, { module: import.meta.url }) in a module that registers it on import, or use workers: 1`,
      );
    }
    const netModule = source === "builtin" ? undefined : source;
    const nParams = treeSize(template);
    const b = bytesOf(dtype);
    const paramsBuf = new SharedArrayBuffer(nParams * b);
    this.params = floatsOf(dtype, paramsBuf);
    this.layout = treeLayout(template);
    this.sizes = shardSizes(options.batch, options.workers);
    this.weights = this.sizes.map((n) => n / options.batch);
    this.local = makeGradStep(loss);
    // A row of the flow-matching inputs: x0 and x1 (or x_t and u_t), t, and the encoded condition.
    this.rowWidth = 2 * config.net.dim + 1 + (config.cond ? condInputWidth(config.cond) : 0);
    try {
      for (let i = 1; i < options.workers; i++) {
        const slot = new SyncSlot();
        const data: GradWorkerData = {
          config, netModule, options, dtype, slot: slot.buffer, params: paramsBuf,
          meta: new SharedArrayBuffer(META * 4), inputs: new SharedArrayBuffer(this.sizes[i]! * this.rowWidth * b),
          out: new SharedArrayBuffer((nParams + 1) * b),
        };
        const worker = startWorker(new URL(import.meta.url.endsWith(".ts") ? "./grad-worker.ts" : "./grad-worker.js", import.meta.url), data);
        worker.on("error", () => {}); // reported through the slot (or its timeout); never an unhandled event
        this.threads.push({ worker, slot, meta: new Int32Array(data.meta), inputs: floatsOf(dtype, data.inputs), out: floatsOf(dtype, data.out) });
      }
      for (const t of this.threads) this.check(t.slot, t.slot.waitFor([Slot.ready, Slot.error], START_TIMEOUT_MS, "starting a gradient worker"));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private check(slot: SyncSlot, s: number): void {
    if (s === Slot.error) throw new Error(`gradient worker failed: ${slot.errorMessage()}`);
  }

  /**
   * The mean loss over the batch `inputs` (consumed; rows on axis 0) and the per-shard gradients, to be combined
   * with `weights` (inside the compiled update, where the sum costs nothing extra). Params are borrowed.
   */
  lossAndGradParts(params: ModelParams, inputs: Array[]): [number, ModelParams[]] {
    const shapes = inputs.map((a) => a.shape);
    const host = inputs.map((a) => a.dataSync() as Floats);
    if (shapes.length > MAX_INPUTS || shapes.some((s) => s.length > MAX_NDIM || s[0] !== shapes[0]![0])) {
      throw new Error("data-parallel training needs at most 8 batched inputs (rows on axis 0)");
    }
    const width = host.reduce((n, v, k) => n + v.length / shapes[k]![0]!, 0);
    if (width > this.rowWidth) throw new Error(`data-parallel training: ${width} input values per row, room for ${this.rowWidth}`);
    writeTree(params, this.params);
    // Shard i holds rows [start_i, start_i + size_i).
    let start = this.sizes[0]!;
    const rowsOf = (v: Floats, s: number[], from: number, n: number) => {
      const w = v.length / s[0]!;
      return v.subarray(from * w, (from + n) * w);
    };
    this.threads.forEach((t, i) => {
      const n = this.sizes[i + 1]!;
      packInputs(shapes.map((s) => [n, ...s.slice(1)]), host.map((v, k) => rowsOf(v, shapes[k]!, start, n)), t.meta, t.inputs);
      start += n;
      t.slot.set(Slot.work);
    });
    const n0 = this.sizes[0]!;
    const mine = host.map((v, k) => np.array(rowsOf(v, shapes[k]!, 0, n0).slice(), { dtype: this.dtype }).reshape([n0, ...shapes[k]!.slice(1)]));
    const [l0, g0] = this.local(treeRef(params), mine);
    // jax-js is lazy: reading the loss runs this shard now, while the workers run theirs.
    const w = this.weights;
    let loss = w[0]! * l0.item();
    const parts = [g0];
    this.threads.forEach((t, i) => {
      this.check(t.slot, t.slot.waitFor([Slot.done, Slot.error], STEP_TIMEOUT_MS, "a data-parallel gradient"));
      parts.push(readTree(this.layout, t.out, this.dtype));
      loss += w[i + 1]! * t.out[t.out.length - 1]!; // the loss follows the gradient
    });
    return [loss, parts];
  }

  dispose(): void {
    for (const t of this.threads) {
      t.slot.set(Slot.stop);
      void t.worker.terminate();
    }
    this.threads.length = 0;
    disposeStep(this.local);
  }
}

/** The worker-thread `DataParallelFactory` (registered by flowmatch/node; pass it as `TrainRunOptions.parallel`). */
export const workerThreadGrads: DataParallelFactory = (config, options, dtype, template, loss) =>
  new ParallelGrads(config, options, dtype, template, loss);
