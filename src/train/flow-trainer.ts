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
import { disposableState, disposeRunState } from "./disposable.js";
import {
  np, Rng, adamScalars, emaDecayAt, makeSchedule,
  fromHost, treeCopy, treeZerosLike, treeDispose, type Array, type DType,
} from "../engine/index.js";
import type { FlowConfig, FlowConfigInput } from "../flows/architectures.js";
import type { BaseDistribution } from "../flows/base.js";
import { flowContext } from "../flows/flow-config.js";
import { Flow, wantsDataInit, type FlowModelConfig, type FlowParams } from "../flows/model.js";
import { sizeOf } from "../flows/shape.js";
import { jitSupport, type Bijector } from "../flows/types.js";
import { OptionError, ShapeError } from "../errors.js";
import type { DataSource } from "./data-source.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";
import type { Progress, TrainRunOptions } from "./trainer.js";

export interface FlowTrainState {
  /** Saved as config.json's `model`: a named architecture's config, or `arch: "custom"`. */
  config: FlowModelConfig;
  /** The flow's structure (not saved: a named config rebuilds it, a custom one is supplied on load). */
  bijector: Bijector;
  base: BaseDistribution;
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

/**
 * A fresh run: from a named config (parameters drawn from `config.seed`, default `options.seed`) or from a flow you
 * built (its parameters are copied; the flow stays yours). The batch stream comes from `options.seed`.
 *
 * ```ts
 * const flow = new Flow(new flows.Chain([...layers]), new flows.StandardNormal([2]));
 * const state = trainFlow(createFlowTrainState(flow, { steps: 500 }), openDataSource("moons"));
 * const trained = flowModelFromState(state);
 * disposeFlowTrainState(state);
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
    ema: treeCopy(params), m: treeZerosLike(params), v: treeZerosLike(params), step: 0, rng: new Rng((o.seed ^ 0x5bd1e995) >>> 0), losses: [],
  });
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

/** One batch in model units (and its context, for a conditional flow), drawn from `rng` only. */
function drawBatch(cfg: FlowModelConfig, data: DataSource, B: number, rng: Rng, dtype: DType): [Array, Array?] {
  if (cfg.ctxDim === 0) return [fromHost(data.sample(B, rng), [B, ...cfg.eventShape], dtype)];
  const b = data.sampleCond!(B, rng);
  const ctx = cfg.cond ? flowContext(cfg.cond, B, b) : b.context!;
  return [fromHost(b.x, [B, ...cfg.eventShape], dtype), fromHost(ctx, [B, cfg.ctxDim], dtype)];
}

/** ActNorm data init on one batch from the run's rng (once per run); resets the EMA to the new parameters. */
function initActNorm(state: FlowTrainState, data: DataSource): void {
  const c = state.config;
  if (wantsDataInit(c, state.bijector) && state.bijector.dataInit) {
    const [x, ctx] = drawBatch(c, data, state.options.batch, state.rng, dtypeOf(state.params));
    const flow = state.bijector.dataInit(state.params.flow, x, ctx);
    treeDispose(state.params.flow);
    state.params = { flow, base: state.params.base };
    treeDispose(state.ema);
    state.ema = treeCopy(state.params);
  }
  c.actnormInitialized = true;
}

/** Checks that the data fit the flow: dimension, and conditions for a conditional flow. */
function checkData(cfg: FlowModelConfig, data: DataSource): void {
  if (data.dim !== sizeOf(cfg.eventShape))
    throw new ShapeError(`data has dimension ${data.dim}, the flow's event [${cfg.eventShape}] has ${sizeOf(cfg.eventShape)}`);
  if (cfg.ctxDim === 0) return;
  if (!data.sampleCond)
    throw new ShapeError(`this flow is conditional (context of ${cfg.ctxDim}): the data must provide conditions (e.g. --cond label)`);
  if (!cfg.cond && data.cond?.kind === "class")
    throw new ShapeError("the data give class labels but the flow's config has no `cond` saying how to encode them");
}

/**
 * Runs (or continues) maximum-likelihood training until `options.steps`: loss = −mean log p(x | ctx) in model
 * units. Mutates and returns `state`. A conditional flow (ctxDim > 0) draws (x, condition) batches with
 * `data.sampleCond`; class labels become one-hot contexts (`config.cond`).
 */
export function trainFlow(state: FlowTrainState, data: DataSource, run: FlowRunOptions = {}): FlowTrainState {
  const o = state.options;
  const cfg = state.config;
  checkData(cfg, data);
  const { bijector, base } = state;
  if (!jitSupport(bijector).forward) throw new OptionError(`trainFlow: ${bijector.name}'s forward pass cannot be jit-compiled, which training needs`);
  initActNorm(state, data);
  const dtype = dtypeOf(state.params);
  const lrAt = makeSchedule({ kind: o.schedule, lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLr: o.minLr });
  const loss = (p: FlowParams, [x, ctx]: [Array, Array?]) => {
    const r = bijector.forward(p.flow, x, ctx);
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
      const batch = drawBatch(cfg, data, B, state.rng, dtype);
      const lr = lrAt(k);
      const s = adamScalars(k, lr, {}, dtype);
      const decay = o.emaDecay > 0 ? emaDecayAt(k, o.emaDecay) : 0;
      const out = step(state.params, state.ema, state.m, state.v, batch, s.lr, s.bc1, s.bc2, np.array(decay, { dtype })) as unknown as [
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
export function flowModelFromState(state: FlowTrainState, opts: { ema?: boolean } = {}): Flow {
  const useEma = opts.ema ?? state.options.emaDecay > 0;
  return new Flow(state.bijector, state.base, { config: structuredClone(state.config), params: treeCopy(useEma ? state.ema : state.params) });
}

export function disposeFlowTrainState(state: FlowTrainState): void {
  disposeRunState(state);
}
