/**
 * What config.json records about a flow, beyond its weights. Every flow carries the fields of `FlowCommon` (event
 * shape, context width, data units, what it was trained on); a named architecture adds its sizes (`FlowConfig`,
 * architectures.ts) and can be rebuilt from them alone, while a flow built by hand from bijectors is marked
 * `arch: "custom"` and records only the names of its layers: loading it needs the caller to supply the same
 * structure (state_dict style), and a mismatch in tensor names or shapes is a CheckpointError.
 */
import type { Standardizer } from "../data/normalize.js";
import type { CondConfig } from "../fm/conditioning.js";
import { ShapeError } from "../errors.js";

export interface FlowCommon {
  kind: "normalizing-flow";
  /** Event shape of one data point in model units: [D] for vectors, [H, W, C] for images. */
  eventShape: number[];
  /** Context width of a conditional flow (0: unconditional). */
  ctxDim: number;
  /** Seed of the parameter initialization. */
  seed: number;
  /** Data units → model units: z = (x − mean) / std per column (after dequantization noise, if any). */
  standardizer?: Standardizer;
  /**
   * Uniform dequantization of integer data with `levels` levels 0…L−1: training adds u ~ U[0, 1) to every value, so
   * the model density lives on [0, L) (standardized by mean L/2, std L, i.e. model units (x + u)/L − ½). A density
   * of dequantized data in data units is then directly a bound on the discrete probability (bins of width 1).
   */
  dequantize?: { levels: number };
  /** Columns of the CSV used as data (label / condition columns left out), in order. */
  columns?: number[];
  /** What it was trained on (toy name or file). */
  data?: string;
  /** CSV rows held out for the test NLL (saved so a resumed run keeps the same split; absent in older files). */
  testFraction?: number;
  /**
   * Conditioning read from the data (conditional flows trained from a labelled table or toy): class labels become a
   * one-hot context of `classes.length` values, context columns are passed as they are (`ctxDim` = their count).
   */
  cond?: CondConfig;
  /** True once the data-dependent initialization (ActNorm) has run, so resume/load never repeats it. */
  actnormInitialized: boolean;
}

/** A flow assembled by the user from bijectors: the structure comes from code, the checkpoint holds the weights. */
export interface CustomFlowConfig extends FlowCommon {
  arch: "custom";
  /** Names of the bijector (its layers, for a Chain) and of the base, for messages and a structure check. */
  structure: { layers: string[]; base: string };
}

/**
 * The context rows a conditional flow sees for given conditions: class labels (indices into `cond.classes`) as
 * one-hot rows of `classes.length` values, or context vectors as they are. Returns n·ctxDim values.
 */
export function flowContext(cond: CondConfig, n: number, c: { labels?: ArrayLike<number>; context?: ArrayLike<number> }): Float64Array {
  if (cond.kind === "class") {
    const K = cond.classes.length;
    const labels = c.labels;
    if (!labels || labels.length !== n) throw new ShapeError(`expected ${n} class labels, got ${labels?.length ?? 0}`);
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      const k = labels[i]!;
      if (!(Number.isInteger(k) && k >= 0 && k < K)) throw new ShapeError(`class index ${k} out of range 0…${K - 1}`);
      out[i * K + k] = 1;
    }
    return out;
  }
  if (!c.context || c.context.length !== n * cond.dim) throw new ShapeError(`expected ${n}×${cond.dim} context values, got ${c.context?.length ?? 0}`);
  return Float64Array.from(c.context);
}

/** Context width of a condition (class: one-hot over the classes; context: its columns). */
export function flowContextDim(cond: CondConfig): number {
  return cond.kind === "class" ? cond.classes.length : cond.dim;
}
