/**
 * A composition of bijectors. `forward` (density direction) applies the layers in order, `inverse` (sampling
 * direction) in reverse order; the logDets add up. Parameters are the array of each layer's parameters, so a
 * checkpoint stores them layer by layer.
 */
import type { Array, DType, Rng } from "../engine/index.js";
import { treeRef } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { jitSupport, type Bijector, type FastDirection, type ForwardResult, type InverseResult, type JitSupport, type Params } from "./types.js";

/** The weakest of the layers' fast directions ("neither" when both a forward-only and an inverse-only are present). */
export function weakestFast(fs: readonly FastDirection[]): FastDirection {
  const fwd = fs.every((f) => f === "both" || f === "forward");
  const inv = fs.every((f) => f === "both" || f === "inverse");
  return fwd && inv ? "both" : fwd ? "forward" : inv ? "inverse" : "neither";
}

export class Chain implements Bijector<Params[]> {
  readonly name = "chain";
  readonly fast: FastDirection;
  /** A direction is jittable when it is for every layer. */
  readonly jit: JitSupport;
  readonly eventShape: number[];

  constructor(readonly layers: readonly Bijector[]) {
    if (layers.length === 0) throw new OptionError("Chain: expected at least one layer");
    this.eventShape = [...layers[0]!.eventShape];
    layers.forEach((l, i) => {
      if (l.eventShape.join() !== this.eventShape.join())
        throw new OptionError(
          `Chain: layer ${i} (${l.name}) has event shape [${l.eventShape}], expected [${this.eventShape}]`,
        );
    });
    this.fast = weakestFast(layers.map((l) => l.fast));
    const js = layers.map(jitSupport);
    this.jit = { forward: js.every((j) => j.forward), inverse: js.every((j) => j.inverse) };
  }

  /** Each layer's init in turn, all drawing from the same rng stream. */
  init(rng: Rng, dtype: DType): Params[] {
    return this.layers.map((l) => l.init(rng, dtype));
  }

  forward(params: Params[], x: Array, ctx?: Array): ForwardResult {
    let y = x;
    let logDet: Array | undefined;
    this.layers.forEach((l, i) => {
      const r = l.forward(params[i]!, y, ctx?.ref);
      y = r.y;
      logDet = logDet === undefined ? r.logDet : logDet.add(r.logDet);
    });
    ctx?.dispose();
    return { y, logDet: logDet! };
  }

  inverse(params: Params[], y: Array, ctx?: Array): InverseResult {
    let x = y;
    let logDet: Array | undefined;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const r = this.layers[i]!.inverse(params[i]!, x, ctx?.ref);
      x = r.x;
      logDet = logDet === undefined ? r.logDet : logDet.add(r.logDet);
    }
    ctx?.dispose();
    return { x, logDet: logDet! };
  }

  /**
   * Runs each layer's dataInit on the batch as transformed by the (already initialized) layers before it. Layers
   * without a dataInit keep their parameters (the returned tree shares those leaves, with an extra reference).
   */
  dataInit(params: Params[], x: Array, ctx?: Array): Params[] {
    const out: Params[] = [];
    let y = x;
    this.layers.forEach((l, i) => {
      const p = l.dataInit ? l.dataInit(params[i]!, y.ref, ctx?.ref) : treeRef(params[i]!);
      out.push(p);
      const r = l.forward(p, y, ctx?.ref);
      r.logDet.dispose();
      y = r.y;
    });
    y.dispose();
    ctx?.dispose();
    return out;
  }
}

/**
 * Whether running `dataInit` would change anything: a layer with its own data init (ActNorm), looking inside chains.
 * A bijector that is not a Chain counts when it has a `dataInit`.
 */
export function hasDataInit(b: Bijector): boolean {
  return b instanceof Chain ? b.layers.some(hasDataInit) : b.dataInit !== undefined;
}
