/**
 * Train state ⇄ checkpoint directory (config.json + weights.safetensors with params, EMA and Adam moments).
 */
import { np, treeLeaves, type Tree } from "../engine/index.js";
import { Rng } from "../engine/rng.js";
import { saveCheckpoint, loadCheckpoint, flattenNamed, type HostTensor } from "../io/index.js";
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

/** Writes a run's full state atomically to `dir` (config.json + weights.safetensors); shared by all trainers. */
export function saveRunState<C, P extends Tree>(dir: string, s: RunState<C, P>): void {
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
  saveCheckpoint(dir, { config: config as unknown as Record<string, unknown>, tensors });
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

/** Writes the full train state atomically to `dir`. */
export function saveTrainState(dir: string, s: TrainState): void {
  saveRunState(dir, s);
}

function readConfig(dir: string) {
  const ck = loadCheckpoint(dir);
  const raw = ck.config as unknown as ConfigJson;
  if (raw.format !== FORMAT || !raw.model) {
    throw new CheckpointError(`${dir}/config.json: not a flowmatch checkpoint (format "${String(raw.format)}")`);
  }
  // A 0.1 checkpoint (model.mlp, tensors params.layers.…) is read in the current layout.
  const { model, tensors } = migrateFlowMatching(raw.model, ck.tensors, dir);
  const c = { ...raw, model };
  const dtype = c.dtype === "float64" ? np.float64 : np.float32;
  /** The pytree stored under `prefix` ("params", "ema", "opt.m", …) as arrays of the checkpoint's dtype. */
  // The stored tensors fill the structure of a freshly initialized model (shape-checked, initializer key order).
  let template: VelocityModel;
  try {
    template = VelocityModel.init(c.model, 0, dtype);
  } catch (e) {
    throw e instanceof OptionError ? new CheckpointError(`${dir}/config.json: ${e.message}`) : e;
  }
  const skel = treeSkeleton(template.params);
  template.dispose();
  const tree = (prefix: string) => treeFromTensors(skel, tensors, prefix, dtype, dir) as ModelParams;
  return { c, tensors, tree };
}

/** Restores a train state saved by `saveTrainState`, ready to continue with `train`. */
export function loadTrainState(dir: string, overrides: Partial<TrainOptions> = {}): TrainState {
  const { c, tree } = readConfig(dir);
  return restoreRunState(c.model, c.train, tree, overrides);
}

/** Loads the model for sampling/evaluation: EMA weights when the run used EMA, else the raw parameters. */
export function loadModel(dir: string, opts: { ema?: boolean } = {}): VelocityModel {
  const { c, tensors, tree } = readConfig(dir);
  const useEma = opts.ema ?? (c.train?.options?.emaDecay ?? 0) > 0;
  const prefix = useEma && Object.keys(tensors).some((k) => k.startsWith("ema.")) ? "ema" : "params";
  return new VelocityModel(c.model, tree(prefix));
}
