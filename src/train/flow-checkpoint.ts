/**
 * Flow train state ⇄ checkpoint bytes, in the same layout as flow-matching checkpoints (checkpoint.ts):
 * config.json (format, library, `model` = the FlowConfig with kind "normalizing-flow" — including
 * `actnormInitialized` and the LU seeds —, train options, step, rng state, losses, dtype) and weights.safetensors
 * with params.*, ema.*, opt.m.*, opt.v.*. Browser-safe; `flowmatch/node` writes the same files to a directory.
 *
 * Loading rebuilds the parameter tree's structure from the config (see `treeFromTensors`), so empty containers (a
 * parameter-free base or layer) survive the round trip.
 *
 * @example
 * ```ts
 * const bytes = flowTrainStateToBytes(state);
 * const flow = flowModelFromBytes(bytes); // EMA weights when the run used EMA
 * ```
 */
import { np, treeDispose } from "../engine/index.js";
import { encodeCheckpoint, decodeCheckpoint, CONFIG_FILE, type CheckpointBytes, type CheckpointFiles } from "../io/index.js";
import { CheckpointError } from "../errors.js";
import { resolveFlowConfig, type FlowConfig } from "../flows/architectures.js";
import { FlowModel, type FlowParams } from "../flows/model.js";
import type { FlowTrainState } from "./flow-trainer.js";
import type { TrainOptions } from "./options.js";
import { FORMAT, runStateFiles, restoreRunState } from "./checkpoint.js";
import { treeSkeleton, treeFromTensors } from "../model/host.js";

interface FlowConfigJson {
  format: string;
  formatVersion: number;
  library: string;
  model: FlowConfig;
  train: { options: TrainOptions; step: number; rngState: number[]; losses: number[] };
  dtype: "float32" | "float64";
}

/** True when a parsed config.json describes a normalizing flow (not a flow-matching model). */
export function isFlowConfig(config: unknown): boolean {
  return (config as { model?: { kind?: string } } | null)?.model?.kind === "normalizing-flow";
}

/** The full flow train state as checkpoint bytes (borrows `s`). */
export function flowTrainStateToBytes(s: FlowTrainState): CheckpointBytes {
  return encodeCheckpoint(runStateFiles(s));
}

/** Reads decoded flow checkpoint contents; `dir` names the origin in error messages ("" for bytes). */
function readFlow(ck: CheckpointFiles, dir: string) {
  const where = `${dir ? `${dir}/` : ""}${CONFIG_FILE}`;
  const c = ck.config as unknown as FlowConfigJson;
  if (c.format !== FORMAT || c.model?.kind !== "normalizing-flow")
    throw new CheckpointError(`${where}: not a flowmatch normalizing-flow checkpoint`);
  let model: FlowConfig;
  try {
    model = resolveFlowConfig(c.model);
  } catch (e) {
    throw new CheckpointError(`${where}: bad model config (${(e as Error).message})`);
  }
  const dtype = c.dtype === "float64" ? np.float64 : np.float32;
  const template = FlowModel.init(model, dtype);
  const skel = treeSkeleton(template.params);
  treeDispose(template.params);
  const tree = (prefix: string) => treeFromTensors(skel, ck.tensors, prefix, dtype, dir || "checkpoint") as FlowParams;
  const has = (prefix: string) => Object.keys(ck.tensors).some((k) => k.startsWith(`${prefix}.`));
  return { c, model, tree, has };
}

/** The flow train state in checkpoint contents, ready for `trainFlow` (used by the directory layer too). */
export function flowTrainStateFromFiles(ck: CheckpointFiles, dir = "", overrides: Partial<TrainOptions> = {}): FlowTrainState {
  const { c, model, tree } = readFlow(ck, dir);
  return restoreRunState(model, c.train, tree, overrides);
}

/** The flow in checkpoint contents: EMA weights when the run used EMA (unless `ema: false`). */
export function flowModelFromFiles(ck: CheckpointFiles, dir = "", opts: { ema?: boolean } = {}): FlowModel {
  const { c, model, tree, has } = readFlow(ck, dir);
  const useEma = (opts.ema ?? (c.train?.options?.emaDecay ?? 0) > 0) && has("ema");
  return new FlowModel(model, tree(useEma ? "ema" : "params"));
}

/** Restores a flow train state from `flowTrainStateToBytes`, ready to continue with `trainFlow`. */
export function flowTrainStateFromBytes(bytes: CheckpointBytes, overrides: Partial<TrainOptions> = {}): FlowTrainState {
  return flowTrainStateFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", overrides);
}

/** The flow for sampling/evaluation from checkpoint bytes: EMA weights when the run used EMA (unless `ema: false`). */
export function flowModelFromBytes(bytes: CheckpointBytes, opts: { ema?: boolean } = {}): FlowModel {
  return flowModelFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", opts);
}
