/**
 * The messages between the page (main.ts) and the training worker (worker.ts). Everything crossing is plain data:
 * numbers, strings and typed arrays (structured-cloned), never jax arrays, so the page holds no engine state.
 */
import type { Settings } from "./url-state.ts";

/** A rectangle of the data plane, data units. */
export interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** What the views need drawn now (main → worker). */
export interface ViewRequest {
  /** Sample count, solver and its step count (fixed-step solvers). */
  n: number;
  method: string;
  steps: number;
  /** Class label index (conditional models; -1: ∅ / unconditional) and the guidance weight. */
  label: number;
  guidance: number;
  /** Also the log-density on a grid over `extent` (res × res cells). */
  heat?: { extent: Extent; res: number };
}

export type ToWorker =
  /** The first message starts the engine: `engine` overrides `settings.engine` (the fallback to wasm). */
  | { type: "configure"; settings: Settings; table?: { csv: string; name: string }; engine?: "wasm" }
  | { type: "run" }
  | { type: "pause" }
  | { type: "views"; id: number; req: ViewRequest }
  | { type: "velocity"; id: number; t: number; extent: Extent; res: number; label: number; guidance: number }
  | { type: "save" }
  /** A checkpoint to open; training may continue up to `steps` (when more than the checkpoint's own). */
  | { type: "load"; configJson: string; weights: Uint8Array; steps: number };

/** The model and data the worker set up (after configure or load). */
export interface ReadyInfo {
  device: string;
  /** "flow-matching" or "normalizing-flow", and a one-line description. */
  kind: string;
  describe: string;
  /** A preview of the training data in data units, row-major [n, 2]. */
  data: Float64Array;
  step: number;
  steps: number;
  losses: number[];
  /** Class values of a labelled model (label picker), else empty. */
  classes: (string | number)[];
  /** The data spec the model was trained on (a toy name, or the table's name). */
  spec: string;
  /** Every built-in toy's name (the data picker). */
  toys: string[];
  /** Whether training can continue (a checkpoint of a CSV the page does not have cannot). */
  trainable: boolean;
}

export type FromWorker =
  | ({ type: "ready" } & ReadyInfo)
  | {
      type: "progress"; step: number; steps: number; losses: number[]; stepsPerSec: number; msPerStep: number; running: boolean;
      /** Time spent in training chunks and the steps they made since the model was set up (the bench's numbers). */
      trainMs: number; trainedSteps: number;
    }
  | {
      type: "views"; id: number; step: number; samples: Float64Array; nfe: number;
      /** Trajectories of the first few samples: `ts.length` states, each row-major [m, 2] (flow matching only). */
      trajectory?: Float64Array[]; ts?: number[];
      heat?: { extent: Extent; res: number; logp: Float64Array };
      ms: number;
    }
  | { type: "velocity"; id: number; t: number; extent: Extent; res: number; v: Float64Array; points: Float64Array }
  | { type: "checkpoint"; configJson: string; weights: Uint8Array; step: number }
  | { type: "error"; message: string };
