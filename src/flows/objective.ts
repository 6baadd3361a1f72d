/**
 * Discrete-flow maximum likelihood as an objective of the one loop (loop.ts): loss = −mean log p(x | ctx) in model
 * units, log p = log p_base(f(x)) + log|det ∂f/∂x|. A conditional flow draws (x, condition) batches with
 * `data.sampleCond`; class labels become one-hot contexts (`config.cond`). ActNorm's data-dependent initialization
 * is the objective's one-time `prepare` hook: it runs on a batch drawn from the run's rng before step 1, then the
 * config records `actnormInitialized`, so resuming or loading never repeats it.
 */
import { fromHost, treeCopy, treeDispose, type Array, type DType, type Rng } from "../engine/index.js";
import type { BaseDistribution } from "./base.js";
import { flowContext } from "./flow-config.js";
import { wantsDataInit, type FlowModelConfig, type FlowParams } from "./model.js";
import { sizeOf } from "./shape.js";
import { jitSupport, type Bijector } from "./types.js";
import { OptionError, ShapeError } from "../errors.js";
import type { DataSource } from "../data/data-source.js";
import { treeDtype, type TrainObjective, type TrainState } from "../train/loop.js";

/** What the objective needs of a flow: its config (event shape, context) and structure. */
export interface FlowParts {
  config: FlowModelConfig;
  bijector: Bijector;
  base: BaseDistribution;
}

/** Flow inputs: a batch in model units and, for a conditional flow, its context. */
export type FlowBatch = [Array, Array?];

/** One batch in model units (and its context, for a conditional flow), drawn from `rng` only. */
export function drawFlowBatch(cfg: FlowModelConfig, data: DataSource, B: number, rng: Rng, dtype: DType): FlowBatch {
  if (cfg.ctxDim === 0) return [fromHost(data.sample(B, rng), [B, ...cfg.eventShape], dtype)];
  const b = data.sampleCond!(B, rng);
  const ctx = cfg.cond ? flowContext(cfg.cond, B, b) : b.context!;
  return [fromHost(b.x, [B, ...cfg.eventShape], dtype), fromHost(ctx, [B, cfg.ctxDim], dtype)];
}

/** Checks that the data fit the flow: dimension, and conditions for a conditional flow. */
function checkFlowData(cfg: FlowModelConfig, data: DataSource): void {
  if (data.dim !== sizeOf(cfg.eventShape))
    throw new ShapeError(`data has dimension ${data.dim}, the flow's event [${cfg.eventShape}] has ${sizeOf(cfg.eventShape)}`);
  if (cfg.ctxDim === 0) return;
  if (!data.sampleCond)
    throw new ShapeError(`this flow is conditional (context of ${cfg.ctxDim}): the data must provide conditions (e.g. --cond label)`);
  if (!cfg.cond && data.cond?.kind === "class")
    throw new ShapeError("the data give class labels but the flow's config has no `cond` saying how to encode them");
}

/** Maximum likelihood of a discrete flow with batches of `batch` rows. */
export function flowMleObjective(flow: FlowParts, batch: number): TrainObjective<FlowParams, FlowBatch> {
  const { config: cfg, bijector, base } = flow;
  return {
    name: "normalizing-flow maximum likelihood",
    check(data) {
      checkFlowData(cfg, data);
      if (!jitSupport(bijector).forward) throw new OptionError(`trainFlow: ${bijector.name}'s forward pass cannot be jit-compiled, which training needs`);
    },
    prepare(state: TrainState<unknown, FlowParams>, data) {
      if (wantsDataInit(cfg, bijector) && bijector.dataInit) {
        const [x, ctx] = drawFlowBatch(cfg, data, batch, state.rng, treeDtype(state.params));
        const init = bijector.dataInit(state.params.flow, x, ctx);
        treeDispose(state.params.flow);
        state.params = { flow: init, base: state.params.base };
        treeDispose(state.ema);
        state.ema = treeCopy(state.params);
      }
      cfg.actnormInitialized = true;
    },
    draw: (rng, data, params) => drawFlowBatch(cfg, data, batch, rng, treeDtype(params)),
    loss(p, [x, ctx]) {
      const r = bijector.forward(p.flow, x, ctx);
      return base.logProb(p.base, r.y).add(r.logDet).mean().neg();
    },
    dispose() {},
  };
}
