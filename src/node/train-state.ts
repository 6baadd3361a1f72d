/**
 * Train states and models ⇄ checkpoint directories (Node): the core's checkpoint contents, written atomically by
 * `saveCheckpoint` and read back by `loadCheckpoint` (which also recovers from an interrupted save).
 *
 * @example
 * ```ts
 * import { createTrainState, train, openDataSource, saveTrainState, loadModel } from "flowmatch/node";
 * using state = train(createTrainState(config, { steps: 1000 }), openDataSource("moons"), {
 *   onCheckpoint: (s) => saveTrainState("runs/moons", s),
 * });
 * using model = loadModel("runs/moons");
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILE } from "../io/checkpoint.js";
import { runStateFiles, trainStateFromFiles, modelFromFiles } from "../train/checkpoint.js";
import { isFlowConfig, flowTrainStateFromFiles, flowModelFromFiles, type LoadFlowOptions } from "../train/flow-checkpoint.js";
import type { TrainState } from "../train/trainer.js";
import type { FlowTrainState } from "../train/flow-trainer.js";
import type { TrainOptions } from "../train/options.js";
import type { VelocityModel } from "../model/velocity-model.js";
import type { FlowModel } from "../flows/model.js";
import { saveCheckpoint, loadCheckpoint } from "./checkpoint-dir.js";

/** Writes the full train state atomically to `dir` (config.json + weights.safetensors). */
export function saveTrainState(dir: string, s: TrainState): void {
  saveCheckpoint(dir, runStateFiles(s));
}

/** Restores a train state saved by `saveTrainState`, ready to continue with `train`. */
export function loadTrainState(dir: string, overrides: Partial<TrainOptions> = {}): TrainState & Disposable {
  return trainStateFromFiles(loadCheckpoint(dir), dir, overrides);
}

/** Loads the model for sampling/evaluation: EMA weights when the run used EMA, else the raw parameters. */
export function loadModel(dir: string, opts: { ema?: boolean } = {}): VelocityModel {
  return modelFromFiles(loadCheckpoint(dir), dir, opts);
}

/** Writes the full flow train state atomically to `dir` (the shared checkpoint layout). */
export function saveFlowTrainState(dir: string, s: FlowTrainState): void {
  saveCheckpoint(dir, runStateFiles(s));
}

/** Restores a train state saved by `saveFlowTrainState`, ready to continue with `trainFlow`. */
export function loadFlowTrainState(dir: string, overrides: Partial<TrainOptions> = {}, o: LoadFlowOptions = {}): FlowTrainState & Disposable {
  return flowTrainStateFromFiles(loadCheckpoint(dir), dir, overrides, o);
}

/**
 * Loads the flow for sampling/evaluation: EMA weights when the run used EMA (unless `ema: false`). A hand-built
 * flow (config arch "custom") needs `structure`: a flow with the same layers, whose parameters are not touched.
 */
export function loadFlowModel(dir: string, opts: { ema?: boolean } & LoadFlowOptions = {}): FlowModel {
  return flowModelFromFiles(loadCheckpoint(dir), dir, opts);
}

/** True when `dir/config.json` describes a normalizing flow (cheap: reads only the JSON; false on any problem). */
export function isFlowCheckpoint(dir: string): boolean {
  try {
    return isFlowConfig(JSON.parse(readFileSync(join(dir, CONFIG_FILE), "utf8")));
  } catch {
    return false;
  }
}
