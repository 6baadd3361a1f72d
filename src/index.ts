/**
 * flowmatch: flow matching, CNFs and normalizing flows in TypeScript. t = 0 is noise, t = 1 is data.
 *
 * This entry is the isomorphic core: it imports no Node built-in, so it bundles for browsers. Files (CSV paths,
 * checkpoint directories) and worker threads live in `flowmatch/node`, which re-exports everything here.
 *
 * The root holds the main entry points (at most 120 names, a test counts them); everything else is in a namespace
 * named after its folder: `engine`, `nets`, `paths`, `pairing`, `solvers`, `likelihood`, `metrics`, `data`, `io`,
 * `plot`, `model`, `fm`, `flows`, `training`.
 *
 * Ownership: models and train states own their arrays (dispose them, or hold them with `using`); public functions
 * borrow the arrays they are given and return arrays the caller owns. Building blocks meant for jit/grad code
 * (`VelocityModel.apply`, a bijector's forward/inverse, a network's apply, an `OdeFunc`) follow jax-js's consume
 * rule instead, as their doc comments say.
 *
 * @example
 * ```ts
 * import { initEngine, openDataSource, createTrainState, train, modelFromState, sample, logProb, defaultMlpConfig } from "flowmatch";
 * await initEngine();
 * const data = openDataSource("moons");
 * using state = train(createTrainState({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, { steps: 2000 }), data);
 * using model = modelFromState(state);
 * const { samples } = sample(model, 500, { method: "rk4", steps: 20 });
 * const { logp } = logProb(model, samples);
 * ```
 */
// Namespaces: the whole public surface, by folder.
export * as engine from "./engine/index.js";
export * as nets from "./nets/index.js";
export * as paths from "./paths/index.js";
export * as pairing from "./pairing/index.js";
export * as solvers from "./solvers/index.js";
export * as likelihood from "./likelihood/index.js";
export * as metrics from "./metrics/index.js";
export * as data from "./data/index.js";
export * as io from "./io/index.js";
export * as plot from "./plot/index.js";
export * as model from "./model/index.js";
export * as fm from "./fm/index.js";
export * as flows from "./flows/index.js";
export * as training from "./train/index.js";

// Errors.
export * from "./errors.js";

// The engine: start-up, arrays and the transformations users need to write a network or a bijector.
export {
  initEngine, np, jit, grad, valueAndGrad, jvp, vmap, treeOps, Rng, fromHost, toHostF64,
  treeRef, treeCopy, treeDispose, tanh, type Array, type DType, type Tree,
} from "./engine/index.js";

// Networks and paths.
export { registerNet, getNet, broadcastTime, defaultMlpConfig, type NetConfig, type VelocityNet } from "./nets/index.js";
export { getScheduler } from "./paths/index.js";

// Flow-matching models: the model, sampling, likelihoods, evaluation, the matcher, reflow.
export { VelocityModel, type ModelConfig, type ModelParams, type CondConfig, type DensityModel } from "./model/index.js";
export { sample, invert, type SampleOptions, type SampleResult } from "./fm/sample.js";
export { logProb, sampleWithLogProb, bitsPerDim, type LogProbOptions, type LogProbResult } from "./likelihood/index.js";
export { evaluate, evaluable, testReport, type Evaluable, type EvalOptions, type EvalReport } from "./metrics/evaluate.js";
export { modelFigure } from "./plot/figures.js";
export { createMatcher, type Matcher, type MatcherOptions } from "./fm/index.js";

// Solvers and pairings.
export { odeint, type OdeFunc, type OdeOptions, type OdeResult } from "./solvers/index.js";
export { getPairing, type Pairing } from "./pairing/index.js";

// Data.
export { getToy, type Standardizer } from "./data/index.js";

// Training and checkpoints (bytes; directories are in flowmatch/node).
export {
  openDataSource, defaultTrainOptions, resolveTrainOptions, createTrainState, train, fit, modelFromState, disposeTrainState,
  trainStateToBytes, trainStateFromBytes, modelFromBytes, registerDataParallel, LIBRARY_VERSION,
  type DataSource, type TrainOptions, type TrainState, type Progress, type TrainRunOptions,
} from "./train/index.js";

// Discrete normalizing flows.
export { Flow, FLOW_ARCHS, type FlowConfig, type FlowArch, type FlowModelConfig, type Bijector, type BaseDistribution } from "./flows/index.js";
export {
  createFlowTrainState, trainFlow, flowModelFromState, disposeFlowTrainState,
  flowTrainStateToBytes, flowTrainStateFromBytes, flowModelFromBytes, type FlowTrainState,
} from "./train/index.js";
