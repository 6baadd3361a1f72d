/**
 * Named discrete-flow architectures: builders of a bijector chain and base (`buildFlow`; `Flow.init(config)` gives the
 * model, the same `Flow` a user assembles by hand), and the JSON config that rebuilds them. The
 * config records everything the structure depends on (sizes, masks' parities follow from the layer index, the LU
 * seeds, the autoregressive orders), so `buildFlow(config)` gives the same model on load as at training time; the
 * parameters come from `init` with the config's seed, or from a checkpoint.
 *
 * Architectures (K = `layers`; "[ActNorm]" = present when `actnorm`, the default):
 *  - nice:    [ActNorm] → K additive couplings (alternating half masks) → ActNorm (NICE's diagonal scaling layer).
 *  - realnvp: K × ([ActNorm] → affine coupling), alternating half masks.
 *  - glow:    vectors: K × ([ActNorm] → LU linear → affine coupling); images [H, W, C]: multi-scale Glow
 *             (glow.ts) with `levels` levels of K steps each.
 *  - maf:     [ActNorm] → K MAF layers (MADE orders alternately natural and reversed). Density: one pass per layer;
 *             sampling: D passes per layer.
 *  - iaf:     the same with IAF layers: sampling one pass, density D passes per layer (training is slower).
 *  - nsf:     [ActNorm] → K × (rational-quadratic spline coupling → LU linear) (`variant` "coupling", default), or
 *             K × (autoregressive spline → LU linear) ("autoregressive"; sequential sampling).
 *  - planar, radial: [ActNorm] → K planar / radial layers. These are density-direction flows: log p is one pass;
 *             sampling runs their inverses, which are iterative (planar: safeguarded Newton per layer) or a
 *             closed-form root (radial), so sampling works but is the slow direction. No context support.
 * Every network layer's last layer starts at zero, so a fresh flow (before ActNorm's data init) is the identity
 * (planar layers are only close to it) — apart from the random rotations of the LU layers.
 */
import type { ActivationName, DType } from "../engine/index.js";
import { OptionError } from "../errors.js";
import type { CustomFlowConfig, FlowCommon } from "./flow-config.js";
import { ActNorm } from "./actnorm.js";
import { StandardNormal, DiagonalNormal, type BaseDistribution } from "./base.js";
import { Chain } from "./chain.js";
import { AdditiveCoupling, AffineCoupling } from "./coupling.js";
import { LULinear } from "./lu-linear.js";
import { halfMask } from "./masks.js";
import { maf, iaf } from "./maf.js";
import { SplineCoupling } from "./spline-coupling.js";
import { splineAutoregressive } from "./spline-autoregressive.js";
import { Planar } from "./planar.js";
import { Radial } from "./radial.js";
import { MultiScaleGlow } from "./glow.js";
import { sizeOf } from "./shape.js";
import type { Bijector } from "./types.js";

export const FLOW_ARCHS = ["nice", "realnvp", "glow", "maf", "iaf", "nsf", "planar", "radial"] as const;
export type FlowArch = (typeof FLOW_ARCHS)[number];

export function isFlowArch(s: string): s is FlowArch {
  return (FLOW_ARCHS as readonly string[]).includes(s);
}

/** Everything needed to rebuild a named flow (saved as config.json's `model`). */
export interface FlowConfig extends FlowCommon {
  arch: FlowArch;
  /** K: coupling / autoregressive / planar / radial layers, or flow steps per level for image glow. */
  layers: number;
  /** Conditioner (MLP / MADE) hidden widths. */
  hidden: number[];
  activation: ActivationName;
  /** Image glow: number of levels (squeeze + K steps + split). */
  levels?: number;
  /** nsf: spline bins, interval half-width, and coupling or autoregressive transforms. */
  bins?: number;
  splineBound?: number;
  variant?: "coupling" | "autoregressive";
  /** Whether ActNorm layers are included (see the architecture list). */
  actnorm: boolean;
  /** Base distribution: N(0, I) ("standard") or a diagonal Gaussian with learnable mean and scale. */
  base: "standard" | "diagonal";
  /** Seeds of the LU-linear / 1×1-conv layers in build order (they fix each layer's permutation and signs). */
  luSeeds: number[];
}

export type FlowConfigInput = Partial<FlowConfig> & { arch: FlowArch; eventShape: number[] };

/** Default K per architecture (2-D toys; image glow: steps per level). */
function defaultLayers(arch: FlowArch, image: boolean): number {
  if (arch === "planar" || arch === "radial") return 32;
  if (arch === "maf" || arch === "iaf") return 5;
  if (arch === "nsf") return 4;
  return image ? 4 : 8;
}

/** Fills defaults, checks sizes, and records the LU seeds. */
export function resolveFlowConfig(c: FlowConfigInput): FlowConfig {
  if (!isFlowArch(c.arch)) throw new OptionError(`unknown flow "${String(c.arch)}"; valid: ${FLOW_ARCHS.join(", ")}`);
  const shape = [...c.eventShape];
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 1))
    throw new OptionError(`flow: expected an event shape of positive integers, got [${shape}]`);
  const image = shape.length === 3;
  if (shape.length !== 1 && !(image && c.arch === "glow"))
    throw new OptionError(`${c.arch}: expected a vector event shape [D]${c.arch === "glow" ? " or an image [H, W, C]" : ""}, got [${shape}]`);
  const D = sizeOf(shape);
  const isCoupling = ["nice", "realnvp", "glow", "nsf"].includes(c.arch) && !(c.arch === "nsf" && c.variant === "autoregressive");
  if (isCoupling && !image && D < 2) throw new OptionError(`${c.arch}: coupling layers need dimension ≥ 2, got ${D}`);
  const layers = c.layers ?? defaultLayers(c.arch, image);
  if (!Number.isInteger(layers) || layers < 1) throw new OptionError(`flow layers must be a positive integer, got ${layers}`);
  const hidden = c.hidden ?? (image ? [128, 128] : [64, 64]);
  if (!hidden.length || !hidden.every((h) => Number.isInteger(h) && h >= 1))
    throw new OptionError(`flow hidden widths must be positive integers, got [${hidden}]`);
  const ctxDim = c.ctxDim ?? 0;
  if ((c.arch === "planar" || c.arch === "radial") && ctxDim > 0)
    throw new OptionError(`${c.arch}: conditional (context) flows are not supported by planar/radial layers`);
  const seed = c.seed ?? 0;
  const levels = image ? (c.levels ?? 2) : undefined;
  const nLu = c.arch === "glow" ? (image ? levels! * layers : layers) : c.arch === "nsf" ? layers : 0;
  const luSeeds = c.luSeeds ?? globalThis.Array.from({ length: nLu }, (_, i) => (seed * 7919 + 101 * (i + 1)) >>> 0);
  if (luSeeds.length !== nLu) throw new OptionError(`flow: expected ${nLu} LU seeds, got ${luSeeds.length}`);
  return {
    kind: "normalizing-flow",
    arch: c.arch,
    eventShape: shape,
    layers,
    hidden,
    activation: c.activation ?? "relu",
    ...(levels !== undefined ? { levels } : {}),
    ...(c.arch === "nsf" ? { bins: c.bins ?? 8, splineBound: c.splineBound ?? 4, variant: c.variant ?? "coupling" } : {}),
    actnorm: c.actnorm ?? true,
    ctxDim,
    base: c.base ?? "standard",
    seed,
    luSeeds,
    ...(c.standardizer ? { standardizer: c.standardizer } : {}),
    ...(c.dequantize ? { dequantize: c.dequantize } : {}),
    ...(c.columns ? { columns: c.columns } : {}),
    ...(c.data !== undefined ? { data: c.data } : {}),
    ...(c.testFraction !== undefined ? { testFraction: c.testFraction } : {}),
    ...(c.cond ? { cond: c.cond } : {}),
    actnormInitialized: c.actnormInitialized ?? false,
  };
}

/** The bijector (density direction = forward) and base distribution a config describes. */
export function buildFlow(c: FlowConfig): { bijector: Bijector; base: BaseDistribution } {
  const shape = c.eventShape;
  const D = sizeOf(shape);
  const base = c.base === "diagonal" ? new DiagonalNormal(shape) : new StandardNormal(shape);
  const K = c.layers;
  const an = c.actnorm;
  const mlp = { hidden: c.hidden, activation: c.activation, ctxDim: c.ctxDim };
  const parity = (k: number) => (k % 2) as 0 | 1;
  const L: Bijector[] = [];
  if (c.arch === "glow" && shape.length === 3) {
    const bij = new MultiScaleGlow(shape, { levels: c.levels, steps: K, hidden: c.hidden, activation: c.activation, ctxDim: c.ctxDim, luSeeds: c.luSeeds, actnorm: an });
    return { bijector: bij, base };
  }
  const natural = globalThis.Array.from({ length: D }, (_, i) => i);
  const order = (k: number) => (k % 2 === 0 ? natural : natural.map((i) => D - 1 - i));
  switch (c.arch) {
    case "nice":
      if (an) L.push(new ActNorm(shape));
      for (let k = 0; k < K; k++) L.push(new AdditiveCoupling(shape, { ...mlp, mask: halfMask(D, parity(k)), zeroInit: false }));
      L.push(new ActNorm(shape));
      break;
    case "realnvp":
      for (let k = 0; k < K; k++) {
        if (an) L.push(new ActNorm(shape));
        L.push(new AffineCoupling(shape, { ...mlp, mask: halfMask(D, parity(k)) }));
      }
      break;
    case "glow":
      for (let k = 0; k < K; k++) {
        if (an) L.push(new ActNorm(shape));
        L.push(new LULinear(shape, { seed: c.luSeeds[k] }));
        L.push(new AffineCoupling(shape, { ...mlp, mask: halfMask(D, parity(k)) }));
      }
      break;
    case "maf":
    case "iaf":
      if (an) L.push(new ActNorm(shape));
      for (let k = 0; k < K; k++) L.push((c.arch === "maf" ? maf : iaf)({ dim: D, ...mlp, order: order(k) }));
      break;
    case "nsf":
      if (an) L.push(new ActNorm(shape));
      for (let k = 0; k < K; k++) {
        const spline = { bins: c.bins, bound: c.splineBound };
        L.push(
          c.variant === "autoregressive"
            ? splineAutoregressive({ dim: D, ...mlp, ...spline, order: order(k) })
            : new SplineCoupling(shape, { ...mlp, ...spline, mask: halfMask(D, parity(k)) }),
        );
        L.push(new LULinear(shape, { seed: c.luSeeds[k] }));
      }
      break;
    case "planar":
    case "radial":
      if (an) L.push(new ActNorm(shape));
      for (let k = 0; k < K; k++) L.push(c.arch === "planar" ? new Planar(shape) : new Radial(shape));
      break;
  }
  return { bijector: new Chain(L), base };
}

/** Whether any layer of a named flow has a data-dependent initialization (ActNorm). */
export function needsDataInit(c: FlowConfig): boolean {
  return c.actnorm || c.arch === "nice";
}

/** A short human description, e.g. "realnvp: 8 layers, hidden 64,64 (event [2])". */
export function describeFlow(c: FlowConfig | CustomFlowConfig, _dtype?: DType): string {
  if (c.arch === "custom") return `custom flow: ${c.structure.layers.join(" → ")}, base ${c.structure.base} (event [${c.eventShape.join(", ")}])`;
  const lv = c.levels ? `${c.levels} levels × ` : "";
  return `${c.arch}: ${lv}${c.layers} layers, hidden ${c.hidden.join(",")} (event [${c.eventShape.join(", ")}])`;
}
