/**
 * Colour maps for density images. `viridis` interpolates nine anchors of matplotlib's viridis linearly in sRGB:
 * close enough to the real map to stay perceptually ordered and colour-blind safe, without a 256-entry table.
 */
import type { Rgb } from "./canvas.js";

/** viridis at t = 0, 1/8, …, 1 (from matplotlib's table). */
const VIRIDIS: readonly Rgb[] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 73, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [110, 206, 88],
  [253, 231, 37],
];

/** Linear interpolation through equally spaced anchor colours; t is clamped to [0, 1], NaN maps to 0. */
export function interpolateAnchors(anchors: readonly Rgb[], t: number): Rgb {
  const u = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t)) * (anchors.length - 1);
  const i = Math.min(anchors.length - 2, Math.floor(u));
  const f = u - i;
  const a = anchors[i];
  const b = anchors[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** The viridis-like colour for t in [0, 1] (dark purple → blue → green → yellow). */
export function viridis(t: number): Rgb {
  return interpolateAnchors(VIRIDIS, t);
}

/** Relative luminance proxy (Rec. 709 weights on sRGB values, 0–255), used to check the map is monotone. */
export function luminance(c: Rgb): number {
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}
