/**
 * Memory estimates and the budget they are checked against. The engine runs on WebAssembly memory32, whose whole
 * address space is 4 GiB; a request past it dies deep inside an allocation ("Allocation exceeds the 4 GiB memory32
 * limit") after minutes of work, or takes the machine's memory with host arrays first. So the commands estimate
 * what a request needs before they start and refuse one that cannot fit, naming the flag, the estimate and the
 * largest value that fits; work that is independent per point (sampling, likelihoods) runs in chunks instead.
 *
 * The estimates are deliberately rough (activations of the network × a factor for what autodiff keeps, plus the
 * host copies): they are there to tell 1e9 from 1e5, not to predict a peak to the megabyte. Core module: no Node.
 */
import { OptionError } from "../errors.js";

/** The address space of wasm memory32. */
export const WASM_MEMORY_LIMIT = 4 * 2 ** 30;
/** What one request may use: below the wasm limit, leaving room for weights, optimizer state and compiled code. */
export const MEMORY_BUDGET = 3 * 2 ** 30;
/** Bytes of one device value (the models compute in float32) and of one host value (Float64Array). */
const DEVICE = 4;
const HOST = 8;
/**
 * What a training step holds per forward activation (the value, its cotangent, intermediate products, optimizer
 * temporaries). Measured: the default 256×3 MLP on 2-D data peaks at about 35 KB per batch row (batch 20,000 and
 * 80,000 both), which this factor reproduces.
 */
const BACKWARD_FACTOR = 6;
/** Rows per chunk of chunked sampling and likelihoods: a multiple of the flows' 2048-row batches. */
export const CHUNK_ROWS = 65_536;

/** `bytes` as a short human size: "812 KB", "3.2 GB", "1.2 TB" (powers of 1000; budgets print in GiB). */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** The budget as printed in refusals ("3 GiB"). */
export function formatBudget(budget = MEMORY_BUDGET): string {
  const g = budget / 2 ** 30;
  return Number.isInteger(g) ? `${g} GiB` : `${g.toFixed(1)} GiB`;
}

/**
 * The largest integer v in [0, max] with need(v) ≤ budget, for a `need` that grows with v (binary search, so
 * quadratic terms such as an OT cost matrix are handled too).
 */
export function largestFitting(need: (v: number) => number, budget = MEMORY_BUDGET, max = Number.MAX_SAFE_INTEGER): number {
  if (need(1) > budget) return 0;
  let lo = 1;
  let hi = 2;
  while (hi < max && need(hi) <= budget) {
    lo = hi;
    hi = Math.min(max, hi * 2);
  }
  if (need(hi) <= budget) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (need(mid) <= budget) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** A value rounded down to two significant digits (a limit users can type: 2400000, not 2413077). */
function roundDown2(v: number): number {
  if (v < 100) return v;
  const p = 10 ** (Math.floor(Math.log10(v)) - 1);
  return Math.floor(v / p) * p;
}

export interface MemoryRequest {
  /** The flag that sets the value, without dashes ("batch"). */
  flag: string;
  value: number;
  /** Bytes needed for a given value of the flag (monotone). */
  need: (v: number) => number;
  /** What the memory is for, after "needs about X for": "activations", "the stored pairs". */
  what: string;
  budget?: number;
}

/**
 * Refuses (`OptionError`, exit 2) a request whose estimate exceeds the budget, e.g. "--batch 1000000000 needs about
 * 38 TB for activations; the memory limit is 3 GiB: use --batch ≤ 84000". Returns the estimate otherwise.
 */
export function checkMemory(r: MemoryRequest): number {
  const budget = r.budget ?? MEMORY_BUDGET;
  const bytes = r.need(r.value);
  if (bytes <= budget) return bytes;
  const fit = roundDown2(largestFitting(r.need, budget, r.value));
  const advice = fit >= 1 ? `use --${r.flag} ≤ ${fit}` : "no value fits: use a smaller network";
  throw new OptionError(`--${r.flag} ${r.value} needs about ${formatBytes(bytes)} for ${r.what}; the memory limit is ${formatBudget(budget)}: ${advice}`);
}

/** Rows of a chunk whose per-row cost is `rowBytes`: at most CHUNK_ROWS and a quarter of the budget, ≥ 1. */
export function chunkRows(rowBytes: number, budget = MEMORY_BUDGET): number {
  return Math.max(1, Math.min(CHUNK_ROWS, Math.floor(budget / 4 / Math.max(1, rowBytes))));
}

// Estimates per kind of work. `widths` are a network's layer widths from input to output.

/** Device bytes of one row through an MLP forward pass (pre- and post-activation values of every layer). */
export function mlpRowBytes(widths: readonly number[]): number {
  return DEVICE * widths.reduce((a, w) => a + 2 * w, 0);
}

/** Options of a flow-matching training step that change its memory. */
export interface VelocityTrainShape {
  /** Layer widths of the velocity network, input to output. */
  widths: readonly number[];
  dim: number;
  /** Noise–data coupling: ot, sinkhorn and sb build a batch × batch cost matrix. */
  coupling?: string;
  /** CNF maximum likelihood backpropagates through every solver stage (×D for the exact divergence). */
  mle?: { steps: number; method: string; divergence: string; probes: number };
}

const STAGES: Record<string, number> = { euler: 1, midpoint: 2, heun: 2, rk4: 4, dopri5: 7 };

/** Bytes one flow-matching / CNF training batch of `batch` rows needs. */
export function velocityTrainBytes(s: VelocityTrainShape, batch: number): number {
  let perRow = mlpRowBytes(s.widths) * BACKWARD_FACTOR;
  if (s.mle) perRow *= s.mle.steps * (STAGES[s.mle.method] ?? 4) * (s.mle.divergence === "exact" ? s.dim + 1 : s.mle.probes + 1);
  const host = HOST * (4 * s.dim + 2) * batch; // noise, data, interpolant, target, times
  const pairing = s.coupling && s.coupling !== "independent" ? 2 * HOST * batch * batch : 0; // cost and plan matrices
  return perRow * batch + host + pairing;
}

/** The sizes of a normalizing flow that set its memory per row. */
export interface FlowShape {
  eventShape: readonly number[];
  layers: number;
  hidden: readonly number[];
  /** Image glow: levels of the multi-scale architecture. */
  levels?: number;
  /** Spline flows: bins per dimension (3·bins + 1 conditioner outputs). */
  bins?: number;
}

/** Device bytes of one row through a flow's forward pass (every layer's conditioner and its output). */
export function flowRowBytes(f: FlowShape): number {
  const size = f.eventShape.reduce((a, b) => a * b, 1);
  const hid = f.hidden.reduce((a, b) => a + b, 0);
  if (f.eventShape.length === 3) {
    // Image glow: convolutional conditioners over every pixel on each step; level l works on (H/2^l)·(W/2^l)
    // positions of 4^l·C channels (squeezed), half of them split off after each level.
    const [H, W, C] = f.eventShape as [number, number, number];
    let perStep = 0;
    for (let l = 1; l <= (f.levels ?? 1); l++) perStep += ((H * W) / 4 ** l) * (hid + 4 * C * 2 ** l);
    return DEVICE * 2 * f.layers * perStep;
  }
  const params = f.bins ? 3 * f.bins + 1 : 2;
  return DEVICE * 2 * f.layers * (hid + size * (params + 4));
}

/** Bytes one maximum-likelihood training batch of a flow needs. */
export function flowTrainBytes(f: FlowShape, batch: number): number {
  const size = f.eventShape.reduce((a, b) => a * b, 1);
  return (flowRowBytes(f) * BACKWARD_FACTOR + HOST * 4 * size) * batch;
}

/** Host bytes of reflow's stored pairs (noise and sample, with the copies made while drawing them). */
export function reflowPairsBytes(dim: number, pairs: number): number {
  return HOST * 4 * dim * pairs;
}

/**
 * Bytes of one row of ODE sampling: the network's activations (with what the solver's steps keep alive) and the
 * stage vectors. Measured with the default 256×3 MLP: about 26 KB per row with rk4 and 39 KB with dopri5.
 */
export function odeRowBytes(widths: readonly number[], dim: number): number {
  return 6 * mlpRowBytes(widths) + DEVICE * 10 * dim;
}

/** Host bytes per point held while drawing a figure's panels (the point, its first two coordinates, copies). */
export function figurePointBytes(dim: number): number {
  return HOST * (2 * dim + 6);
}

/** Host bytes per point of a held-out evaluation kept in memory (points, log-densities, the true density). */
export function evalPointBytes(dim: number): number {
  return HOST * (dim + 4);
}

/** Bytes a CSV of `rows` × `dim` numbers takes on disk (≈ 20 characters per value, as String(float) writes). */
export function csvBytes(rows: number, dim: number): number {
  return rows * dim * 20 + 10 * dim;
}

/**
 * Layer widths of a velocity network from its config: an MLP's (`hidden`, with the time embedding's 16 inputs);
 * for a network kind without `hidden`, a 256×3 guess (registered kinds do not describe their sizes).
 */
export function netWidths(net: { dim: number; hidden?: unknown; condWidth?: number }): number[] {
  const hidden = Array.isArray(net.hidden) && net.hidden.every((h) => Number.isInteger(h) && h > 0) ? (net.hidden as number[]) : [256, 256, 256];
  return [net.dim + 16 + (net.condWidth ?? 0), ...hidden, net.dim];
}

/**
 * Copies of every weight a training run keeps: the parameters, their gradients, Adam's two moments, the EMA
 * weights, and one transient copy while they are made or saved.
 */
const WEIGHT_COPIES = 6;

/** Bytes of training an MLP of these layer widths (input to output): its weights and biases in every copy. */
export function mlpTrainWeightBytes(widths: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < widths.length; i++) n += (widths[i]! + 1) * widths[i + 1]!;
  return DEVICE * WEIGHT_COPIES * n;
}

/**
 * Bytes of training a normalizing flow's weights (every copy): `layers` conditioners from half the event (plus the
 * context) through `hidden` to the transform's parameters; image glow's conditioners are 3×3 convolutions.
 */
export function flowTrainWeightBytes(f: FlowShape & { ctxDim?: number }): number {
  const size = f.eventShape.reduce((a, b) => a * b, 1);
  if (f.eventShape.length === 3) {
    const C = f.eventShape[2]!;
    let perStep = 0;
    for (let l = 1; l <= (f.levels ?? 1); l++) {
      const widths = [2 * C * 4 ** l, ...f.hidden, 4 * C * 4 ** l];
      for (let i = 0; i + 1 < widths.length; i++) perStep += 9 * widths[i]! * widths[i + 1]!;
    }
    return DEVICE * WEIGHT_COPIES * f.layers * perStep;
  }
  const out = f.bins ? 3 * f.bins + 1 : 2;
  return f.layers * mlpTrainWeightBytes([Math.ceil(size / 2) + (f.ctxDim ?? 0), ...f.hidden, size * out]);
}

/**
 * Refuses (`OptionError`, exit 2) a network whose weights cannot be trained within the budget, before any weight is
 * made. `need(w)` gives the bytes with every hidden layer w wide, `needLayers(k)` with k layers as they are; the
 * advice is the widest that fits, else the most layers: "--hidden
 * 100000000 needs about 50 GB for the weights and optimizer state; the memory limit is 3 GiB: use --hidden ≤ 5600".
 */
export function checkWeights(shown: string, bytes: number, need: (width: number) => number, needLayers?: (layers: number) => number, budget = MEMORY_BUDGET): void {
  if (bytes <= budget) return;
  const fit = roundDown2(largestFitting(need, budget));
  const layers = fit >= 1 || !needLayers ? 0 : roundDown2(largestFitting(needLayers, budget));
  const advice = fit >= 1 ? `use --hidden ≤ ${fit}` : layers >= 1 ? `use --layers ≤ ${layers}` : "use a smaller network";
  throw new OptionError(`${shown} needs about ${formatBytes(bytes)} for the weights and optimizer state; the memory limit is ${formatBudget(budget)}: ${advice}`);
}
