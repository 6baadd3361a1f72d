/**
 * The CLI's up-front memory refusals: each command turns its sizes into an estimate (engine/memory.ts) and refuses,
 * before any training or sampling, a request that cannot fit in the budget — one line naming the flag, the
 * estimate and the largest value that fits (exit 2).
 */
import { checkMemory, flowTrainBytes, netWidths, reflowPairsBytes, velocityTrainBytes, figurePointBytes, evalPointBytes } from "../engine/memory.js";
import type { ModelConfig } from "../fm/velocity-model.js";
import type { TrainOptions } from "../train/options.js";
import type { FlowModelConfig } from "../flows/model.js";

/** `--batch` of a flow-matching / CNF training step. */
export function checkVelocityBatch(config: ModelConfig, o: Pick<TrainOptions, "batch" | "coupling" | "objective" | "mle">, flag = "batch"): void {
  const shape = {
    widths: netWidths(config.net), dim: config.net.dim, coupling: o.coupling,
    mle: o.objective === "mle" ? { steps: o.mle.steps, method: o.mle.method, divergence: o.mle.divergence, probes: o.mle.probes } : undefined,
  };
  checkMemory({ flag, value: o.batch, need: (b) => velocityTrainBytes(shape, b), what: o.objective === "mle" ? "activations through the ODE solve" : "activations" });
}

/** `--batch` of a normalizing flow's maximum-likelihood step (a custom flow: its event size and a 64×2 guess). */
export function checkFlowBatch(config: FlowModelConfig, batch: number): void {
  const shape = config.arch === "custom"
    ? { eventShape: config.eventShape, layers: config.structure.layers.length, hidden: [64, 64] }
    : { eventShape: config.eventShape, layers: config.layers, hidden: config.hidden, levels: config.levels, bins: config.bins };
  checkMemory({ flag: "batch", value: batch, need: (b) => flowTrainBytes(shape, b), what: "activations" });
}

/** `reflow --pairs`: the pairs are kept in memory for the whole fine-tuning. */
export function checkReflowPairs(dim: number, pairs: number): void {
  checkMemory({ flag: "pairs", value: pairs, need: (p) => reflowPairsBytes(dim, p), what: "the stored pairs" });
}

/** `plot --n`: every point of a panel is kept until the figure is drawn. */
export function checkPlotPoints(dim: number, n: number): void {
  checkMemory({ flag: "n", value: n, need: (m) => figurePointBytes(dim) * m, what: "the figure's points" });
}

/** `eval --n`: the points and their log-densities are kept for the report (and --logp-out). */
export function checkEvalPoints(dim: number, n: number): void {
  checkMemory({ flag: "n", value: n, need: (m) => evalPointBytes(dim) * m, what: "the points and their log-densities" });
}
