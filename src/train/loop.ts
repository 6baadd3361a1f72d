/**
 * The one training loop of both families: a jit-compiled step (loss and gradient, global-norm clipping, Adam(W),
 * EMA; step.ts) under a learning-rate schedule, fed by an objective that draws each step's inputs from the run's
 * host `Rng`. The rng state is checkpointed with the weights, so a resumed run continues exactly the stream (and the
 * loss curve) of an uninterrupted one. What differs between flow matching, CNF maximum likelihood and discrete-flow
 * maximum likelihood is only the objective (objectives.ts, flow-objective.ts).
 *
 * ```ts
 * const state = createTrainState(config, { steps: 1000 });        // or createFlowTrainState(flow)
 * fit(state, makeObjective(state.config, state.options, np.float32), openDataSource("moons"), {
 *   onProgress: (p) => console.log(p.step, p.avgLoss),
 * });
 * ```
 */
import { disposeRunState } from "./disposable.js";
import { np, Rng, adamScalars, emaDecayAt, makeSchedule, treeDispose, treeLeaves, treeRef, type Array, type DType, type Tree } from "../engine/index.js";
import { makeOptimizerStep, makeUpdateStep, disposeStep, type OptimizerStep } from "./step.js";
import { dataParallelFactory, type DataParallelFactory } from "./data-parallel.js";
import { OptionError } from "../errors.js";
import { divergenceError } from "./divergence.js";
import type { ModelConfig, ModelParams } from "../fm/velocity-model.js";
import type { DataSource } from "../data/data-source.js";
import type { TrainOptions } from "./options.js";

/**
 * Everything a run needs to continue: the model's config, weights, EMA, Adam moments, step, RNG stream, options
 * and loss history. The four parameter trees share one pytree structure. Both families use it: flow matching as
 * `TrainState` (= `TrainState<ModelConfig, ModelParams>`), normalizing flows as `FlowTrainState`.
 */
export interface TrainState<C = ModelConfig, P extends Tree = ModelParams> {
  config: C;
  options: TrainOptions;
  params: P;
  ema: P;
  m: P;
  v: P;
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

export interface TrainRunOptions<S = TrainState> {
  onProgress?: (p: Progress) => void;
  /** Called every `options.checkpointEvery` steps and at the end (e.g. to save). */
  onCheckpoint?: (s: S) => void;
  /** Stop after this step even if `options.steps` is larger (to test resuming). */
  stopAt?: number;
  /** How often (steps) to call onProgress; default 10. */
  progressEvery?: number;
  /** Data-parallel gradients for `options.workers > 1`; default: the registered one (worker threads in flowmatch/node). */
  parallel?: DataParallelFactory;
}

/** What the loop trains: inputs drawn from the run's rng, and a traceable loss of (params, inputs). */
export interface TrainObjective<P extends Tree, I> {
  /** Checks that `data` fits the model (dimension, conditions); throws a one-line error. */
  check?(data: DataSource): void;
  /** A one-time hook before the first step of each `fit` (e.g. ActNorm's data init); may draw from `state.rng`. */
  prepare?(state: TrainState<unknown, P>, data: DataSource): void;
  /** The step's inputs (owned arrays), drawn from `rng` only. `params` is borrowed. */
  draw(rng: Rng, data: DataSource, params: P): I;
  /** Traceable scalar loss; consumes `inputs`, not `params`. */
  loss(params: P, inputs: I): Array;
  /** The config worker threads rebuild this objective from (flow matching); without it `workers > 1` is refused. */
  workerConfig?: ModelConfig;
  /** A name for messages ("flow matching", "normalizing-flow maximum likelihood", …). */
  name?: string;
  dispose(): void;
}

/** The dtype of a parameter tree (its first leaf). */
export function treeDtype(t: Tree): DType {
  return treeLeaves(t)[0]?.dtype ?? np.float32;
}

/**
 * Runs (or continues) training of `state` with `objective` on `data` until `options.steps` (or `run.stopAt`).
 * Mutates and returns `state`; takes ownership of `objective` (disposed at the end). A NaN/Inf loss stops the run
 * with a `DivergenceError` after recording it, naming the likely cause (divergence.ts).
 */
export function fit<C, P extends Tree, I, S extends TrainState<C, P>>(
  state: S, objective: TrainObjective<P, I>, data: DataSource, run: TrainRunOptions<S> = {},
): S {
  const o = state.options;
  let step: OptimizerStep<P, I> | undefined;
  try {
    objective.check?.(data);
    const parallel = o.workers > 1 ? parallelFactory(objective, run) : undefined; // fails before anything is allocated
    objective.prepare?.(state, data);
    const dtype = treeDtype(state.params);
    const lrAt = makeSchedule({ kind: o.schedule, lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLr: o.minLr });
    step = parallel
      ? dataParallelStep(state as unknown as TrainState<unknown, ModelParams>, objective as unknown as TrainObjective<ModelParams, Array[]>, dtype, parallel) as unknown as OptimizerStep<P, I>
      : makeOptimizerStep(objective.loss, o);
    const last = Math.min(o.steps, run.stopAt ?? o.steps);
    const every = run.progressEvery ?? 10;
    const t0 = performance.now();
    const startStep = state.step;
    while (state.step < last) {
      const k = state.step + 1;
      const inputs = objective.draw(state.rng, data, state.params);
      const lr = lrAt(k);
      const s = adamScalars(k, lr, {}, dtype);
      const decay = o.emaDecay > 0 ? emaDecayAt(k, o.emaDecay) : 0;
      // The first step's loss is of the weights this run started from: kept (a reference, no copy) for the diagnosis.
      const before = k === startStep + 1 ? treeRef(state.params) : undefined;
      const out = step(state.params, state.ema, state.m, state.v, inputs, s.lr, s.bc1, s.bc2, np.array(decay, { dtype }));
      [state.params, state.ema, state.m, state.v] = out;
      const loss = out[4].item();
      state.losses.push(loss);
      state.step = k;
      try {
        if (!Number.isFinite(loss)) throw divergenceError({ loss, step: k, firstStep: startStep + 1, options: o, params: before ?? state.params, data });
      } finally {
        if (before) treeDispose(before);
      }
      if (run.onProgress && (k % every === 0 || k === last)) {
        const elapsed = (performance.now() - t0) / 1000;
        const rate = (k - startStep) / Math.max(elapsed, 1e-9);
        run.onProgress({ step: k, steps: o.steps, loss, avgLoss: recentLoss(state), lr, stepsPerSec: rate, etaSec: (last - k) / rate });
      }
      if (run.onCheckpoint && ((o.checkpointEvery > 0 && k % o.checkpointEvery === 0) || k === last)) run.onCheckpoint(state);
    }
  } finally {
    if (step) disposeStep(step);
    objective.dispose();
  }
  return state;
}

function parallelFactory<P extends Tree, I, S>(objective: TrainObjective<P, I>, run: TrainRunOptions<S>): DataParallelFactory {
  if (!objective.workerConfig)
    throw new OptionError(`workers > 1: data-parallel training is for flow matching only; ${objective.name ?? "this objective"} trains in one thread (use workers 1)`);
  return dataParallelFactory(run.parallel);
}

/** An `OptimizerStep` whose gradient is computed on `options.workers` threads (see data-parallel.ts). */
function dataParallelStep(
  state: TrainState<unknown, ModelParams>, objective: TrainObjective<ModelParams, Array[]>, dtype: DType, parallel: DataParallelFactory,
): OptimizerStep<ModelParams, Array[]> {
  const grads = parallel(objective.workerConfig!, state.options, dtype, state.params, objective.loss);
  const update = makeUpdateStep<ModelParams>(state.options, grads.weights);
  const step = (params: ModelParams, ema: ModelParams, m: ModelParams, v: ModelParams, inputs: Array[], lr: Array, bc1: Array, bc2: Array, decay: Array) => {
    const [l, parts] = grads.lossAndGradParts(params, inputs);
    return [...update(params, ema, m, v, parts, lr, bc1, bc2, decay), np.array(l, { dtype })] as [ModelParams, ModelParams, ModelParams, ModelParams, Array];
  };
  return Object.assign(step, { dispose: () => (grads.dispose(), disposeStep(update)) });
}

/** Mean loss of the last ≤100 completed steps (NaN before the first). */
export function recentLoss(state: { losses: number[] }): number {
  const recent = state.losses.slice(-100);
  return recent.reduce((a, b) => a + b, 0) / recent.length;
}

/** Frees the four parameter trees of a train state (either family): what `using` does; calling both is safe. */
export function disposeTrainState(state: TrainState<unknown, Tree>): void {
  disposeRunState(state);
}
