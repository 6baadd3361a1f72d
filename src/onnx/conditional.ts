/**
 * Conditioning inputs of exported graphs. A class-conditional model takes `label` (int64 [batch]: the index into
 * the config's `classes`, −1 for ∅, the unconditional model) and `guidance` (float32 [batch], the classifier-free
 * weight w); a context-conditional model takes `context` (float32 [batch, C]) and `guidance`. The field is then
 * v = (1 + w)·v(x, t, c) − w·v(x, t, ∅) — w = 0 gives the plain conditional field — as `VelocityModel.velocity`
 * computes it. The one-hot encoding of labels happens inside the graph, so callers pass plain indices. The library's
 * own graphs leave `guidance` out when w = 0 (`guided` false): the field is then v(x, t, c) alone, one network pass
 * instead of two, as the wasm field is without guidance.
 */
import { np, type Array } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import type { GraphInput } from "./compile.js";
import { repeatRows, type RowConditions } from "../likelihood/logprob-inputs.js";
import type { OrtModule } from "./runtime.js";

/** The extra graph inputs of `model` (none when it is unconditional); `guidance` unless `guided` is false. */
export function condInputs(model: VelocityModel, guided = true): GraphInput[] {
  const c = model.config.cond;
  if (!c) return [];
  const first: GraphInput = c.kind === "class" ? { name: "label", shape: ["B"], type: "int64" } : { name: "context", shape: ["B", c.dim] };
  return guided ? [first, { name: "guidance", shape: ["B"] }] : [first];
}

/** condInputs with the batch fixed at B (the library's own graphs compile one batch size). */
export const fixedCondInputs = (model: VelocityModel, B: number, guided = true): GraphInput[] =>
  condInputs(model, guided).map((c) => ({ ...c, shape: c.shape.map((d) => (d === "B" ? B : d)) }));

/**
 * The feeds of condInputs for rows [start, start + m) of `rc`, padded to B rows (∅ labels, zero context, as the
 * padded rows' state is 0: rows do not interact); `guidance` when `guided`. An ONNX context row always carries the
 * presence flag, so a context model needs every row's context here (the caller checks).
 */
export function condFeeds(ort: OrtModule, rc: RowConditions, start: number, m: number, B: number, guided: boolean): Record<string, InstanceType<OrtModule["Tensor"]>> {
  const feeds: Record<string, InstanceType<OrtModule["Tensor"]>> = {};
  if (rc.kind === "class") {
    const label = new BigInt64Array(B).fill(-1n);
    for (let i = 0; i < m; i++) label[i] = BigInt(rc.labels[start + i]!);
    feeds.label = new ort.Tensor("int64", label, [B]);
  } else {
    const C = rc.dim;
    const ctx = new Float32Array(B * C);
    ctx.set(rc.context!.subarray(start * C, (start + m) * C));
    feeds.context = new ort.Tensor("float32", ctx, [B, C]);
  }
  if (guided) feeds.guidance = new ort.Tensor("float32", new Float32Array(B).fill(rc.guidance), [B]);
  return feeds;
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
 * guidance], or [label|context] when not `guided`): the plain field for an unconditional model, the conditional one
 * otherwise, guided when `guided`. `t` is a scalar or [B] array.
 */
export function tracedField(model: VelocityModel, p: ModelParams, cin: Array[], B: number, guided = true): { field: (x: Array, t: Array) => Array; dispose: () => void } {
  if (!model.config.cond) return { field: (x, t) => model.apply(p, x, t), dispose: () => {} };
  const { cond, nullCond } = encode(model, cin[0]!.ref, B);
  // The divergences evaluate the field on k stacked copies of the B rows: the conditions are repeated to match.
  if (!guided) {
    nullCond.dispose();
    return { field: (x, t) => model.apply(p, x, t, repeatRows(cond.ref, x.shape[0]!)), dispose: () => cond.dispose() };
  }
  const w = cin[1]!.ref.reshape([B, 1]);
  const field = (x: Array, t: Array) => {
    const rows = x.shape[0]!;
    const vc = model.apply(p, x.ref, t.ref, repeatRows(cond.ref, rows));
    const vu = model.apply(p, x, t, repeatRows(nullCond.ref, rows));
    const wr = repeatRows(w.ref, rows);
    return vc.mul(wr.ref.add(1)).sub(vu.mul(wr));
  };
  return { field, dispose: () => [cond, nullCond, w].forEach((a) => a.dispose()) };
}
