/**
 * Training of velocity-field models — flow matching or CNF maximum likelihood (see objectives.ts): a jit-compiled
 * step (loss, gradient, clipping, Adam(W), EMA) fed with host-drawn batches. Everything random — data, noise x0,
 * times t, Hutchinson probes — comes from one host `Rng` whose state is checkpointed, so a resumed run continues
 * exactly the stream (and loss curve) of an uninterrupted one.
 */
import {
  np, Rng, adamScalars, emaDecayAt, makeSchedule,
  treeCopy, treeZerosLike, treeLeaves, type Array, type DType,
} from "../engine/index.js";
import { makeObjective } from "./objectives.js";
import { makeOptimizerStep, makeUpdateStep, disposeStep, type OptimizerStep } from "./step.js";
import { dataParallelFactory, type DataParallelFactory } from "./data-parallel.js";
import { condEmbedWidth } from "../model/conditioning.js";
import { VelocityModel, type ModelConfig, type ModelParams } from "../model/velocity-model.js";
import type { DataSource } from "./data-source.js";
import { disposableState, disposeRunState } from "./disposable.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";

/**
 * Everything a run needs to continue: weights, EMA, Adam moments, step, RNG stream, options. The four parameter
 * trees share the model's pytree structure (`{ net, embed? }`, whatever the network).
 */
export interface TrainState {
  config: ModelConfig;
  options: TrainOptions;
  params: ModelParams;
  ema: ModelParams;
  m: ModelParams;
  v: ModelParams;
  /** Steps completed. */
  step: number;
  rng: Rng;
  /** Loss at each completed step (index = step − 1). */
  losses: number[];
}

export interface Progress {
  step: number;
  steps: number;
  loss: number;
  /** Mean loss of the last ≤100 steps. */
  avgLoss: number;
  lr: number;
  stepsPerSec: number;
  etaSec: number;
}

export interface TrainRunOptions {
  onProgress?: (p: Progress) => void;
  /** Called every `options.checkpointEvery` steps and at the end (e.g. to save). */
  onCheckpoint?: (s: TrainState) => void;
  /** Stop after this step even if `options.steps` is larger (to test resuming). */
  stopAt?: number;
  /** How often (steps) to call onProgress; default 10. */
  progressEvery?: number;
  /** Data-parallel gradients for `options.workers > 1`; default: the registered one (worker threads in flowmatch/node). */
  parallel?: DataParallelFactory;
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
  return disposableState({
    config, options: o, params, ema: treeCopy(params), m: treeZerosLike(params), v: treeZerosLike(params),
    step: 0, rng: new Rng((o.seed ^ 0x5bd1e995) >>> 0), losses: [],
  });
}

/**
 * Runs (or continues) training on `data` until `options.steps`. Mutates and returns `state` (its arrays are
 * replaced step by step; the old ones are freed). `data` is plain host data.
 *
 * @example
 * ```ts
 * using state = createTrainState({ kind: "flow-matching", net: defaultMlpConfig(2), path: "condot" }, { steps: 2000 });
 * train(state, openDataSource("moons"), { onProgress: (p) => console.log(p.step, p.avgLoss) });
 * ```
 */
export function train(state: TrainState, data: DataSource, run: TrainRunOptions = {}): TrainState {
  const o = state.options;
  const cfg = state.config;
  if (data.dim !== cfg.net.dim) throw new Error(`data has dimension ${data.dim}, model ${cfg.net.dim}`);
  const dtype = treeLeaves(state.params)[0]!.dtype;
  const lrAt = makeSchedule({ kind: o.schedule, lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLr: o.minLr });

  const parallel = o.workers > 1 ? dataParallelFactory(run.parallel) : undefined; // fails before anything is allocated
  const objective = makeObjective(cfg, o, dtype);
  const step = parallel ? dataParallelStep(state, objective.loss, dtype, parallel) : makeOptimizerStep(objective.loss, o);

  const last = Math.min(o.steps, run.stopAt ?? o.steps);
  const every = run.progressEvery ?? 10;
  const t0 = performance.now();
  const startStep = state.step;
  try {
    while (state.step < last) {
      const k = state.step + 1;
      const inputs = objective.draw(state.rng, data, state.params);
      const lr = lrAt(k);
      const s = adamScalars(k, lr, {}, dtype);
      const decay = o.emaDecay > 0 ? emaDecayAt(k, o.emaDecay) : 0;
      const out = step(
        state.params, state.ema, state.m, state.v, inputs,
        s.lr, s.bc1, s.bc2, np.array(decay, { dtype }),
      ) as unknown as [ModelParams, ModelParams, ModelParams, ModelParams, Array];
      [state.params, state.ema, state.m, state.v] = out;
      const loss = out[4].item();
      state.losses.push(loss);
      state.step = k;
      if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${k}; try a lower --lr`);
      if (run.onProgress && (k % every === 0 || k === last)) {
        const elapsed = (performance.now() - t0) / 1000;
        const rate = (k - startStep) / Math.max(elapsed, 1e-9);
        run.onProgress({
          step: k, steps: o.steps, loss, avgLoss: recentLoss(state), lr,
          stepsPerSec: rate, etaSec: (last - k) / rate,
        });
      }
      if (run.onCheckpoint && ((o.checkpointEvery > 0 && k % o.checkpointEvery === 0) || k === last)) run.onCheckpoint(state);
    }
  } finally {
    disposeStep(step);
    objective.dispose();
  }
  return state;
}

/** An `OptimizerStep` whose gradient is computed on `options.workers` threads (see data-parallel.ts). */
function dataParallelStep(
  state: TrainState, loss: (p: ModelParams, i: Array[]) => Array, dtype: DType, parallel: DataParallelFactory,
): OptimizerStep<ModelParams, Array[]> {
  const grads = parallel(state.config, state.options, dtype, state.params, loss);
  const update = makeUpdateStep<ModelParams>(state.options, grads.weights);
  const step = (params: ModelParams, ema: ModelParams, m: ModelParams, v: ModelParams, inputs: Array[], lr: Array, bc1: Array, bc2: Array, decay: Array) => {
    const [l, parts] = grads.lossAndGradParts(params, inputs);
    return [...update(params, ema, m, v, parts, lr, bc1, bc2, decay), np.array(l, { dtype })] as [ModelParams, ModelParams, ModelParams, ModelParams, Array];
  };
  return Object.assign(step, { dispose: () => (grads.dispose(), disposeStep(update)) });
}

/** Mean loss of the last ≤100 completed steps (NaN before the first). */
export function recentLoss(state: TrainState): number {
  const recent = state.losses.slice(-100);
  return recent.reduce((a, b) => a + b, 0) / recent.length;
}

/** The model to sample from: the EMA weights when EMA is on (copied, owned by the caller; the state keeps its own). */
export function modelFromState(state: TrainState): VelocityModel {
  return new VelocityModel(state.config, treeCopy(state.options.emaDecay > 0 ? state.ema : state.params));
}

/** Frees the state's arrays (what `using` does; calling both is safe). */
export function disposeTrainState(state: TrainState): void {
  disposeRunState(state);
}
