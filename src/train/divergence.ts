/**
 * The message of a diverged run (a NaN/±Inf loss), naming the likely cause instead of always the learning rate.
 * Checked in this order, the first that applies wins:
 *  1. the data: a batch drawn the way training draws it (model units) holds NaN/±Inf, or values more than
 *     `FAR_OUT` standard deviations out;
 *  2. the first step of this run: the loss was computed on the initial (or resumed) weights before any update, so
 *     the learning rate cannot be the cause: the weights (non-finite or huge, named with their tensor) or the
 *     model's settings (architecture / layer options);
 *  3. a learning rate far above usual Adam values (> `HIGH_LR`);
 *  4. weights that grew huge during training (named with their tensor): the step size or missing clipping;
 *  5. otherwise the learning rate, as the most common cause, with the usual remedies.
 * Runs only on failure; reads one data batch and the weights back.
 */
import { Rng } from "../engine/index.js";
import { DivergenceError } from "../errors.js";
import { formatNumber as sig } from "../format.js";
import { FAR_OUT, HUGE_WEIGHT, largestWeight } from "../model/numerics.js";
import type { DataSource } from "../data/data-source.js";
import type { TrainOptions } from "./options.js";

/** Adam learning rates above this are far outside the usual 1e-4 … 1e-2. */
export const HIGH_LR = 0.1;

export interface DivergenceContext {
  loss: number;
  /** The step whose loss was non-finite, and the first step of this `fit` call. */
  step: number;
  firstStep: number;
  options: TrainOptions;
  /** The weights the failing step started from when it is the run's first step, else those after it (borrowed). */
  params: unknown;
  data: DataSource;
}

/** The largest |value| of a batch (NaN/±Inf first) and its position, or undefined if sampling fails. */
function batchExtreme(data: DataSource): { row: number; col: number; value: number } | undefined {
  let x: Float64Array;
  try {
    x = data.sample(256, new Rng(0x5eed));
  } catch {
    return undefined;
  }
  let best: { row: number; col: number; value: number } | undefined;
  for (let k = 0; k < x.length; k++) {
    const v = x[k]!;
    const key = Number.isNaN(v) ? Infinity : Math.abs(v);
    if (best === undefined || key > (Number.isNaN(best.value) ? Infinity : Math.abs(best.value)))
      best = { row: Math.floor(k / data.dim), col: k % data.dim, value: v };
    if (Number.isNaN(v)) break;
  }
  return best;
}

/** The likely cause of the divergence, as a clause. */
export function divergenceCause(c: DivergenceContext): string {
  const o = c.options;
  const b = batchExtreme(c.data);
  if (b && (!Number.isFinite(b.value) || Math.abs(b.value) > FAR_OUT)) {
    const where = `a training batch from ${c.data.spec} holds ${sig(b.value)}`;
    return Number.isFinite(b.value)
      ? `most likely the data scale: ${where}${c.data.standardizer ? " standard deviations" : ""} in column ${b.col + 1}; remove the outliers or rescale the data`
      : `the data: ${where} in column ${b.col + 1}; remove the non-finite rows`;
  }
  const w = largestWeight(c.params);
  if (c.step === c.firstStep) {
    const before = `the loss at step ${c.step} was computed before any update of this run, so the learning rate is not the cause`;
    return `${before}: ${c.step === 1 ? "the model's settings (architecture and layer options) give a non-finite loss on its initial weights" : "the resumed weights give a non-finite loss"}${w && Math.abs(w.value) > HUGE_WEIGHT && Number.isFinite(w.value) ? ` (largest |w| ${sig(Math.abs(w.value))} in ${w.path})` : ""}`;
  }
  const clip = o.clipNorm > 0 ? "" : " or gradient clipping (--clip-norm)";
  if (o.lr > HIGH_LR) return `most likely the learning rate (${sig(o.lr)}) is far above usual values (1e-4 to 1e-2); try --lr 1e-3${clip}`;
  if (w && Number.isFinite(w.value) && Math.abs(w.value) > HUGE_WEIGHT)
    return `the weights grew huge (largest |w| ${sig(Math.abs(w.value))} in ${w.path}): the learning rate (${sig(o.lr)}) is likely too high; try a lower --lr${clip}`;
  return `most likely because the learning rate (${sig(o.lr)}) is too high for this model and data; try a lower --lr${clip}`;
}

/** The one error of a diverged run: "loss became NaN at step k: training diverged, <cause>". */
export function divergenceError(c: DivergenceContext): DivergenceError {
  return new DivergenceError(`loss became ${c.loss} at step ${c.step}: training diverged, ${divergenceCause(c)}`);
}
