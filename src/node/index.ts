/**
 * flowmatch/node: the core (`flowmatch`, re-exported here in full) plus what needs Node: CSV files and built-in
 * data sets, checkpoint directories, and worker threads for data-parallel training. Importing this entry
 * registers the worker threads, so `options.workers > 1` works in `train`.
 *
 * @example
 * ```ts
 * import { initEngine, createTrainState, train, openDataSource, saveTrainState, loadModel, defaultMlpConfig } from "flowmatch/node";
 * await initEngine();
 * const data = openDataSource("points.csv"); // a CSV path, a built-in data set ("digits") or a toy name
 * const config = { kind: "flow-matching", net: defaultMlpConfig(data.dim), path: "condot", standardizer: data.standardizer } as const;
 * using state = train(createTrainState(config, { steps: 2000, workers: 4 }), data, { onCheckpoint: (s) => saveTrainState("runs/points", s) });
 * using model = loadModel("runs/points"); // freed at the end of the scope
 * ```
 *
 * Beyond these names, `files` holds the rest of the Node layer (builtinDataPath, checkpoint directories,
 * writeFileAtomic, worker-thread gradients).
 */
import { registerDataParallel } from "../train/data-parallel.js";
import { registerOnnxProbe } from "../engine/jax.js";
import { loadOrt } from "../onnx/runtime.js";
import { workerThreadGrads } from "./parallel.js";

export * from "../index.js";
export { openDataSource } from "./data.js";
export { loadCsv } from "./csv.js";
export {
  saveTrainState, loadTrainState, loadModel,
  saveFlowTrainState, loadFlowTrainState, loadFlowModel,
} from "./train-state.js";
/** The rest of the Node layer: built-in data files, checkpoint directories, atomic writes, worker threads. */
export * as files from "./files.js";

registerDataParallel(workerThreadGrads);
// initEngine({ backend: "auto" | "onnx" }) looks for ONNX Runtime (an optional dependency, loaded only then).
registerOnnxProbe(() => loadOrt().then(() => true, () => false));
