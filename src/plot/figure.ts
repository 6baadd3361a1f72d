/**
 * Figures: scatter panels laid out side by side (e.g. "data" | "model samples" | "trajectories") on a white
 * background, sharing one set of data bounds so the panels can be compared by eye; each panel has a title, a
 * light grid, a frame and labelled ticks. Output is PNG bytes, no dependencies.
 */
import { OptionError, ShapeError } from "../errors.js";
import { Canvas, type Rgb, WHITE } from "./canvas.js";
import { CAP_HEIGHT, drawText, fitText, textWidth } from "./font.js";
import {
  DEFAULT_END_COLOR, DEFAULT_START_COLOR, drawHeatmap, drawLegend, drawScatter, drawTrajectories,
  type Heatmap, makeTransform, type Rect, type Trajectories,
} from "./layers.js";
import { type Bounds, dataBounds, equalAspect, ticks } from "./scale.js";

export type { Heatmap, Rect, Trajectories } from "./layers.js";
export type { Bounds } from "./scale.js";

export interface ScatterPanel {
  title: string;
  /** Row-major [n, 2] point coordinates (x0, y0, x1, y1, …); non-finite points are skipped. */
  points: Float64Array | Float32Array | number[];
  /** Point colour; default blue, or white when the panel has a heatmap. */
  color?: Rgb;
  /** Paths drawn over the points (see `Trajectories` for the [steps, count, 2] layout). */
  trajectories?: Trajectories;
  /** Density image drawn under the points (see `Heatmap` for the [ny, nx] layout, row 0 at the bottom). */
  heatmap?: Heatmap;
}

export interface FigureOptions {
  /** Size of each panel in pixels, including its title and tick labels; default 400×400. */
  width?: number;
  height?: number;
  /**
   * [xmin, xmax, ymin, ymax] shared by all panels, used exactly as given. Default: the range of all points,
   * trajectories and heatmap extents (ignoring the outer 0.1% per side past 1000 points), padded by 5%, then
   * widened to equal aspect.
   */
  bounds?: Bounds;
  /** Figure title, drawn in a band above the panels. */
  title?: string;
  /** Point diameter in pixels; default 4 up to 1000 points per panel, 2.5 beyond. */
  pointSize?: number;
  /** Point opacity in (0, 1]; default min(0.8, max(0.02, 1500 / n)) so that dense regions of big clouds show. */
  alpha?: number;
}

/** Where things ended up, so callers (and tests) can map data coordinates to pixels. */
export interface FigureLayout {
  width: number;
  height: number;
  bounds: Bounds;
  /** The plot rectangle (inside the axes frame) of each panel. */
  plots: Rect[];
  /** Pixel position of data point (x, y) in panel `panel`. */
  toPixel(panel: number, x: number, y: number): [number, number];
}

export const DEFAULT_POINT_COLOR: Rgb = [31, 119, 180];
const GRID: Rgb = [232, 232, 232];
const FRAME: Rgb = [110, 110, 110];
const TEXT: Rgb = [30, 30, 30];
const TICK_TEXT: Rgb = [70, 70, 70];

const FIGURE_TITLE_BAND = 34;
const PANEL_TOP = 30; // panel title at scale 2 (14 px) plus padding
const BOTTOM = 22; // tick marks and x labels
const RIGHT = 14;
const TICK = 4;

/** Render the panels into a canvas and report the layout (renderPanels is this plus PNG encoding). */
export function renderFigure(panels: ScatterPanel[], opts: FigureOptions = {}): { canvas: Canvas; layout: FigureLayout } {
  const pw = opts.width ?? 400;
  const ph = opts.height ?? 400;
  validate(panels, opts, pw, ph);
  const top = opts.title ? FIGURE_TITLE_BAND : 0;

  // Left margin from the widest y label: lay out once with a guess, then again with the measured width.
  const extents = panels.flatMap((p) => (p.heatmap?.extent ? [p.heatmap.extent] : []));
  const raw = opts.bounds ?? dataBounds(panels.flatMap(panelCoords), 0.05, extents);
  const phInner = ph - PANEL_TOP - BOTTOM;
  const boundsFor = (left: number): Bounds => opts.bounds ?? equalAspect(raw, pw - left - RIGHT, phInner);
  let left = 40;
  for (let pass = 0; pass < 2; pass++) {
    const b = boundsFor(left);
    const yt = ticks(b[2], b[3], targetTicks(phInner));
    left = Math.max(24, Math.max(0, ...yt.labels.map((l) => textWidth(l))) + TICK + 8);
  }
  const bounds = boundsFor(left);
  const plots: Rect[] = panels.map((_, k) => ({ x: k * pw + left, y: top + PANEL_TOP, w: pw - left - RIGHT, h: ph - PANEL_TOP - BOTTOM }));
  if (plots[0].w < 10 || plots[0].h < 10) throw new OptionError(`renderPanels: panel size ${pw}x${ph} leaves no room to plot`);

  const canvas = new Canvas(pw * panels.length, ph + top, WHITE);
  if (opts.title) {
    const t = fitText(opts.title, canvas.width - 8, 2);
    drawText(canvas, t, (canvas.width - textWidth(t, 2)) / 2, (FIGURE_TITLE_BAND - 2 * CAP_HEIGHT) / 2 + 2, TEXT, 2);
  }
  panels.forEach((panel, k) => drawPanel(canvas, panel, plots[k], bounds, k * pw, pw, opts));

  const layout: FigureLayout = {
    width: canvas.width,
    height: canvas.height,
    bounds,
    plots,
    toPixel(panel, x, y) {
      const { px, py } = makeTransform(plots[panel], bounds);
      return [px(x), py(y)];
    },
  };
  return { canvas, layout };
}

/**
 * Render scatter panels side by side and return PNG bytes. The image is `width · panels` wide and `height`
 * tall (plus a title band when `title` is set). Throws ShapeError for malformed point arrays, OptionError for
 * bad options.
 */
export function renderPanels(panels: ScatterPanel[], opts: FigureOptions = {}): Uint8Array {
  return renderFigure(panels, opts).canvas.toPng();
}

function drawPanel(canvas: Canvas, panel: ScatterPanel, rect: Rect, b: Bounds, x0: number, pw: number, opts: FigureOptions): void {
  const xt = ticks(b[0], b[1], targetTicks(rect.w));
  const yt = ticks(b[2], b[3], targetTicks(rect.h));
  const { px, py } = makeTransform(rect, b);

  // Layers, clipped to the plot rectangle: grid, density image, points, paths.
  canvas.setClip(rect.x, rect.y, rect.w, rect.h);
  for (const v of xt.values) canvas.rect(Math.floor(px(v)), rect.y, 1, rect.h, GRID);
  for (const v of yt.values) canvas.rect(rect.x, Math.floor(py(v)), rect.w, 1, GRID);
  if (panel.heatmap) drawHeatmap(canvas, rect, b, panel.heatmap);
  const n = Math.floor(panel.points.length / 2);
  const size = opts.pointSize ?? (n <= 1000 ? 4 : 2.5);
  const alpha = opts.alpha ?? Math.min(0.8, Math.max(0.02, 1500 / Math.max(1, n)));
  const color = panel.color ?? (panel.heatmap ? WHITE : DEFAULT_POINT_COLOR);
  drawScatter(canvas, rect, b, panel.points, color, size, alpha);
  const tr = panel.trajectories;
  if (tr) drawTrajectories(canvas, rect, b, tr, Math.max(4, size + 1));
  if (tr && tr.labels?.length !== 0) {
    const [l0, l1] = tr.labels ?? ["start", "end"];
    drawLegend(canvas, rect, [
      { color: tr.startColor ?? DEFAULT_START_COLOR, label: l0 },
      { color: tr.endColor ?? DEFAULT_END_COLOR, label: l1 },
    ]);
  }
  canvas.resetClip();

  // Frame, ticks and labels, outside the plot rectangle.
  canvas.strokeRect(rect.x - 1, rect.y - 1, rect.w + 2, rect.h + 2, FRAME);
  const bottom = rect.y + rect.h + 1;
  const xLabels = thinLabels(xt.values.map(px), xt.labels);
  xt.values.forEach((v, i) => {
    const x = Math.floor(px(v));
    canvas.rect(x, bottom, 1, TICK, FRAME);
    const l = xLabels[i];
    if (l) drawText(canvas, l, Math.round(x + 0.5 - textWidth(l) / 2), bottom + TICK + 3, TICK_TEXT);
  });
  yt.values.forEach((v, i) => {
    const y = Math.floor(py(v));
    canvas.rect(rect.x - 1 - TICK, y, TICK, 1, FRAME);
    const l = yt.labels[i];
    drawText(canvas, l, rect.x - 1 - TICK - 3 - textWidth(l), Math.round(y + 0.5 - CAP_HEIGHT / 2), TICK_TEXT);
  });

  // Title centred over the plot, at double size when it fits.
  const avail = pw - 8;
  const scale = textWidth(panel.title, 2) <= avail ? 2 : 1;
  const title = fitText(panel.title, avail, scale);
  const cx = Math.min(Math.max(rect.x + rect.w / 2, x0 + 4 + textWidth(title, scale) / 2), x0 + pw - 4 - textWidth(title, scale) / 2);
  drawText(canvas, title, Math.round(cx - textWidth(title, scale) / 2), rect.y - 9 - CAP_HEIGHT * scale, TEXT, scale);
}

/** About one tick per 70 px, at least 2. */
function targetTicks(px: number): number {
  return Math.max(2, Math.round(px / 70));
}

/** Drop every other x label (then more) while neighbouring labels would touch. */
function thinLabels(positions: number[], labels: string[]): (string | null)[] {
  const widest = Math.max(0, ...labels.map((l) => textWidth(l)));
  const spacing = positions.length > 1 ? Math.abs(positions[1] - positions[0]) : Infinity;
  const every = Math.max(1, Math.ceil((widest + 6) / spacing));
  return labels.map((l, i) => (i % every === 0 ? l : null));
}

/** The point arrays of a panel that the default bounds should cover (heatmap extents are added separately). */
function panelCoords(p: ScatterPanel): ArrayLike<number>[] {
  const out: ArrayLike<number>[] = [p.points];
  if (p.trajectories) out.push(p.trajectories.points);
  return out;
}

function validate(panels: ScatterPanel[], opts: FigureOptions, pw: number, ph: number): void {
  if (!Array.isArray(panels) || panels.length === 0) throw new OptionError("renderPanels: need at least one panel");
  if (!Number.isInteger(pw) || !Number.isInteger(ph) || pw < 80 || ph < 80 || pw * panels.length > 32768 || ph > 32768) {
    throw new OptionError(`renderPanels: panel size must be integers >= 80 (total <= 32768 px), got ${pw}x${ph} x ${panels.length} panels`);
  }
  const b = opts.bounds;
  if (b && !(b.length === 4 && b.every(Number.isFinite) && b[1] > b[0] && b[3] > b[2])) {
    throw new OptionError(`renderPanels: bounds must be finite [xmin, xmax, ymin, ymax] with xmin < xmax and ymin < ymax, got [${b}]`);
  }
  if (opts.alpha !== undefined && !(opts.alpha > 0 && opts.alpha <= 1)) throw new OptionError(`renderPanels: alpha must be in (0, 1], got ${opts.alpha}`);
  if (opts.pointSize !== undefined && !(opts.pointSize > 0 && opts.pointSize < 100)) {
    throw new OptionError(`renderPanels: pointSize must be in (0, 100) pixels, got ${opts.pointSize}`);
  }
  panels.forEach((p, k) => {
    const where = `panel ${k} ("${p.title}")`;
    if (p.points.length % 2 !== 0) throw new ShapeError(`renderPanels: ${where} points must be row-major [n, 2], got ${p.points.length} numbers`);
    const t = p.trajectories;
    if (t) {
      if (!Number.isInteger(t.steps) || !Number.isInteger(t.count) || t.steps < 1 || t.count < 0 || t.points.length !== t.steps * t.count * 2) {
        throw new ShapeError(`renderPanels: ${where} trajectories must be [steps=${t.steps}, count=${t.count}, 2] = ${t.steps * t.count * 2} numbers, got ${t.points.length}`);
      }
    }
    const h = p.heatmap;
    if (h) {
      if (!Number.isInteger(h.nx) || !Number.isInteger(h.ny) || h.nx < 1 || h.ny < 1 || h.values.length !== h.nx * h.ny) {
        throw new ShapeError(`renderPanels: ${where} heatmap must be [ny=${h.ny}, nx=${h.nx}] = ${h.nx * h.ny} values, got ${h.values.length}`);
      }
      const e = h.extent;
      if (e && !(e.length === 4 && e.every(Number.isFinite) && e[1] > e[0] && e[3] > e[2])) {
        throw new OptionError(`renderPanels: ${where} heatmap extent must be finite [xmin, xmax, ymin, ymax], got [${e}]`);
      }
    }
  });
}
