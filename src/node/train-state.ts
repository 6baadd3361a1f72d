/**
 * Train states and models of either family ⇄ checkpoint directories (Node): the core's one checkpoint reader and
 * writer (train/checkpoint.ts), written atomically by `saveCheckpoint` and read back by `loadCheckpoint` (which
 * also recovers from an interrupted save). Loads expect flow matching unless `kind` says otherwise ("any" returns
 * whichever the directory holds); the flow-specific names are the same functions with kind "normalizing-flow".
 *
 * @example
 * ```ts
 * import { createTrainState, train, openDataSource, saveTrainState, loadModel } from "flowmatch/node";
 * const state = train(createTrainState(config, { steps: 1000 }), openDataSource("moons"), {
 *   onCheckpoint: (s) => saveTrainState("runs/moons", s),
 * });
 * using model = loadModel("runs/moons");                       // a VelocityModel
 * using any = loadModel("runs/whatever", { kind: "any" });     // VelocityModel | Flow, by config.json's kind
 * ```
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_FILE } from "../io/checkpoint.js";
import {
  runStateFiles, trainStateFromFiles, modelFromFiles, isFlowConfig,
  type AnyTrainState, type KindWanted, type LoadOptions, type LoadModelOptions, type LoadFlowOptions, type StateOf, type ModelOf,
} from "../train/checkpoint.js";
import type { FlowTrainState } from "../train/flow-trainer.js";
import type { TrainOptions } from "../train/options.js";
import type { FlowModel } from "../flows/model.js";
import { saveCheckpoint, loadCheckpoint } from "./checkpoint-dir.js";

/** Writes the full train state (either family) atomically to `dir` (config.json + weights.safetensors). */
export function saveTrainState(dir: string, s: AnyTrainState): void {
  saveCheckpoint(dir, runStateFiles(s as never));
}

/** Restores a train state saved by `saveTrainState`, ready to continue with `train` (or `trainFlow` for `kind: "normalizing-flow"`). */
export function loadTrainState<K extends KindWanted = "flow-matching">(dir: string, overrides: Partial<TrainOptions> = {}, o: LoadOptions<K> = {}): StateOf<K> {
  return trainStateFromFiles(loadCheckpoint(dir), dir, overrides, o);
}

/** Loads the model for sampling/evaluation: EMA weights when the run used EMA, else the raw parameters. */
export function loadModel<K extends KindWanted = "flow-matching">(dir: string, opts: LoadModelOptions<K> = {}): ModelOf<K> {
  return modelFromFiles(loadCheckpoint(dir), dir, opts);
}

/** `saveTrainState` for a flow. */
export const saveFlowTrainState: (dir: string, s: FlowTrainState) => void = saveTrainState;

/** `loadTrainState` with kind "normalizing-flow"; a custom flow needs `{ structure }`. */
export function loadFlowTrainState(dir: string, overrides: Partial<TrainOptions> = {}, o: LoadFlowOptions = {}): FlowTrainState & Disposable {
  return loadTrainState(dir, overrides, { ...o, kind: "normalizing-flow" });
}

/**
 * `loadModel` with kind "normalizing-flow": EMA weights when the run used EMA (unless `ema: false`). A hand-built
 * flow (config arch "custom") needs `structure`: a flow with the same layers, whose parameters are not touched.
 */
export function loadFlowModel(dir: string, opts: { ema?: boolean } & LoadFlowOptions = {}): FlowModel {
  return loadModel(dir, { ...opts, kind: "normalizing-flow" });
}

/** True when `dir/config.json` describes a normalizing flow (cheap: reads only the JSON; false on any problem). */
export function isFlowCheckpoint(dir: string): boolean {
  try {
    return isFlowConfig(JSON.parse(readFileSync(join(dir, CONFIG_FILE), "utf8")));
  } catch {
    return false;
  }
}
