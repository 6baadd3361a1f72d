/**
 * `train --net unet`: what the U-Net changes in flow-matching training on the command line — image data (the
 * built-in digits or an IDX file) instead of a table, the network config from the image size, flags that only
 * describe the MLP refused, and training defaults sized for a convolutional net on 2 CPU cores.
 */
import { OptionError } from "../errors.js";
import { defaultUnetConfig, type UnetConfig } from "../nets/unet.js";
import { condEmbedWidth } from "../fm/conditioning.js";
import type { CondSpec, DataSource } from "../data/data-source.js";
import type { CondConfig } from "../fm/conditioning.js";
import type { Standardizer } from "../data/normalize.js";
import { isImageSpec, openImageSource } from "../node/images.js";

export const NET_KINDS = ["mlp", "unet"] as const;
export type NetKind = (typeof NET_KINDS)[number];

/**
 * Training defaults of `--net unet` where the flag is not typed (the MLP's are in trainSpec). A batch of 64 and
 * Adam at 1e-3 with the cosine schedule; EMA 0.995, since with 0.999 and no bias correction the initial weights
 * would still carry 37% of the average after 1,000 steps. The steps fit the digits recipe in 15 minutes on 2 cores
 * (README, "Images"). Uniform t: the digits recipe was measured with it; the MLP's late logit-normal default
 * (issue 13) is untried on images.
 */
export const UNET_TRAIN_DEFAULTS = { steps: 2000, batch: 64, lr: 1e-3, emaDecay: 0.995, testFraction: 0.1, timeSampling: "uniform" } as const;

/** `--net`: mlp (default) or unet. */
export function netKindArg(v: Record<string, unknown>): NetKind {
  const k = String(v.net ?? "mlp");
  if (!(NET_KINDS as readonly string[]).includes(k)) throw new OptionError(`--net must be ${NET_KINDS.join(" or ")}, got "${k}"`);
  return k as NetKind;
}

/** Flags that describe the MLP or a CSV's scaling: refused with --net unet rather than silently ignored. */
export function refuseMlpFlags(given: ReadonlySet<string>): void {
  for (const f of ["hidden", "activation", "time-embedding", "standardize", "data-scale"]) {
    if (given.has(f)) throw new OptionError(`--${f} applies to --net mlp; a U-Net's pixels are scaled to [−1, 1] and its size is --net-width/--net-depth (leave --${f} out)`);
  }
}

/** The converse: --net-width and --net-depth only size a U-Net. */
export function refuseUnetFlags(given: ReadonlySet<string>): void {
  for (const f of ["net-width", "net-depth"]) if (given.has(f)) throw new OptionError(`--${f} sizes --net unet; the MLP's size is --hidden (leave --${f} out)`);
}

/** Image training data for the U-Net: "digits" or an IDX file, class-conditional with `--cond label`. */
export function openUnetData(spec: string, o: { cond?: CondSpec; condConfig?: CondConfig; testFraction?: number; standardizer?: Standardizer }): DataSource {
  if (!isImageSpec(spec)) throw new OptionError(`--net unet trains on images: --data digits or an IDX file (…-images-idx3-ubyte[.gz]), got "${spec}"`);
  const cols = o.cond?.columns;
  if (cols && (cols.length !== 1 || cols[0] !== "label")) throw new OptionError(`--cond: image data is conditioned on its class, --cond label (got "${cols.join(",")}")`);
  if (o.cond?.kind === "context") throw new OptionError("--cond-type: image labels are classes (leave --cond-type out)");
  return openImageSource(spec, { cond: !!cols, condConfig: o.condConfig, testFraction: o.testFraction, standardizer: o.standardizer });
}

/** The U-Net for this data: size defaults from the image shape, --net-width / --net-depth, the class input width. */
export function unetConfigFor(data: DataSource, width?: number, depth?: number): UnetConfig {
  const image = data.image;
  if (!image) throw new OptionError(`--net unet needs image data; ${data.spec} is a table`);
  const c = defaultUnetConfig(image, { width, levels: depth });
  if (depth !== undefined && c.mults.length !== depth)
    throw new OptionError(`--net-depth ${depth}: a ${image[0]}×${image[1]} image halves only ${c.mults.length - 1} time${c.mults.length === 2 ? "" : "s"} (at most --net-depth ${c.mults.length})`);
  return { ...c, ...(data.cond ? { condWidth: condEmbedWidth(data.cond) } : {}) };
}
