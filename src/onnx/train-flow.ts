/**
 * Discrete normalizing flows trained on ONNX Runtime: `trainFlow`'s maximum-likelihood objective (flows/objective.ts:
 * the same ActNorm data init, the same batches from the run's rng) run by the ONNX trainer (train.ts), so the loss
 * curve follows the wasm one to float32 rounding. Every architecture's forward pass and its gradient lower to ONNX
 * (test/onnx/bijectors.test.ts). Node-only, like train.ts: kept out of flow-trainer.ts so that the core stays free
 * of the optional native addon.
 */
import type { DataSource } from "../data/data-source.js";
import { flowMleObjective } from "../flows/objective.js";
import type { FlowRunOptions, FlowTrainState } from "../train/flow-trainer.js";
import { trainOnnxWith } from "./train.js";

/** `trainFlow` on ONNX Runtime: mutates and returns `state` the same way (progress, checkpoints, divergence). */
export function trainFlowOnnx(state: FlowTrainState, data: DataSource, run: FlowRunOptions = {}): Promise<FlowTrainState> {
  return trainOnnxWith(state, flowMleObjective(state, state.options.batch), data, run);
}
