/**
 * The standard figure of a trained model, as PNG bytes (no files, no Node: it runs in a browser too).
 * - flow matching / CNF: data | samples | sampling trajectories from noise (t = 0) to data (t = 1);
 * - normalizing flow, vectors: data | samples | log-density heatmap (2-D only);
 * - normalizing flow, images [H, W, C]: 4×4 mosaics of data and samples.
 * Points are shown by their first two coordinates. The data panel shows what the caller passes (data units).
 *
 * @example
 * ```ts
 * const png = modelFigure(model, { n: 4000, data: { points: moons.sample(4000, new Rng(1)), name: "moons" } });
 * // Node: writeFileAtomic("fig.png", png); browser: URL.createObjectURL(new Blob([png], { type: "image/png" }))
 * ```
 */
import { sample } from "../fm/sample.js";
import { sampleChunks } from "../fm/sample-chunks.js";
import { flowSampleChunks } from "../flows/sample-chunks.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { labelIndex } from "../fm/conditioning.js";
import { Flow } from "../flows/model.js";
import { flowContext } from "../flows/flow-config.js";
import { labelMixtureLogProb, rowsWithLabel, uniformLabelStream } from "../flows/context.js";
import { OptionError, ShapeError } from "../errors.js";
import { renderPanels, type ScatterPanel, type FigureOptions } from "./figure.js";

/** Data shown next to the model: row-major [m, D] points in data units, and a name for the panel title. */
export interface FigureData {
  points: Float64Array;
  name: string;
  /** Class label indices of the points (class-conditional flows: with `label`, only that class is shown). */
  labels?: Int32Array;
}

export interface ModelFigureOptions extends Pick<FigureOptions, "width" | "height" | "title"> {
  /** Points per panel (default 5000). */
  n?: number;
  /** Seed of the model's samples (default 0). */
  seed?: number;
  data?: FigureData;
  /** Class-conditional models: the label (as in training) to sample; default all labels. */
  label?: string;
  /** Flow matching: how many trajectories to draw (default 48; 0: no trajectory panel). */
  trajectories?: number;
  /** Flow matching: solver of the samples (default dopri5), with steps or tolerances. */
  method?: string;
  steps?: number;
  rtol?: number;
  atol?: number;
  /** Flow matching: classifier-free guidance weight. */
  guidance?: number;
  /** Flows: base temperature (default 1). */
  temperature?: number;
  /**
   * Flows: the context of the samples (n·C values, or C shared by all). Default: one-hot `label`, or for a
   * class-conditional flow without one, uniformly drawn labels. The density panel uses the same single condition, or
   * the equal-weight mixture of the classes.
   */
  ctx?: Float64Array | number[];
}

const SAMPLE_COLOR: [number, number, number] = [200, 60, 30];

/** The first two coordinates of row-major [n, D] points (D = 1: the second is 0), as [n, 2]. */
export function firstTwo(x: Float64Array, D: number): Float64Array {
  if (D === 2) return x;
  const n = x.length / D;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = x[i * D]!;
    out[2 * i + 1] = D > 1 ? x[i * D + 1]! : 0;
  }
  return out;
}

/** A g×g mosaic of images [H, W, C] (channel 0) as a heatmap panel, first image at the top left. */
export function mosaicPanel(title: string, x: Float64Array, shape: number[], g: number): ScatterPanel {
  const [H, W, C] = shape as [number, number, number];
  const nx = g * W;
  const ny = g * H;
  const values = new Float64Array(nx * ny).fill(NaN);
  for (let k = 0; k < Math.min(g * g, x.length / (H * W * C)); k++) {
    const [gi, gj] = [Math.floor(k / g), k % g];
    for (let i = 0; i < H; i++)
      for (let j = 0; j < W; j++) values[(ny - 1 - (gi * H + i)) * nx + gj * W + j] = x[k * H * W * C + (i * W + j) * C]!;
  }
  return { title, points: new Float64Array(0), heatmap: { values, nx, ny, extent: [0, nx, 0, ny] } };
}

/**
 * A 2-D log-density heatmap over the box holding the middle 99% of `around` ([m, 2] points), padded by 10%, on a
 * `grid`×`grid` raster; colours span the top `span` nats (the far tails would wash out the picture).
 */
export function densityPanel(logProb: (xy: Float64Array) => Float64Array, around: Float64Array, o: { title?: string; grid?: number; span?: number } = {}): ScatterPanel {
  const q = (k: number) => {
    const c = Array.from({ length: around.length / 2 }, (_, i) => around[2 * i + k]!).sort((a, b) => a - b);
    return [c[Math.floor(0.005 * c.length)]!, c[Math.floor(0.995 * (c.length - 1))]!];
  };
  const [x0, x1] = q(0);
  const [y0, y1] = q(1);
  const px = 0.1 * (x1 - x0), py = 0.1 * (y1 - y0);
  const ext: [number, number, number, number] = [x0 - px, x1 + px, y0 - py, y1 + py];
  const G = o.grid ?? 120;
  const grid = new Float64Array(G * G * 2);
  for (let i = 0; i < G; i++)
    for (let j = 0; j < G; j++) {
      grid[2 * (i * G + j)] = ext[0] + ((j + 0.5) / G) * (ext[1] - ext[0]);
      grid[2 * (i * G + j) + 1] = ext[2] + ((i + 0.5) / G) * (ext[3] - ext[2]);
    }
  const lp = logProb(grid);
  let hi = -Infinity;
  for (const x of lp) if (Number.isFinite(x) && x > hi) hi = x;
  return { title: o.title ?? "log-density", points: new Float64Array(0), heatmap: { values: lp, nx: G, ny: G, extent: ext, range: [hi - (o.span ?? 10), hi] } };
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function checkData(d: FigureData | undefined, D: number): void {
  if (d && d.points.length % D !== 0) throw new ShapeError(`the figure's data (${d.name}) has ${d.points.length} values, not rows of the model's dimension ${D}`);
}

function velocityPanels(model: VelocityModel, o: ModelFigureOptions): ScatterPanel[] {
  const D = model.dim;
  const n = o.n ?? 5000;
  const panels: ScatterPanel[] = [];
  if (o.data) panels.push({ title: `data (${o.data.name})`, points: firstTwo(o.data.points, D) });
  // Drawn in chunks (one noise stream, see sampleChunks) so the solver's memory stays bounded; only the first two
  // coordinates of each sample are kept.
  const xy = new Float64Array(2 * n);
  let nfe = 0;
  for (const c of sampleChunks(model, n, { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, seed: o.seed, label: o.label, guidance: o.guidance })) {
    xy.set(firstTwo(c.samples, D), 2 * c.start);
    nfe = Math.max(nfe, c.nfe);
  }
  panels.push({ title: `samples (${o.method ?? "dopri5"}, NFE ${nfe})`, points: xy, color: SAMPLE_COLOR });
  const k = Math.min(o.trajectories ?? 48, n);
  if (k > 0) {
    const tr = sample(model, k, { method: "rk4", steps: 32, seed: (o.seed ?? 0) + 1, trajectory: true, label: o.label, guidance: o.guidance });
    const states = tr.trajectory!;
    const flat = new Float64Array(states.length * k * 2);
    states.forEach((st, i) => flat.set(firstTwo(st, D), i * k * 2));
    panels.push({
      title: "trajectories t=0 -> 1", points: xy.subarray(0, 2 * Math.min(n, 2000)), color: [190, 190, 190],
      trajectories: { points: flat, steps: states.length, count: k, labels: ["noise (t=0)", "data (t=1)"] },
    });
  }
  return panels;
}

function flowPanels(model: Flow, o: ModelFigureOptions): ScatterPanel[] {
  const D = model.dim;
  const n = o.n ?? 5000;
  const seed = o.seed ?? 0;
  const temperature = o.temperature ?? 1;
  const { cond, ctxDim } = model.config;
  const label = o.label !== undefined && cond?.kind === "class" ? labelIndex(cond, o.label) : undefined;
  let ctx = o.ctx;
  let ctxRows: ((start: number, m: number) => Float64Array) | undefined;
  if (ctx === undefined && ctxDim > 0) {
    if (cond?.kind !== "class") throw new OptionError(`this flow is conditional: the figure needs ctx (${ctxDim} values)`);
    if (label !== undefined) ctx = flowContext(cond, 1, { labels: [label] });
    else {
      const next = uniformLabelStream(cond, seed); // = uniformLabelContext(cond, n, seed), a chunk at a time
      ctxRows = (_start, m) => next(m);
    }
  } else if (ctx !== undefined && ctxDim > 0 && ctx.length === n * ctxDim) {
    const all = Float64Array.from(ctx);
    ctxRows = (start, m) => all.subarray(start * ctxDim, (start + m) * ctxDim);
    ctx = undefined;
  }
  // Drawn in chunks (one noise stream: the same samples as one call); only the first two coordinates are kept, and
  // the first 16 samples whole (the image mosaic).
  const xy = new Float64Array(2 * n);
  let head = new Float64Array(0);
  for (const c of flowSampleChunks(model, n, { seed, temperature, ctx, ctxRows })) {
    xy.set(firstTwo(c.samples, D), 2 * c.start);
    if (c.start === 0) head = c.samples.slice(0, 16 * D);
  }
  const panels: ScatterPanel[] = [];
  const shape = model.eventShape;
  if (shape.length === 3) {
    if (o.data) panels.push(mosaicPanel(`data (${o.data.name})`, o.data.points, shape, 4));
    panels.push(mosaicPanel(`samples (T=${temperature})`, head, shape, 4));
    return panels;
  }
  const what = cond?.kind !== "class" ? "" : label !== undefined ? `, label ${cond.classes[label]}` : ", all labels";
  const d = o.data;
  const data = d && label !== undefined && d.labels ? rowsWithLabel(d.points, D, d.labels, label) : d?.points;
  if (data) panels.push({ title: `data (${d!.name}${what})`, points: firstTwo(data, D) });
  panels.push({ title: `samples (${model.config.arch}${what})`, points: xy, color: SAMPLE_COLOR });
  if (D === 2) {
    const mixture = ctxDim > 0 && cond?.kind === "class" && label === undefined;
    let one: Float64Array | number[] | undefined;
    if (ctxDim > 0 && !mixture) {
      one = label !== undefined ? flowContext(cond!, 1, { labels: [label] }) : o.ctx!;
      if (one.length !== ctxDim) throw new ShapeError(`the log-density panel needs one condition (${ctxDim} context values), got ${one.length}`);
    }
    const around = data ? concat(data, xy) : xy; // D = 2 here: the points are their first two coordinates
    panels.push(densityPanel((xy) => (mixture ? labelMixtureLogProb(model, xy) : model.logProb(xy, { ctx: one })), around));
  }
  return panels;
}

/** The panels of `modelFigure`, for callers that lay out or render them their own way. */
export function modelPanels(model: VelocityModel | Flow, o: ModelFigureOptions = {}): ScatterPanel[] {
  checkData(o.data, model.dim);
  return model instanceof Flow ? flowPanels(model, o) : velocityPanels(model, o);
}

/**
 * The figure of a flow-matching model or a normalizing flow (see the module comment) as PNG bytes; each panel is
 * `width`×`height` pixels (default 400×400), the title drawn above. The model is borrowed.
 */
export function modelFigure(model: VelocityModel | Flow, o: ModelFigureOptions = {}): Uint8Array {
  return renderPanels(modelPanels(model, o), { title: o.title, width: o.width, height: o.height });
}
