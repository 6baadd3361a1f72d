/**
 * Maximum-likelihood training of discrete normalizing flows: loss = −mean log p(x) in model units, with the same
 * machinery as the flow-matching trainer (trainer.ts): one jit-compiled step (value and gradient, global-norm
 * clipping, Adam(W), EMA), learning-rate schedule, host-drawn batches from one `Rng` whose state is checkpointed, so
 * a resumed run continues the exact loss curve of an uninterrupted one.
 *
 * ActNorm's data-dependent initialization runs once, on a batch drawn from the run's rng before step 1; the config
 * then records `actnormInitialized`, so resuming or loading never repeats it.
 */
import { makeOptimizerStep, disposeStep } from "./step.js";
import {
  np, Rng, adamScalars, emaDecayAt, makeSchedule,
  fromHost, treeCopy, treeZerosLike, treeDispose, type Array, type DType,
} from "../engine/index.js";
import { buildFlow, needsDataInit, resolveFlowConfig, type FlowConfig, type FlowConfigInput } from "../flows/architectures.js";
import { FlowModel, type FlowParams } from "../flows/model.js";
import { sizeOf } from "../flows/shape.js";
import { ShapeError } from "../errors.js";
import type { DataSource } from "./data-source.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";
import type { Progress, TrainRunOptions } from "./trainer.js";

export interface FlowTrainState {
  config: FlowConfig;
  options: TrainOptions;
  params: FlowParams;
  ema: FlowParams;
  m: FlowParams;
  v: FlowParams;
  /** Steps completed. */
  step: number;
  rng: Rng;
  /** Loss (−mean log p, nats, model units) at each completed step. */
  losses: number[];
}

export type FlowRunOptions = Omit<TrainRunOptions, "onCheckpoint"> & { onCheckpoint?: (s: FlowTrainState) => void };

/** A fresh run: parameters from `config.seed`, the batch stream from `options.seed`. */
export function createFlowTrainState(config: FlowConfigInput | FlowConfig, options: Partial<TrainOptions> = {}, dtype: DType = np.float32): FlowTrainState {
  const o = resolveTrainOptions(options);
  const model = FlowModel.init({ ...config, seed: config.seed ?? o.seed }, dtype);
  const params = model.params;
  return {
    config: model.config, options: o, params, ema: treeCopy(params), m: treeZerosLike(params), v: treeZerosLike(params),
    step: 0, rng: new Rng((o.seed ^ 0x5bd1e995) >>> 0), losses: [],
  };
}

function dtypeOf(p: FlowParams): DType {
  let found: DType | undefined;
  const visit = (t: unknown): void => {
    if (found || !t || typeof t !== "object") return;
    if ("dtype" in t && "dataSync" in t) found = (t as Array).dtype;
    else Object.values(t as object).forEach(visit);
  };
  visit(p);
  return found ?? np.float32;
}

/** ActNorm data init on one batch from the run's rng (once per run); resets the EMA to the new parameters. */
function initActNorm(state: FlowTrainState, data: DataSource): void {
  const c = state.config;
  if (c.actnormInitialized) return;
  if (needsDataInit(c)) {
    const { bijector } = buildFlow(c);
    const dtype = dtypeOf(state.params);
    const B = state.options.batch;
    const x = fromHost(data.sample(B, state.rng), [B, ...c.eventShape], dtype);
    const flow = bijector.dataInit!(state.params.flow, x);
    treeDispose(state.params.flow);
    state.params = { flow, base: state.params.base };
    treeDispose(state.ema);
    state.ema = treeCopy(state.params);
  }
  c.actnormInitialized = true;
}

/** Runs (or continues) maximum-likelihood training until `options.steps`. Mutates and returns `state`. */
export function trainFlow(state: FlowTrainState, data: DataSource, run: FlowRunOptions = {}): FlowTrainState {
  const o = state.options;
  const cfg = state.config;
  if (data.dim !== sizeOf(cfg.eventShape))
    throw new ShapeError(`data has dimension ${data.dim}, the flow's event [${cfg.eventShape}] has ${sizeOf(cfg.eventShape)}`);
  if (cfg.ctxDim > 0) throw new ShapeError("trainFlow: conditional flows need (x, context) batches, which DataSource does not provide");
  initActNorm(state, data);
  const dtype = dtypeOf(state.params);
  const { bijector, base } = buildFlow(cfg);
  const lrAt = makeSchedule({ kind: o.schedule, lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLr: o.minLr });
  const loss = (p: FlowParams, x: Array) => {
    const r = bijector.forward(p.flow, x);
    return base.logProb(p.base, r.y).add(r.logDet).mean().neg();
  };
  const step = makeOptimizerStep(loss, o);

  const last = Math.min(o.steps, run.stopAt ?? o.steps);
  const every = run.progressEvery ?? 10;
  const t0 = performance.now();
  const startStep = state.step;
  const B = o.batch;
  try {
    while (state.step < last) {
      const k = state.step + 1;
      const x = fromHost(data.sample(B, state.rng), [B, ...cfg.eventShape], dtype);
      const lr = lrAt(k);
      const s = adamScalars(k, lr, {}, dtype);
      const decay = o.emaDecay > 0 ? emaDecayAt(k, o.emaDecay) : 0;
      const out = step(state.params, state.ema, state.m, state.v, x, s.lr, s.bc1, s.bc2, np.array(decay, { dtype })) as unknown as [
        FlowParams, FlowParams, FlowParams, FlowParams, Array,
      ];
      [state.params, state.ema, state.m, state.v] = out;
      const value = out[4].item();
      state.losses.push(value);
      state.step = k;
      if (!Number.isFinite(value)) throw new Error(`loss became ${value} at step ${k}; try a lower --lr`);
      if (run.onProgress && (k % every === 0 || k === last)) {
        const elapsed = (performance.now() - t0) / 1000;
        const rate = (k - startStep) / Math.max(elapsed, 1e-9);
        const p: Progress = { step: k, steps: o.steps, loss: value, avgLoss: recentFlowLoss(state), lr, stepsPerSec: rate, etaSec: (last - k) / rate };
        run.onProgress(p);
      }
      if (run.onCheckpoint && ((o.checkpointEvery > 0 && k % o.checkpointEvery === 0) || k === last)) run.onCheckpoint(state);
    }
  } finally {
    disposeStep(step);
  }
  return state;
}

/** Mean loss of the last ≤100 steps. */
export function recentFlowLoss(state: FlowTrainState): number {
  const r = state.losses.slice(-100);
  return r.reduce((a, b) => a + b, 0) / r.length;
}

/** The model to use: EMA weights when EMA is on (copied; the state keeps its own). */
export function flowModelFromState(state: FlowTrainState, opts: { ema?: boolean } = {}): FlowModel {
  const useEma = opts.ema ?? state.options.emaDecay > 0;
  return new FlowModel(resolveFlowConfig(state.config), treeCopy(useEma ? state.ema : state.params));
}

export function disposeFlowTrainState(state: FlowTrainState): void {
  for (const t of [state.params, state.ema, state.m, state.v]) treeDispose(t);
}
