/**
 * Training: options, objectives, the two trainers, checkpoints as bytes and the data-parallel hook. The root entry
 * re-exports the main entry points; this namespace (`training` there) holds the rest.
 */
export { openDataSource, type DataSource, type DataSourceOptions, type CondSpec } from "../data/data-source.js";
export { defaultTrainOptions, resolveTrainOptions, defaultMleOptions, type TrainOptions, type TimeSampling, type MleOptions, type Objective as ObjectiveName } from "./options.js";
export { createTrainState, train, modelFromState, disposeTrainState, recentLoss, type TrainState, type Progress, type TrainRunOptions } from "./trainer.js";
export { trainStateToBytes, trainStateFromBytes, modelFromBytes, LIBRARY_VERSION } from "./checkpoint.js";
export { registerDataParallel, type DataParallel, type DataParallelFactory } from "./data-parallel.js";
export { makeObjective, type Objective } from "../fm/objectives.js";
export { createFlowTrainState, trainFlow, flowModelFromState, disposeFlowTrainState, recentFlowLoss, type FlowTrainState, type FlowRunOptions } from "./flow-trainer.js";
export { flowTrainStateToBytes, flowTrainStateFromBytes, flowModelFromBytes, type LoadFlowOptions, type FlowStructure } from "./flow-checkpoint.js";
export { disposeRunState } from "./disposable.js";
export { fit, treeDtype, type TrainObjective } from "./loop.js";
export { flowMleObjective } from "../flows/objective.js";
export { openData, type DataOptions, type Conds } from "../data/source.js";
export { testReport, type TestReport } from "../metrics/report.js";
export { type AnyTrainState, type AnyModel, type LoadOptions, type LoadModelOptions } from "./checkpoint.js";
