/**
 * flowmatch: flow matching, CNFs and normalizing flows in TypeScript. t = 0 is noise, t = 1 is data.
 *
 * This entry is the isomorphic core: it imports no Node built-in, so it bundles for browsers. Files (CSV paths,
 * checkpoint directories) and worker threads live in `flowmatch/node`, which re-exports everything here.
 */
export * from "./errors.js";
export * from "./engine/index.js";
export * from "./nets/index.js";
export * from "./paths/index.js";
export * from "./solvers/index.js";
export * from "./data/index.js";
export * from "./io/index.js";
export * from "./plot/index.js";
export { VelocityModel, type ModelConfig } from "./model/velocity-model.js";
export { treeToHost, treeFromHost } from "./model/host.js";
export { sample, invert, type SampleOptions, type SampleResult } from "./sample.js";
export { openDataSource, type DataSource, type DataSourceOptions, type CondSpec } from "./train/data-source.js";
export { defaultTrainOptions, resolveTrainOptions, type TrainOptions, type TimeSampling } from "./train/options.js";
export { createTrainState, train, modelFromState, disposeTrainState, type TrainState, type Progress, type TrainRunOptions } from "./train/trainer.js";
export { fit, type TrainObjective } from "./train/loop.js";
export { flowMleObjective } from "./train/flow-objective.js";
export { trainStateToBytes, trainStateFromBytes, modelFromBytes, LIBRARY_VERSION, type AnyTrainState, type AnyModel, type LoadOptions, type LoadModelOptions } from "./train/checkpoint.js";
export type { DensityModel, DensityOptions, ModelKind } from "./model/density-model.js";
export { openData, type DataOptions, type Conds } from "./train/data.js";
export { testReport, type TestReport } from "./train/report.js";
export { registerDataParallel, type DataParallel, type DataParallelFactory } from "./train/data-parallel.js";
export * from "./likelihood/index.js";
export * from "./metrics/index.js";
export * from "./pairing/index.js";
export { createMatcher, type Matcher, type MatcherOptions, type MatcherSample } from "./fm/index.js";
export { evaluate, evaluable, type Evaluable, type EvalData, type EvalOptions, type EvalReport } from "./evaluate.js";
export { generatePairs, pairedSource, straightness, type ReflowPairs } from "./reflow.js";
export * from "./model/conditioning.js";
export { networkApply, PREDICTION_T_EPS, type ModelParams } from "./model/velocity-model.js";
export { makeObjective, type Objective } from "./train/objectives.js";
export { defaultMleOptions, type MleOptions } from "./train/options.js";
export * as flows from "./flows/index.js";
export { Flow, FlowModel, FLOW_ARCHS, buildFlow, resolveFlowConfig, type FlowConfig, type FlowArch, type FlowModelConfig } from "./flows/index.js";
export { createFlowTrainState, trainFlow, flowModelFromState, disposeFlowTrainState, type FlowTrainState } from "./train/flow-trainer.js";
export { flowTrainStateToBytes, flowTrainStateFromBytes, flowModelFromBytes } from "./train/flow-checkpoint.js";
