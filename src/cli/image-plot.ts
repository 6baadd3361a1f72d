/**
 * `plot` of an image model (a U-Net checkpoint): a grid of samples, one row per class for a class-conditional
 * model (guided with --guidance), or a square of unconditional samples; pixel units from the checkpoint's scaling.
 */
import type { VelocityModel } from "../fm/velocity-model.js";
import { sample } from "../fm/sample.js";
import { imageGrid, type ImageGridRow } from "../plot/image-grid.js";
import { OptionError } from "../errors.js";

/** Pixel levels of an image model: its standardizer maps [0, L) to [−1, 1), so the mean is L/2. */
export function imageLevels(model: VelocityModel): number {
  const m = model.config.standardizer?.mean[0];
  return m === undefined ? 256 : Math.round(2 * m);
}

/** The event shape of an image model, or undefined for a table model. */
export function modelImage(model: VelocityModel): [number, number, number] | undefined {
  const img = (model.config.net as { image?: unknown }).image;
  return Array.isArray(img) && img.length === 3 ? (img as [number, number, number]) : undefined;
}

export interface ImageFigureOptions {
  /** Images per row (default 10). */
  perRow?: number;
  method?: string;
  steps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
  guidance?: number;
  /** Only this class (one row). */
  label?: string;
  title?: string;
}

/** The PNG: a row per class (all classes, or `label`), or 10 rows of unconditional samples. */
export function imageFigure(model: VelocityModel, o: ImageFigureOptions = {}): Uint8Array {
  const shape = modelImage(model);
  if (!shape) throw new OptionError("imageFigure: not an image model");
  const k = o.perRow ?? 10;
  const cond = model.config.cond;
  const solver = { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol };
  const rows: ImageGridRow[] = [];
  if (cond?.kind === "class") {
    const classes = o.label !== undefined ? [o.label] : cond.classes;
    classes.forEach((c, i) => rows.push({ label: c, images: sample(model, k, { ...solver, seed: (o.seed ?? 0) + i, label: c, guidance: o.guidance }).samples }));
  } else {
    const all = sample(model, k * k, { ...solver, seed: o.seed ?? 0 }).samples;
    const D = shape[0] * shape[1] * shape[2];
    for (let r = 0; r < k; r++) rows.push({ label: "", images: all.subarray(r * k * D, (r + 1) * k * D) });
  }
  return imageGrid(rows, { shape, levels: imageLevels(model), title: o.title }).toPng();
}
