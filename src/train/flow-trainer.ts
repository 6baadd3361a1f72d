/**
 * Maximum-likelihood training of discrete normalizing flows: the one loop (loop.ts) with the flow objective
 * (flow-objective.ts). A flow's train state is the shared `TrainState` plus the flow's structure.
 */
import { disposableState } from "./disposable.js";
import { np, treeCopy, treeZerosLike, type DType } from "../engine/index.js";
import type { FlowConfig, FlowConfigInput } from "../flows/architectures.js";
import type { BaseDistribution } from "../flows/base.js";
import { Flow, type FlowModelConfig, type FlowParams } from "../flows/model.js";
import type { Bijector } from "../flows/types.js";
import type { DataSource } from "../data/data-source.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";
import { fit, recentLoss, disposeTrainState, type TrainState, type TrainRunOptions } from "./loop.js";
import { flowMleObjective } from "../flows/objective.js";
import { runRng } from "./trainer.js";

export interface FlowTrainState extends TrainState<FlowModelConfig, FlowParams> {
  /** The flow's structure (not saved: a named config rebuilds it, a custom one is supplied on load). */
  bijector: Bijector;
  base: BaseDistribution;
}

export type FlowRunOptions = TrainRunOptions<FlowTrainState>;

/**
 * A fresh run: from a named config (parameters drawn from `config.seed`, default `options.seed`) or from a flow you
 * built (its parameters are copied; the flow stays yours). The batch stream comes from `options.seed`.
 *
 * ```ts
 * const flow = new Flow(new flows.Chain([...layers]), new flows.StandardNormal([2]));
 * using state = trainFlow(createFlowTrainState(flow, { steps: 500 }), openDataSource("moons"));
 * using trained = flowModelFromState(state);
 * ```
 */
export function createFlowTrainState(config: FlowConfigInput | FlowConfig | Flow, options: Partial<TrainOptions> = {}, dtype: DType = np.float32): FlowTrainState & Disposable {
  const o = resolveTrainOptions(options);
  let model: Flow;
  let params: FlowParams;
  if (config instanceof Flow) {
    model = config;
    params = treeCopy(config.params);
  } else {
    model = Flow.init({ ...config, seed: config.seed ?? o.seed }, dtype);
    params = model.params;
  }
  return disposableState({
    config: structuredClone(model.config), bijector: model.bijector, base: model.base, options: o, params,
    ema: treeCopy(params), m: treeZerosLike(params), v: treeZerosLike(params), step: 0, rng: runRng(o.seed), losses: [],
  });
}

/** Runs (or continues) maximum-likelihood training until `options.steps`. Mutates and returns `state`. */
export function trainFlow(state: FlowTrainState, data: DataSource, run: FlowRunOptions = {}): FlowTrainState {
  return fit(state, flowMleObjective(state, state.options.batch), data, run);
}

/** Mean loss of the last ≤100 steps (the shared `recentLoss`). */
export const recentFlowLoss: (state: FlowTrainState) => number = recentLoss;

/** The model to use: EMA weights when EMA is on (copied; the state keeps its own). */
export function flowModelFromState(state: FlowTrainState, opts: { ema?: boolean } = {}): Flow {
  const useEma = opts.ema ?? state.options.emaDecay > 0;
  return new Flow(state.bijector, state.base, { config: structuredClone(state.config), params: treeCopy(useEma ? state.ema : state.params) });
}

/** Frees the flow train state's parameter trees (the shared `disposeTrainState`). */
export const disposeFlowTrainState: (state: FlowTrainState) => void = disposeTrainState;
