/**
 * Fixed permutations of the flattened event, y[:, i] = x[:, perm[i]]: volume preserving (logDet 0), no
 * parameters. Placed between couplings so that every coordinate is transformed. The permutation is static
 * configuration (record it, or the seed that drew it, in the model config).
 */
import { np, type Array, type DType, Rng } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { checkEvent, flatten, indexArray, invertPermutation, sizeOf, zeroLogDet } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

type Empty = Record<string, never>;

export class Permute implements Bijector<Empty> {
  readonly name = "permute";
  readonly fast = "both" as const;
  readonly eventShape: number[];
  readonly perm: readonly number[];
  private readonly inv: readonly number[];

  constructor(eventShape: number[], perm: readonly number[]) {
    this.eventShape = [...eventShape];
    if (perm.length !== sizeOf(eventShape))
      throw new OptionError(`Permute: expected a permutation of length ${sizeOf(eventShape)}, got ${perm.length}`);
    this.perm = [...perm];
    this.inv = invertPermutation(perm, "Permute");
  }

  /** Reverses the flattened event. */
  static reverse(eventShape: number[]): Permute {
    const n = sizeOf(eventShape);
    return new Permute(eventShape, globalThis.Array.from({ length: n }, (_, i) => n - 1 - i));
  }

  /** A uniformly random permutation (Fisher–Yates on the host rng). */
  static random(eventShape: number[], rng: Rng): Permute {
    const p = globalThis.Array.from({ length: sizeOf(eventShape) }, (_, i) => i);
    for (let i = p.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [p[i], p[j]] = [p[j]!, p[i]!];
    }
    return new Permute(eventShape, p);
  }

  /** Permutes the channels (last axis) of every position alike by `channelPerm`, e.g. reversed channels for Glow. */
  static channels(eventShape: number[], channelPerm: readonly number[]): Permute {
    const c = eventShape[eventShape.length - 1]!;
    invertPermutation(channelPerm, "Permute.channels");
    if (channelPerm.length !== c)
      throw new OptionError(`Permute.channels: expected a permutation of ${c} channels, got ${channelPerm.length}`);
    const perm: number[] = [];
    for (let p = 0; p < sizeOf(eventShape) / c; p++) for (const k of channelPerm) perm.push(p * c + k);
    return new Permute(eventShape, perm);
  }

  init(_rng: Rng, _dtype: DType): Empty {
    return {};
  }

  private apply(x: Array, idx: readonly number[], where: string): Array {
    const B = checkEvent(x, this.eventShape, where);
    return np.take(flatten(x), indexArray(idx), 1).reshape([B, ...this.eventShape]);
  }

  forward(_p: Empty, x: Array, ctx?: Array): ForwardResult {
    ctx?.dispose();
    const B = x.shape[0]!;
    const dtype = x.dtype;
    return { y: this.apply(x, this.perm, "Permute.forward"), logDet: zeroLogDet(B, dtype) };
  }

  inverse(_p: Empty, y: Array, ctx?: Array): InverseResult {
    ctx?.dispose();
    const B = y.shape[0]!;
    const dtype = y.dtype;
    return { x: this.apply(y, this.inv, "Permute.inverse"), logDet: zeroLogDet(B, dtype) };
  }
}
