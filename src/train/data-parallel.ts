/**
 * The seam between the core trainer and data-parallel gradients. Threads are platform-specific (Node's
 * worker_threads; a browser would use Web Workers), so the core only defines what `train` needs from them and
 * takes an implementation from `TrainRunOptions.parallel` or from `registerDataParallel`, which importing
 * `flowmatch/node` calls with its worker-thread implementation.
 */
import type { Array, DType } from "../engine/index.js";
import type { ModelConfig, ModelParams } from "../fm/velocity-model.js";
import type { TrainOptions } from "./options.js";
import { OptionError } from "../errors.js";

/** Per-step gradients of shards of a batch, computed in parallel; `train` combines them with `weights`. */
export interface DataParallel {
  /** Shard weights (rows / batch): the batch gradient is Σ weights[i] · parts[i]. */
  readonly weights: number[];
  /** The batch's mean loss and per-shard gradients; `inputs` (rows on axis 0) are consumed, params borrowed. */
  lossAndGradParts(params: ModelParams, inputs: Array[]): [number, ModelParams[]];
  dispose(): void;
}

/** Starts a `DataParallel` for `options.workers` shards of `options.batch` rows; `template` is borrowed. */
export type DataParallelFactory = (
  config: ModelConfig,
  options: TrainOptions,
  dtype: DType,
  template: ModelParams,
  loss: (p: ModelParams, inputs: Array[]) => Array,
) => DataParallel;

let registered: DataParallelFactory | undefined;

/** Makes `factory` the default for runs with `workers > 1` (flowmatch/node registers worker threads on import). */
export function registerDataParallel(factory: DataParallelFactory | undefined): void {
  registered = factory;
}

/** The factory a run uses: its own, else the registered one; a one-line OptionError when there is none. */
export function dataParallelFactory(own?: DataParallelFactory): DataParallelFactory {
  const f = own ?? registered;
  if (!f) {
    throw new OptionError(
      'workers > 1 needs threads, which the core does not include: import from "flowmatch/node" or pass TrainRunOptions.parallel',
    );
  }
  return f;
}
