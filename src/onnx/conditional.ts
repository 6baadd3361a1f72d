/**
 * Conditioning inputs of exported graphs. A class-conditional model takes `label` (int64 [batch]: the index into
 * the config's `classes`, −1 for ∅, the unconditional model) and `guidance` (float32 [batch], the classifier-free
 * weight w); a context-conditional model takes `context` (float32 [batch, C]) and `guidance`. The field is then
 * v = (1 + w)·v(x, t, c) − w·v(x, t, ∅) — w = 0 gives the plain conditional field — as `VelocityModel.velocity`
 * computes it. The one-hot encoding of labels happens inside the graph, so callers pass plain indices.
 */
import { np, type Array } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import type { GraphInput } from "./compile.js";

/** The extra graph inputs of `model` (none when it is unconditional). */
export function condInputs(model: VelocityModel): GraphInput[] {
  const c = model.config.cond;
  if (!c) return [];
  const first: GraphInput = c.kind === "class" ? { name: "label", shape: ["B"], type: "int64" } : { name: "context", shape: ["B", c.dim] };
  return [first, { name: "guidance", shape: ["B"] }];
}

/** Encoded condition and ∅ inputs ([B, condInputWidth]) from the traced label/context input (consumed). */
function encode(model: VelocityModel, input: Array, B: number): { cond: Array; nullCond: Array } {
  const c = model.config.cond!;
  if (c.kind === "class") {
    const K = c.classes.length;
    const idx = np.where(input.ref.less(0), K, input).reshape([B, 1]); // −1 (∅) → the last column
    const cols = np.arange(K + 1).astype(np.float32).reshape([1, K + 1]);
    const cond = idx.ref.equal(cols.ref).astype(np.float32);
    const nullCond = idx.mul(0).add(K).equal(cols).astype(np.float32);
    return { cond, nullCond };
  }
  const cond = np.concatenate([input, np.ones([B, 1], { dtype: np.float32 })], 1); // the presence flag
  return { cond, nullCond: np.zeros([B, c.dim + 1], { dtype: np.float32 }) };
}

/**
 * The velocity field as a function of (x, t) for traced condition inputs `cin` (borrowed; [label|context,
 * guidance]): the plain field for an unconditional model, the guided one otherwise. `t` is a scalar or [B] array.
 */
export function tracedField(model: VelocityModel, p: ModelParams, cin: Array[], B: number): { field: (x: Array, t: Array) => Array; dispose: () => void } {
  if (!model.config.cond) return { field: (x, t) => model.apply(p, x, t), dispose: () => {} };
  const { cond, nullCond } = encode(model, cin[0]!.ref, B);
  const w = cin[1]!.ref.reshape([B, 1]);
  const field = (x: Array, t: Array) => {
    const vc = model.apply(p, x.ref, t.ref, cond.ref);
    const vu = model.apply(p, x, t, nullCond.ref);
    return vc.mul(w.ref.add(1)).sub(vu.mul(w.ref));
  };
  return { field, dispose: () => [cond, nullCond, w].forEach((a) => a.dispose()) };
}
