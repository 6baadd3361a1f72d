/**
 * The CLI's up-front memory refusals: each command turns its sizes into an estimate (engine/memory.ts) and refuses,
 * before any training or sampling, a request that cannot fit in the budget — one line naming the flag, the
 * estimate and the largest value that fits (exit 2).
 */
import { checkMemory, checkWeights, flowTrainBytes, flowTrainWeightBytes, mlpTrainWeightBytes, netWidths, reflowPairsBytes, velocityTrainBytes, figurePointBytes, evalPointBytes } from "../engine/memory.js";
import type { ModelConfig } from "../fm/velocity-model.js";
import type { TrainOptions } from "../train/options.js";
import type { FlowModelConfig } from "../flows/model.js";
import type { FlowConfig } from "../flows/architectures.js";

/** A flow-matching network's weights (`--hidden`), checked before they are made: a huge width would hang there. */
export function checkVelocityNet(net: { dim: number; hidden?: unknown; condWidth?: number }): void {
  const widths = netWidths(net);
  const hidden = widths.slice(1, -1);
  const uniform = (w: number) => mlpTrainWeightBytes([widths[0]!, ...hidden.map(() => w), widths.at(-1)!]);
  checkWeights(`--hidden ${hidden.join(",")}`, mlpTrainWeightBytes(widths), uniform);
}

/** A normalizing flow's weights (`--hidden` × `--layers`, defaults filled in), checked before they are made. */
export function checkFlowNet(c: FlowConfig): void {
  const bytes = (hidden: number[], layers = c.layers) => flowTrainWeightBytes({ eventShape: c.eventShape, layers, hidden, levels: c.levels, bins: c.bins, ctxDim: c.ctxDim });
  checkWeights(`--hidden ${c.hidden.join(",")} with --layers ${c.layers}`, bytes(c.hidden), (w) => bytes(c.hidden.map(() => w)), (k) => bytes(c.hidden, k));
}

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
