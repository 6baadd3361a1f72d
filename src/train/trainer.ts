/**
 * Training of velocity-field models — flow matching or CNF maximum likelihood (objectives.ts) — through the one
 * loop (loop.ts). Everything random — data, noise x0, times t, Hutchinson probes — comes from the state's host
 * `Rng`, whose state is checkpointed, so a resumed run continues exactly the stream of an uninterrupted one.
 *
 * ```ts
 * const state = train(createTrainState(config, { steps: 1000 }), openDataSource("moons"));
 * using model = modelFromState(state);
 * disposeTrainState(state);
 * ```
 */
import { np, Rng, treeCopy, treeZerosLike } from "../engine/index.js";
import { makeObjective } from "../fm/objectives.js";
import { condEmbedWidth } from "../fm/conditioning.js";
import { VelocityModel, type ModelConfig } from "../fm/velocity-model.js";
import type { DataSource } from "../data/data-source.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";
import { fit, treeDtype, type TrainState, type TrainRunOptions } from "./loop.js";
import { disposableState } from "./disposable.js";

export { recentLoss, disposeTrainState, type TrainState, type Progress, type TrainRunOptions } from "./loop.js";

/** The rng stream of a run, derived from its seed (the same for both families). */
export function runRng(seed: number): Rng {
  return new Rng((seed ^ 0x5bd1e995) >>> 0);
}

/**
 * A fresh run: parameters initialized from the seed; the RNG stream derived from it. The state owns its arrays:
 * hold it with `using` (or call `disposeTrainState`).
 *
 * @example
 * ```ts
 * using state = createTrainState({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, { steps: 1000 });
 * train(state, openDataSource("8gaussians"));
 * using model = modelFromState(state);
 * ```
 */
export function createTrainState(config: ModelConfig, options: Partial<TrainOptions> = {}, dtype = np.float32): TrainState & Disposable {
  const o = resolveTrainOptions(options);
  // A conditional model's network takes the condition embedding as an extra input: size it from the condition.
  if (config.cond) config = { ...config, net: { ...config.net, condWidth: condEmbedWidth(config.cond) } };
  const model = VelocityModel.init(config, o.seed, dtype);
  const params = model.params;
  return disposableState({ config, options: o, params, ema: treeCopy(params), m: treeZerosLike(params), v: treeZerosLike(params), step: 0, rng: runRng(o.seed), losses: [] });
}

/**
 * Runs (or continues) training on `data` until `options.steps` with the objective `options.objective` (fm or mle).
 * Mutates and returns `state` (its arrays are replaced step by step; the old ones are freed).
 *
 * @example
 * ```ts
 * using state = createTrainState({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, { steps: 2000 });
 * train(state, openDataSource("moons"), { onProgress: (p) => console.log(p.step, p.avgLoss) });
 * ```
 */
export function train(state: TrainState, data: DataSource, run: TrainRunOptions = {}): TrainState {
  return fit(state, makeObjective(state.config, state.options, treeDtype(state.params)), data, run);
}

/** The model to sample from: the EMA weights when EMA is on (copied, owned by the caller; the state keeps its own). */
export function modelFromState(state: TrainState): VelocityModel {
  return new VelocityModel(state.config, treeCopy(state.options.emaDecay > 0 ? state.ema : state.params));
}
