/**
 * Train state ⇄ checkpoint bytes (config.json's text + weights.safetensors with params, EMA and Adam moments).
 * Browser-safe; `saveTrainState`/`loadTrainState` in `flowmatch/node` put the same two files in a directory.
 *
 * @example
 * ```ts
 * const bytes = trainStateToBytes(state);            // { configJson, weights }
 * const resumed = trainStateFromBytes(bytes);         // continues exactly where `state` stopped
 * const model = modelFromBytes(bytes);                // EMA weights when the run used EMA
 * ```
 */
import { np, treeLeaves, type Tree } from "../engine/index.js";
import { disposableState } from "./disposable.js";
import { Rng } from "../engine/rng.js";
import { encodeCheckpoint, decodeCheckpoint, flattenNamed, CONFIG_FILE, type HostTensor, type CheckpointBytes, type CheckpointFiles } from "../io/index.js";
import { CheckpointError, OptionError } from "../errors.js";
import { treeToHost, treeSkeleton, treeFromTensors } from "../model/host.js";
import { VelocityModel, type ModelConfig, type ModelParams } from "../model/velocity-model.js";
import type { TrainState } from "./trainer.js";
import { migrateFlowMatching } from "./migrate.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";

export const LIBRARY_VERSION = "0.1.0";
export const FORMAT = "flowmatch-checkpoint";

export interface ConfigJson {
  format: string;
  formatVersion: number;
  library: string;
  model: ModelConfig;
  train: { options: TrainOptions; step: number; rngState: number[]; losses: number[] };
  dtype: "float32" | "float64";
}

/** What every trainer checkpoints: weights, EMA, Adam moments, step, RNG stream, options and loss history. */
export interface RunState<C, P extends Tree> {
  config: C;
  options: TrainOptions;
  params: P;
  ema: P;
  m: P;
  v: P;
  step: number;
  rng: Rng;
  losses: number[];
}

/** A run's full state as checkpoint contents (config object + named tensors); shared by all trainers. */
export function runStateFiles<C, P extends Tree>(s: RunState<C, P>): CheckpointFiles {
  const dtype = treeLeaves(s.params)[0]?.dtype === np.float64 ? "float64" : "float32";
  const config = {
    format: FORMAT,
    formatVersion: 1,
    library: `flowmatch@${LIBRARY_VERSION}`,
    model: s.config,
    train: { options: s.options, step: s.step, rngState: s.rng.state(), losses: s.losses },
    dtype,
  };
  const tensors: Record<string, HostTensor> = {
    ...flattenNamed(treeToHost(s.params), "params"),
    ...flattenNamed(treeToHost(s.ema), "ema"),
    ...flattenNamed(treeToHost(s.m), "opt.m"),
    ...flattenNamed(treeToHost(s.v), "opt.v"),
  };
  return { config: config as unknown as Record<string, unknown>, tensors };
}

/** The run fields of a loaded config.json, with `tree(prefix)` supplying the four stored parameter trees. */
export function restoreRunState<C, P extends Tree>(
  model: C,
  train: ConfigJson["train"],
  tree: (prefix: string) => P,
  overrides: Partial<TrainOptions> = {},
): RunState<C, P> {
  return {
    config: model,
    options: resolveTrainOptions({ ...train.options, ...overrides }),
    params: tree("params"),
    ema: tree("ema"),
    m: tree("opt.m"),
    v: tree("opt.v"),
    step: train.step,
    rng: new Rng(train.rngState),
    losses: train.losses ?? [],
  };
}

/**
 * The full train state as checkpoint bytes (borrows `s`): config.json and weights.safetensors, for storage of your
 * choice (IndexedDB, a download, a file through flowmatch/node's `saveTrainState`).
 *
 * @example
 * ```ts
 * const bytes = trainStateToBytes(state);
 * using resumed = trainStateFromBytes(bytes); // continue with train(resumed, data)
 * using model = modelFromBytes(bytes); // EMA weights when the run used EMA
 * ```
 */
export function trainStateToBytes(s: TrainState): CheckpointBytes {
  return encodeCheckpoint(runStateFiles(s));
}

/**
 * Reads decoded checkpoint contents; `dir` names the origin in error messages (a directory, or "" for bytes).
 * Exported for the directory layer (flowmatch/node).
 */
export function readTrainCheckpoint(ck: CheckpointFiles, dir = "") {
  const where = `${dir ? `${dir}/` : ""}${CONFIG_FILE}`;
  const raw = ck.config as unknown as ConfigJson;
  if (raw.format !== FORMAT || !raw.model) {
    throw new CheckpointError(`${where}: not a flowmatch checkpoint (format "${String(raw.format)}")`);
  }
  // A 0.1 checkpoint (model.mlp, tensors params.layers.…) is read in the current layout.
  const { model, tensors } = migrateFlowMatching(raw.model, ck.tensors, dir || "checkpoint");
  const c = { ...raw, model };
  const dtype = c.dtype === "float64" ? np.float64 : np.float32;
  /** The pytree stored under `prefix` ("params", "ema", "opt.m", …) as arrays of the checkpoint's dtype. */
  // The stored tensors fill the structure of a freshly initialized model (shape-checked, initializer key order).
  let template: VelocityModel;
  try {
    template = VelocityModel.init(c.model, 0, dtype);
  } catch (e) {
    throw e instanceof OptionError ? new CheckpointError(`${where}: ${e.message}`) : e;
  }
  const skel = treeSkeleton(template.params);
  template.dispose();
  const tree = (prefix: string) => treeFromTensors(skel, tensors, prefix, dtype, dir || "checkpoint") as ModelParams;
  return { c, tensors, tree };
}

/** The train state in checkpoint contents, ready to continue with `train`; `dir` as in `readTrainCheckpoint`. */
export function trainStateFromFiles(ck: CheckpointFiles, dir = "", overrides: Partial<TrainOptions> = {}): TrainState & Disposable {
  const { c, tree } = readTrainCheckpoint(ck, dir);
  return disposableState(restoreRunState(c.model, c.train, tree, overrides));
}

/** The model in checkpoint contents: EMA weights when the run used EMA (unless `ema: false`), else the raw parameters. */
export function modelFromFiles(ck: CheckpointFiles, dir = "", opts: { ema?: boolean } = {}): VelocityModel {
  const { c, tensors, tree } = readTrainCheckpoint(ck, dir);
  const useEma = opts.ema ?? (c.train?.options?.emaDecay ?? 0) > 0;
  const prefix = useEma && Object.keys(tensors).some((k) => k.startsWith("ema.")) ? "ema" : "params";
  return new VelocityModel(c.model, tree(prefix));
}

/** Restores a train state from `trainStateToBytes` (or a checkpoint directory's two files), ready for `train`. */
export function trainStateFromBytes(bytes: CheckpointBytes, overrides: Partial<TrainOptions> = {}): TrainState & Disposable {
  return trainStateFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", overrides);
}

/** The model for sampling/evaluation from checkpoint bytes: EMA weights when the run used EMA, else the raw parameters. */
export function modelFromBytes(bytes: CheckpointBytes, opts: { ema?: boolean } = {}): VelocityModel {
  return modelFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", opts);
}
