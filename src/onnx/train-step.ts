/**
 * The whole training step as one ONNX graph: loss and gradient, global-norm clipping, Adam(W) and EMA — the same
 * traceable code as the wasm trainer's jit step (train/step.ts: `valueAndGrad(loss)` then `applyGrads`), traced
 * with makeJaxpr and lowered. Weights, EMA and both Adam moments are graph inputs *and* outputs (`p_i` → `p_i_next`,
 * likewise `e_`, `m_`, `v_`), so the trainer feeds each step's outputs back as the next step's inputs and they stay
 * ONNX Runtime tensors for the whole run. The batch (whatever the objective draws from the host rng: x0, x1, t, a
 * condition; random draws stay on the host so the stream equals the wasm trainer's) enters as `in_k`, and the
 * per-step scalars as `lr`, `bc1`, `bc2`, `decay`. Output `loss` is the batch loss before the update.
 * Shapes are fixed: a training step always sees the same batch.
 */
import { treeOps, valueAndGrad, treeLeaves, treeRef, type Array, type Tree } from "../engine/index.js";
import { applyGrads, type StepOptions } from "../train/step.js";
import { compileToOnnx, type GraphInput } from "./compile.js";
import { OptionError } from "../errors.js";

/** The four state trees' graph names, in the order of their leaves. */
export const STATE_PREFIXES = ["p", "e", "m", "v"] as const;
export const SCALARS = ["lr", "bc1", "bc2", "decay"] as const;

export interface TrainStepGraph {
  bytes: Uint8Array;
  /** Leaves per state tree. */
  leaves: number;
  /** Names of the batch inputs (in_0, in_1, …). */
  inputs: string[];
}

/**
 * Compiles the step of `loss` (consumes its inputs, not params) for a parameter tree shaped like `params` and
 * batch inputs shaped like `inputs` (both borrowed; only shapes are read).
 */
export function trainStepOnnx<P extends Tree, I extends Array[]>(loss: (p: P, inputs: I) => Array, o: StepOptions, params: P, inputs: I): TrainStepGraph {
  const leaves = treeLeaves(params);
  for (const a of [...leaves, ...inputs]) {
    if (String(a.dtype) !== "float32") throw new OptionError(`the onnx backend trains in float32; got ${String(a.dtype)} arrays`);
  }
  const [, def] = treeOps.flatten(params);
  const n = leaves.length;
  const k = inputs.length;
  const graphInputs: GraphInput[] = [
    ...STATE_PREFIXES.flatMap((pre) => leaves.map((a, i) => ({ name: `${pre}_${i}`, shape: a.shape.slice() }))),
    ...inputs.map((a, i) => ({ name: `in_${i}`, shape: a.shape.slice() })),
    ...SCALARS.map((name) => ({ name, shape: [] })),
  ];
  const outputs = [...STATE_PREFIXES.flatMap((pre) => leaves.map((_, i) => `${pre}_${i}_next`)), "loss"];
  const step = (_: Tree, ...flat: Array[]) => {
    const tree = (j: number) => treeOps.unflatten(def, flat.slice(j * n, (j + 1) * n)) as P;
    const [params, ema, m, v] = [0, 1, 2, 3].map(tree) as [P, P, P, P];
    const batch = flat.slice(4 * n, 4 * n + k) as I;
    const [lr, bc1, bc2, decay] = flat.slice(4 * n + k) as [Array, Array, Array, Array];
    const [l, g] = (valueAndGrad(loss) as unknown as (p: P, i: I) => [Array, P])(treeRef(params), batch);
    const next = applyGrads(o, params, ema, m, v, g, lr, bc1, bc2, decay);
    return [...next.flatMap((t) => treeLeaves(t)), l];
  };
  const bytes = compileToOnnx(step, { params: {}, inputs: graphInputs, outputs, name: "train_step", docString: "flowmatch training step: loss, gradient, clipping, Adam(W), EMA" });
  return { bytes, leaves: n, inputs: inputs.map((_, i) => `in_${i}`) };
}
