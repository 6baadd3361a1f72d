/**
 * Flow train state ⇄ checkpoint directory, in the same layout as flow-matching checkpoints (checkpoint.ts):
 * config.json (format, library, `model` = the FlowConfig with kind "normalizing-flow" — including
 * `actnormInitialized` and the LU seeds —, train options, step, rng state, losses, dtype) and weights.safetensors
 * with params.*, ema.*, opt.m.*, opt.v.*, written atomically by saveCheckpoint.
 *
 * Loading rebuilds the parameter tree's structure from the config (see `treeFromTensors`), so empty containers (a
 * parameter-free base or layer) survive the round trip.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { np, treeDispose } from "../engine/index.js";
import { loadCheckpoint, CONFIG_FILE } from "../io/index.js";
import { CheckpointError } from "../errors.js";
import { resolveFlowConfig, type FlowConfig } from "../flows/architectures.js";
import { FlowModel, type FlowParams } from "../flows/model.js";
import type { FlowTrainState } from "./flow-trainer.js";
import type { TrainOptions } from "./options.js";
import { FORMAT, saveRunState, restoreRunState } from "./checkpoint.js";
import { treeSkeleton, treeFromTensors } from "../model/host.js";

interface FlowConfigJson {
  format: string;
  formatVersion: number;
  library: string;
  model: FlowConfig;
  train: { options: TrainOptions; step: number; rngState: number[]; losses: number[] };
  dtype: "float32" | "float64";
}

/** True when `dir/config.json` describes a normalizing flow (cheap: reads only the JSON; false on any problem). */
export function isFlowCheckpoint(dir: string): boolean {
  try {
    const c = JSON.parse(readFileSync(join(dir, CONFIG_FILE), "utf8")) as { model?: { kind?: string } };
    return c?.model?.kind === "normalizing-flow";
  } catch {
    return false;
  }
}

/** Writes the full train state atomically to `dir` (the shared checkpoint layout). */
export function saveFlowTrainState(dir: string, s: FlowTrainState): void {
  saveRunState(dir, s);
}

function readFlow(dir: string) {
  const ck = loadCheckpoint(dir);
  const c = ck.config as unknown as FlowConfigJson;
  if (c.format !== FORMAT || c.model?.kind !== "normalizing-flow")
    throw new CheckpointError(`${dir}/config.json: not a flowmatch normalizing-flow checkpoint`);
  let model: FlowConfig;
  try {
    model = resolveFlowConfig(c.model);
  } catch (e) {
    throw new CheckpointError(`${dir}/config.json: bad model config (${(e as Error).message})`);
  }
  const dtype = c.dtype === "float64" ? np.float64 : np.float32;
  const template = FlowModel.init(model, dtype);
  const skel = treeSkeleton(template.params);
  treeDispose(template.params);
  const tree = (prefix: string) => treeFromTensors(skel, ck.tensors, prefix, dtype, dir) as FlowParams;
  const has = (prefix: string) => Object.keys(ck.tensors).some((k) => k.startsWith(`${prefix}.`));
  return { c, model, tree, has };
}

/** Restores a train state saved by `saveFlowTrainState`, ready to continue with `trainFlow`. */
export function loadFlowTrainState(dir: string, overrides: Partial<TrainOptions> = {}): FlowTrainState {
  const { c, model, tree } = readFlow(dir);
  return restoreRunState(model, c.train, tree, overrides);
}

/** Loads the flow for sampling/evaluation: EMA weights when the run used EMA (unless `ema: false`). */
export function loadFlowModel(dir: string, opts: { ema?: boolean } = {}): FlowModel {
  const { c, model, tree, has } = readFlow(dir);
  const useEma = (opts.ema ?? (c.train?.options?.emaDecay ?? 0) > 0) && has("ema");
  return new FlowModel(model, tree(useEma ? "ema" : "params"));
}
