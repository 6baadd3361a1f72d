/**
 * The whole training step as one ONNX graph: loss and gradient, global-norm clipping, Adam(W) and EMA — the same
 * traceable code as the wasm trainer's jit step (train/step.ts: `valueAndGrad(loss)` then `applyGrads`), traced
 * with makeJaxpr and lowered.
 *
 * Flat state: weights, EMA and both Adam moments are each ONE float32 vector (the tree's leaves, flattened and
 * concatenated in leaf order: `flattenState`, `splitState`) — graph inputs `p`, `e`, `m`, `v` and outputs `p_next`, `e_next`,
 * `m_next`, `v_next`. The trainer feeds each step's outputs back as the next step's inputs, so they stay ONNX
 * Runtime tensors for the whole run. Only the weights are split into leaves (for the loss); the gradient leaves are
 * concatenated once and clipping, Adam and EMA run as ~20 elementwise nodes over one vector instead of ~20 per
 * parameter tensor: per tree the optimizer was ≈ 190 small nodes, whose per-node overhead cost more than their
 * arithmetic. Elementwise, the update is the per-leaf one (the global norm sums the same squares in another order).
 *
 * The batch (whatever the objective draws from the host rng: x0, x1, t, a condition; random draws stay on the host
 * so the stream equals the wasm trainer's) enters as `in_k`, and the per-step scalars as `lr`, `bc1`, `bc2`,
 * `decay`. Output `loss` is the batch loss before the update. Shapes are fixed: a training step always sees the
 * same batch.
 *
 * Several steps per call (`steps` = K > 1): the graph is K steps one after the other, each on its own batch and
 * scalars, stacked on a leading axis (`in_k` [K, …], `lr` … [K], `loss` [K]). onnxruntime-node copies every
 * output into a fresh JavaScript buffer on each call — for the four state vectors about 0.9 ms of a ≈ 6 ms step —
 * and K steps per call pay that once.
 */
import { np, treeOps, valueAndGrad, treeLeaves, treeRef, type Array, type Tree } from "../engine/index.js";
import { applyGrads, type StepOptions } from "../train/step.js";
import { compileToGraph, OPSET, type GraphInput } from "./compile.js";
import { encodeModel } from "./proto.js";
import { OptionError } from "../errors.js";

/** The four flat state vectors' graph names (params, EMA, Adam m, Adam v). */
export const STATE_NAMES = ["p", "e", "m", "v"] as const;
export const SCALARS = ["lr", "bc1", "bc2", "decay"] as const;

export interface TrainStepGraph {
  bytes: Uint8Array;
  /** Entries of each flat state vector (the parameter count). */
  size: number;
  /** Nodes in the graph (before ONNX Runtime's own optimizations). */
  nodes: number;
  /** Names of the batch inputs (in_0, in_1, …). */
  inputs: string[];
}

/**
 * Compiles the step of `loss` (consumes its inputs, not params) for a parameter tree shaped like `params` and
 * batch inputs shaped like `inputs` (both borrowed; only shapes are read).
 */
export function trainStepOnnx<P extends Tree, I extends Array[]>(loss: (p: P, inputs: I) => Array, o: StepOptions, params: P, inputs: I, steps = 1): TrainStepGraph {
  const leaves = treeLeaves(params);
  for (const a of [...leaves, ...inputs]) {
    if (String(a.dtype) !== "float32") throw new OptionError(`the onnx backend trains in float32; got ${String(a.dtype)} arrays`);
  }
  const [, def] = treeOps.flatten(params);
  const shapes = leaves.map((a) => a.shape.slice());
  const sizes = shapes.map((s) => s.reduce((x, y) => x * y, 1));
  const size = sizes.reduce((x, y) => x + y, 0);
  // Split points of the flat vector (np.split takes the boundaries between pieces).
  const bounds = sizes.slice(0, -1).map((_, i) => sizes.slice(0, i + 1).reduce((x, y) => x + y, 0));
  const k = inputs.length;
  const graphInputs: GraphInput[] = [
    ...STATE_NAMES.map((name) => ({ name, shape: [size] })),
    ...inputs.map((a, i) => ({ name: `in_${i}`, shape: steps > 1 ? [steps, ...a.shape] : a.shape.slice() })),
    ...SCALARS.map((name) => ({ name, shape: steps > 1 ? [steps] : [] })),
  ];
  const outputs = [...STATE_NAMES.map((n) => `${n}_next`), "loss"];
  /** One step: consumes everything; returns the four new state vectors and the loss. */
  const one = (state: Array[], batch: I, [lr, bc1, bc2, decay]: Array[]): [Array[], Array] => {
    const [p, e, m, v] = state as [Array, Array, Array, Array];
    const pieces = leaves.length === 1 ? [p.ref] : np.split(p.ref, bounds);
    const tree = treeOps.unflatten(def, pieces.map((x, i) => x.reshape(shapes[i]!))) as P;
    const [l, g] = (valueAndGrad(loss) as unknown as (p: P, i: I) => [Array, P])(tree, batch);
    const gl = treeLeaves(g).map((x) => x.reshape([-1]));
    const gFlat = gl.length === 1 ? gl[0]! : np.concatenate(gl, 0);
    return [applyGrads(o, p, e, m, v, gFlat, lr!, bc1!, bc2!, decay!), l];
  };
  /** Step j's slices of the stacked [K, …] arrays (consumes them). */
  const unstack = (a: Array): Array[] => np.split(a, steps, 0).map((x) => x.reshape(x.shape.slice(1)));
  const step = (_: Tree, ...flat: Array[]) => {
    let state = flat.slice(0, 4);
    if (steps === 1) {
      const [next, l] = one(state, flat.slice(4, 4 + k) as I, flat.slice(4 + k));
      return [...next, l];
    }
    const batches = flat.slice(4, 4 + k).map(unstack);
    const scalars = flat.slice(4 + k).map(unstack);
    const losses: Array[] = [];
    for (let j = 0; j < steps; j++) {
      const [next, l] = one(state, batches.map((b) => b[j]!) as I, scalars.map((s) => s[j]!));
      state = next;
      losses.push(l.reshape([1]));
    }
    return [...state, np.concatenate(losses, 0)];
  };
  const graph = compileToGraph(step, { params: {}, inputs: graphInputs, outputs, name: "train_step" });
  const bytes = encodeModel({ graph, opset: OPSET, docString: "flowmatch training step: loss, gradient, clipping, Adam(W), EMA (flat state vectors)" });
  return { bytes, size, nodes: graph.nodes.length, inputs: inputs.map((_, i) => `in_${i}`) };
}

/** The leaves of `t` (borrowed) flattened and concatenated in leaf order: a flat state vector's value. */
export function flattenState(t: Tree): Float32Array {
  const leaves = treeLeaves(t);
  const out = new Float32Array(leaves.reduce((n, a) => n + a.size, 0));
  let at = 0;
  for (const a of leaves) {
    out.set(a.ref.dataSync() as Float32Array, at);
    at += a.size;
  }
  return out;
}

/** The pieces of a flat state vector sized like the leaves of `like` (copies, in leaf order). */
export function splitState(flat: Float32Array, like: Tree): Float32Array[] {
  let at = 0;
  return treeLeaves(like).map((a) => flat.slice(at, (at += a.size)));
}
