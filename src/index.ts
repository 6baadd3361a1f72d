/** flowmatch: flow matching, CNFs and normalizing flows in TypeScript. t = 0 is noise, t = 1 is data. */
export * from "./errors.js";
export * from "./engine/index.js";
export * from "./nn/index.js";
export * from "./paths/index.js";
export * from "./solvers/index.js";
export * from "./data/index.js";
export * from "./io/index.js";
export * from "./plot/index.js";
export { VelocityModel, type ModelConfig } from "./model/velocity-model.js";
export { treeToHost, treeFromHost } from "./model/host.js";
export { sample, invert, type SampleOptions, type SampleResult } from "./sample.js";
export { openDataSource, type DataSource } from "./train/data-source.js";
export { defaultTrainOptions, resolveTrainOptions, type TrainOptions, type TimeSampling } from "./train/options.js";
export { createTrainState, train, modelFromState, disposeTrainState, type TrainState, type Progress, type TrainRunOptions } from "./train/trainer.js";
export { saveTrainState, loadTrainState, loadModel, LIBRARY_VERSION } from "./train/checkpoint.js";
