/**
 * The flow-specific names of the one checkpoint reader/writer (checkpoint.ts), kept for existing code: each is the
 * shared function with `kind: "normalizing-flow"`.
 */
import type { CheckpointBytes, CheckpointFiles } from "../io/index.js";
import type { Flow } from "../flows/model.js";
import type { FlowTrainState } from "./flow-trainer.js";
import type { TrainOptions } from "./options.js";
import { trainStateToBytes, trainStateFromFiles, modelFromFiles, trainStateFromBytes, modelFromBytes, type LoadFlowOptions } from "./checkpoint.js";

export { isFlowConfig, type FlowStructure, type LoadFlowOptions } from "./checkpoint.js";

const FLOW = { kind: "normalizing-flow" } as const;

/** `trainStateToBytes` for a flow train state. */
export const flowTrainStateToBytes: (s: FlowTrainState) => CheckpointBytes = trainStateToBytes;

export function flowTrainStateFromFiles(ck: CheckpointFiles, dir = "", overrides: Partial<TrainOptions> = {}, o: LoadFlowOptions = {}): FlowTrainState & Disposable {
  return trainStateFromFiles(ck, dir, overrides, { ...o, ...FLOW });
}
export function flowModelFromFiles(ck: CheckpointFiles, dir = "", o: { ema?: boolean } & LoadFlowOptions = {}): Flow {
  return modelFromFiles(ck, dir, { ...o, ...FLOW });
}
export function flowTrainStateFromBytes(bytes: CheckpointBytes, overrides: Partial<TrainOptions> = {}, o: LoadFlowOptions = {}): FlowTrainState & Disposable {
  return trainStateFromBytes(bytes, overrides, { ...o, ...FLOW });
}
export function flowModelFromBytes(bytes: CheckpointBytes, o: { ema?: boolean } & LoadFlowOptions = {}): Flow {
  return modelFromBytes(bytes, { ...o, ...FLOW });
}
