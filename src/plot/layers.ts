/**
 * The data layers of one panel — density image, scatter, trajectories, legend — drawn into a plot rectangle
 * through a data→pixel transform. Layout, axes and titles live in figure.ts.
 */
import type { Canvas, Rgb } from "./canvas.js";
import { viridis } from "./colormap.js";
import { CAP_HEIGHT, drawText, textWidth } from "./font.js";
import type { Bounds } from "./scale.js";

/** A plot rectangle in pixels: [x, x+w) × [y, y+h). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * A few polylines (e.g. ODE paths from noise to data) drawn over the scatter.
 * `points` is row-major [steps, count, 2] — step-major, like stacking a solver's saved states: path c at step s is
 * (points[2(s·count + c)], points[2(s·count + c) + 1]). Step 0 is marked with `startColor`, the last step with
 * `endColor`.
 */
export interface Trajectories {
  points: Float64Array | Float32Array | number[];
  steps: number;
  count: number;
  /** Line colour; default dark grey. */
  color?: Rgb;
  /** Line opacity; default 0.5. */
  alpha?: number;
  /** Marker at step 0; default grey. */
  startColor?: Rgb;
  /** Marker at the last step; default orange. */
  endColor?: Rgb;
  /** Legend entries for the two markers; default ["start", "end"]. Pass [] to hide the legend. */
  labels?: [string, string] | [];
}

/**
 * A density image drawn under the points. `values` is row-major [ny, nx] with row 0 at the *bottom* (lowest y),
 * i.e. value (ix, iy) at index iy·nx + ix — the order of `for y … for x …` over an ascending grid. Each value is
 * the centre of a cell of `extent` split into nx × ny cells; pixels are bilinearly interpolated.
 */
export interface Heatmap {
  values: Float64Array | Float32Array | number[];
  nx: number;
  ny: number;
  /** Area the grid covers; default the figure's bounds. */
  extent?: Bounds;
  /** Values mapped to the two ends of the colour map; default the finite min and max. NaN cells stay blank. */
  range?: [number, number];
}

export const DEFAULT_TRAJ_COLOR: Rgb = [60, 60, 60];
// Purple: not the light grey of the samples drawn behind the paths, nor the blue of the data panel.
export const DEFAULT_START_COLOR: Rgb = [94, 60, 153];
export const DEFAULT_END_COLOR: Rgb = [230, 97, 1];

/** Data → pixel transform for a plot rectangle showing `b` (y up). */
export function makeTransform(rect: Rect, b: Bounds): { px: (x: number) => number; py: (y: number) => number } {
  const sx = rect.w / (b[1] - b[0]);
  const sy = rect.h / (b[3] - b[2]);
  return { px: (x) => rect.x + (x - b[0]) * sx, py: (y) => rect.y + (b[3] - y) * sy };
}

/** Paint the heatmap into `rect` (clip must already be set to it). */
export function drawHeatmap(canvas: Canvas, rect: Rect, b: Bounds, hm: Heatmap): void {
  const { nx, ny, values } = hm;
  const ext = hm.extent ?? b;
  let [lo, hi] = hm.range ?? [Infinity, -Infinity];
  if (!hm.range) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return;
  const span = hi > lo ? hi - lo : 1;
  const val = (ix: number, iy: number) => values[Math.min(ny - 1, Math.max(0, iy)) * nx + Math.min(nx - 1, Math.max(0, ix))];
  for (let j = 0; j < rect.h; j++) {
    const y = b[3] - ((j + 0.5) / rect.h) * (b[3] - b[2]);
    // Continuous cell coordinate: cell centres sit at integers 0 … n-1.
    const gy = ((y - ext[2]) / (ext[3] - ext[2])) * ny - 0.5;
    if (gy < -0.5 || gy > ny - 0.5) continue;
    for (let i = 0; i < rect.w; i++) {
      const x = b[0] + ((i + 0.5) / rect.w) * (b[1] - b[0]);
      const gx = ((x - ext[0]) / (ext[1] - ext[0])) * nx - 0.5;
      if (gx < -0.5 || gx > nx - 0.5) continue;
      const ix = Math.floor(gx);
      const iy = Math.floor(gy);
      const fx = gx - ix;
      const fy = gy - iy;
      let v =
        (val(ix, iy) * (1 - fx) + val(ix + 1, iy) * fx) * (1 - fy) +
        (val(ix, iy + 1) * (1 - fx) + val(ix + 1, iy + 1) * fx) * fy;
      if (Number.isNaN(v)) v = val(Math.round(gx), Math.round(gy)); // a NaN neighbour: fall back to nearest
      if (Number.isNaN(v)) continue;
      canvas.blend(rect.x + i, rect.y + j, viridis((v - lo) / span), 1);
    }
  }
}

/** Antialiased discs of diameter `size` px at each finite point of row-major [n, 2] `points`. */
export function drawScatter(
  canvas: Canvas, rect: Rect, b: Bounds, points: ArrayLike<number>, color: Rgb, size: number, alpha: number,
): void {
  const { px, py } = makeTransform(rect, b);
  const r = size / 2;
  for (let i = 0; i + 1 < points.length; i += 2) canvas.disc(px(points[i]), py(points[i + 1]), r, color, alpha);
}

/** Polylines for each path, then start markers, then end markers (so ends stay visible on top). */
export function drawTrajectories(canvas: Canvas, rect: Rect, b: Bounds, t: Trajectories, markerSize: number): void {
  const { px, py } = makeTransform(rect, b);
  const { steps, count, points } = t;
  const xs = new Float64Array(steps);
  const ys = new Float64Array(steps);
  const at = (s: number, c: number) => 2 * (s * count + c);
  for (let c = 0; c < count; c++) {
    for (let s = 0; s < steps; s++) {
      xs[s] = px(points[at(s, c)]);
      ys[s] = py(points[at(s, c) + 1]);
    }
    canvas.polyline(xs, ys, t.color ?? DEFAULT_TRAJ_COLOR, t.alpha ?? 0.5);
  }
  const r = markerSize / 2;
  for (const [s, col] of [[0, t.startColor ?? DEFAULT_START_COLOR], [steps - 1, t.endColor ?? DEFAULT_END_COLOR]] as const) {
    for (let c = 0; c < count; c++) canvas.disc(px(points[at(s, c)]), py(points[at(s, c) + 1]), r, col, 0.9);
  }
}

/** A small boxed legend in the top-left corner of `rect`: one coloured dot and label per entry. */
export function drawLegend(canvas: Canvas, rect: Rect, entries: { color: Rgb; label: string }[]): void {
  if (entries.length === 0) return;
  const pad = 5;
  const rowH = CAP_HEIGHT + 6;
  const w = pad * 2 + 10 + Math.max(...entries.map((e) => textWidth(e.label)));
  const h = pad * 2 + rowH * entries.length - 6;
  const x = rect.x + 6;
  const y = rect.y + 6;
  canvas.rect(x, y, w, h, [255, 255, 255], 0.85);
  canvas.strokeRect(x, y, w, h, [190, 190, 190]);
  entries.forEach((e, k) => {
    const ty = y + pad + k * rowH;
    canvas.disc(x + pad + 3, ty + CAP_HEIGHT / 2, 3, e.color, 1);
    drawText(canvas, e.label, x + pad + 10, ty, [40, 40, 40]);
  });
}
