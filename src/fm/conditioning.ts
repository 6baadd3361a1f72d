/**
 * Conditioning inputs of a velocity network: class labels (a learned embedding table with one extra row for the
 * null label ∅ used by classifier-free guidance) or continuous context vectors (with a presence flag, 0 for ∅).
 * On the host a batch's conditions become one float array ("condition input"): one-hot rows over K + 1 classes, or
 * [context, 1] rows ([0…0, 0] for ∅); inside the network `embedCondition` turns it into the MLP's extra input.
 */
import { np, Rng, fromHost, type Array, type DType } from "../engine/index.js";
import { DataError, OptionError } from "../errors.js";

export type CondConfig =
  | {
      kind: "class";
      /** The label values seen in training (as written in the data), in index order. */
      classes: string[];
      embedDim: number;
      /** Where the labels came from (CSV column name or "mode"), for messages. */
      source?: string;
    }
  | { kind: "context"; dim: number; source?: string };

/** Width of the host-side condition input. */
export function condInputWidth(c: CondConfig): number {
  return c.kind === "class" ? c.classes.length + 1 : c.dim + 1;
}
/** Width the network sees after embedding. */
export function condEmbedWidth(c: CondConfig): number {
  return c.kind === "class" ? c.embedDim : c.dim + 1;
}

/** Learned parameters of the conditioning (the class embedding table; none for context). */
export function initCondParams(c: CondConfig, rng: Rng, dtype: DType): { embed?: Array } {
  if (c.kind !== "class") return {};
  const K1 = c.classes.length + 1;
  return { embed: fromHost(rng.normals(K1 * c.embedDim), [K1, c.embedDim], dtype) };
}

/** Condition input [B, condInputWidth] (consumed) → network input [B, condEmbedWidth]. `embed` is borrowed. */
export function embedCondition(c: CondConfig, embed: Array | undefined, input: Array): Array {
  if (c.kind === "class") return np.matmul(input, embed!.ref);
  return input;
}

/** Label index per row (−1 = ∅) → one-hot rows over K + 1 columns (∅ is the last). */
export function encodeClasses(indices: ArrayLike<number>, K: number): Float64Array {
  const out = new Float64Array(indices.length * (K + 1));
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i]!;
    out[i * (K + 1) + (k < 0 ? K : k)] = 1;
  }
  return out;
}

/** Context rows ([n, dim], or null for ∅ everywhere) → [n, dim + 1] with the presence flag; `drop[i]` blanks row i. */
export function encodeContext(ctx: Float64Array | null, n: number, dim: number, drop?: ArrayLike<boolean>): Float64Array {
  const out = new Float64Array(n * (dim + 1));
  if (!ctx) return out;
  for (let i = 0; i < n; i++) {
    if (drop?.[i]) continue;
    for (let j = 0; j < dim; j++) out[i * (dim + 1) + j] = ctx[i * dim + j]!;
    out[i * (dim + 1) + dim] = 1;
  }
  return out;
}

/** Host condition input for a batch; `null` conditions mean ∅ (unconditional). */
export function conditionInput(c: CondConfig, n: number, cond: { labels?: ArrayLike<number>; context?: Float64Array } | null, dtype: DType): Array {
  if (c.kind === "class") {
    const idx = cond?.labels ?? new Int32Array(n).fill(-1);
    if (idx.length !== n) throw new OptionError(`expected ${n} labels, got ${idx.length}`);
    return fromHost(encodeClasses(idx, c.classes.length), [n, c.classes.length + 1], dtype);
  }
  const ctx = cond?.context ?? null;
  if (ctx && ctx.length !== n * c.dim) throw new OptionError(`expected context of shape [${n}, ${c.dim}], got ${ctx.length} values`);
  return fromHost(encodeContext(ctx, n, c.dim), [n, c.dim + 1], dtype);
}

/** The index of a user-given label value; unseen labels are a DataError naming the known ones. */
export function labelIndex(c: CondConfig, value: string | number): number {
  if (c.kind !== "class") throw new OptionError("this model is conditioned on a context vector, not class labels");
  const i = c.classes.indexOf(String(value));
  if (i < 0) throw new DataError(`label "${value}" was not seen in training; known labels: ${c.classes.join(", ")}`);
  return i;
}
