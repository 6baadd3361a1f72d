/** The Node layer beyond the main entry points (`files` in flowmatch/node): data files, checkpoint directories, worker threads. */
export { loadCsv, builtinDataPath, BUILTIN_DATASETS } from "./csv.js";
export { saveCheckpoint, loadCheckpoint, checkpointExists, writeFileAtomic } from "./checkpoint-dir.js";
export { openDataSource, openFlowData } from "./data.js";
export { ParallelGrads, workerThreadGrads } from "./parallel.js";
export { isFlowCheckpoint } from "./train-state.js";
