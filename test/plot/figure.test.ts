/**
 * Whole figures, read back through decodePng: points land where the layout says (and nowhere else), panel count
 * sets the width, titles draw ink, heatmaps follow their row order and the colour map, trajectories mark their
 * ends, and malformed inputs are rejected with errors that say where.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { luminance, viridis } from "../../src/plot/colormap.js";
import { renderFigure, renderPanels, type ScatterPanel } from "../../src/plot/figure.js";
import { decodePng } from "../../src/plot/png.js";

type Img = { width: number; height: number; rgb: Uint8Array };
const pix = (im: Img, x: number, y: number) => Array.from(im.rgb.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3));
const isWhite = (p: number[]) => p.every((v) => v === 255);

/** Count non-white pixels in the box [x0, x1) × [y0, y1). */
function dark(im: Img, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  for (let y = Math.max(0, Math.floor(y0)); y < Math.min(im.height, Math.ceil(y1)); y++)
    for (let x = Math.max(0, Math.floor(x0)); x < Math.min(im.width, Math.ceil(x1)); x++) if (!isWhite(pix(im, x, y))) n++;
  return n;
}

function cluster(n: number, cx: number, cy: number, sd: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = cx + sd * rng.normal();
    out[2 * i + 1] = cy + sd * rng.normal();
  }
  return out;
}

test("a point cluster darkens its region of the right panel and nowhere else", () => {
  const bounds: [number, number, number, number] = [-4, 4, -4, 4];
  const panels: ScatterPanel[] = [
    { title: "", points: [] },
    { title: "", points: cluster(3000, 2, 2, 0.2, 1) }, // upper right of panel 1
    { title: "", points: [] },
  ];
  const { layout } = renderFigure(panels, { bounds });
  const im = decodePng(renderPanels(panels, { bounds }));
  assert.equal(im.width, 1200);
  const [cx, cy] = layout.toPixel(1, 2, 2);
  const p1 = layout.plots[1];
  // upper-right quadrant of the plot area, by geometry alone
  assert.ok(cx > p1.x + p1.w / 2 && cy < p1.y + p1.h / 2);
  const core = dark(im, Math.round(cx) - 5, Math.round(cy) - 5, Math.round(cx) + 5, Math.round(cy) + 5);
  assert.equal(core, 100, "centre of the cluster is fully inked");
  const c = pix(im, Math.round(cx), Math.round(cy));
  assert.ok(c[2] > c[0], `default colour is blue-ish: ${c}`);
  // Far region (lower-left quadrant of the same plot, inset from grid lines) is untouched apart from grid lines.
  const [fx, fy] = layout.toPixel(1, -2.5, -2.5);
  assert.equal(dark(im, fx - 15, fy - 15, fx + 15, fy + 15), 0);
  // The other panels' plot areas have only grid lines: check the same spot there.
  for (const k of [0, 2]) {
    const [gx, gy] = layout.toPixel(k, 2.5, 2.5);
    assert.equal(dark(im, gx - 15, gy - 15, gx + 15, gy + 15), 0, `panel ${k}`);
  }
  // Where the grid is drawn, the grid shows: the x = 0 line is light grey, not white, not dark.
  const [zx] = layout.toPixel(0, 0, 0);
  const g = pix(im, Math.floor(zx), Math.round(fy));
  assert.ok(!isWhite(g) && g[0] > 200, `grid ${g}`);
});

test("image width is panels × panel width; the title adds a band of ink above the panels", () => {
  for (const n of [1, 2, 4]) {
    const panels = Array.from({ length: n }, (_, k) => ({ title: `p${k}`, points: [0, 0, 1, 1] }));
    const im = decodePng(renderPanels(panels, { width: 250, height: 180 }));
    assert.equal(im.width, 250 * n);
    assert.equal(im.height, 180);
  }
  const plain = decodePng(renderPanels([{ title: "", points: [0, 0] }], { width: 300, height: 200 }));
  const titled = decodePng(renderPanels([{ title: "", points: [0, 0] }], { width: 300, height: 200, title: "Flow matching" }));
  assert.ok(titled.height > plain.height);
  const band = titled.height - plain.height;
  assert.ok(dark(titled, 0, 0, 300, band) > 100, "figure title draws pixels");
  assert.equal(dark(plain, 0, 0, 300, 20), 0, "no title, no ink at the top");
  const named = decodePng(renderPanels([{ title: "model samples", points: [0, 0] }], { width: 300, height: 200 }));
  assert.ok(dark(named, 0, 0, 300, 20) > 100, "panel title draws pixels");
  assert.ok(dark(named, 0, 0, 150, 20) > 30 && dark(named, 150, 0, 300, 20) > 30, "panel title is centred");
});

test("default bounds cover all panels with equal aspect, so a circle stays round", () => {
  const ring: number[] = [];
  for (let i = 0; i < 720; i++) ring.push(3 * Math.cos((i * Math.PI) / 360), 3 * Math.sin((i * Math.PI) / 360));
  const panels: ScatterPanel[] = [{ title: "a", points: ring }, { title: "b", points: [10, 0.5] }];
  const { layout } = renderFigure(panels, { width: 500, height: 300 });
  const [x0, x1, y0, y1] = layout.bounds;
  assert.ok(x0 < -3 && x1 > 10 && y0 < -3 && y1 > 3);
  const r = layout.plots[0];
  assert.ok(Math.abs((x1 - x0) / r.w - (y1 - y0) / r.h) < 1e-9);
  const [ax, ay] = layout.toPixel(0, 0, 0);
  const [bx] = layout.toPixel(0, 3, 0);
  const [, cy] = layout.toPixel(0, 0, 3);
  assert.ok(Math.abs(bx - ax - (ay - cy)) < 1e-9, "3 units span the same pixels across and up");
});

test("heatmap: row 0 is the bottom, values follow the colour map, the rest of the plot stays white", () => {
  // 2×2 grid over [0,1]²: bottom-left high, top-right low.
  const values = new Float64Array([1, 0.5, 0.5, 0]);
  const bounds: [number, number, number, number] = [-1, 2, -1, 2];
  const panels = [{ title: "", points: [], heatmap: { values, nx: 2, ny: 2, extent: [0, 1, 0, 1] as [number, number, number, number] } }];
  const { layout } = renderFigure(panels, { bounds });
  const im = decodePng(renderPanels(panels, { bounds }));
  const at = (x: number, y: number) => pix(im, ...(layout.toPixel(0, x, y).map(Math.floor) as [number, number]));
  const near = (p: number[], q: readonly number[]) => p.every((v, i) => Math.abs(v - q[i]) <= 2);
  assert.ok(near(at(0.1, 0.1), viridis(1)), `bottom-left ${at(0.1, 0.1)} ~ yellow`);
  assert.ok(near(at(0.9, 0.9), viridis(0)), `top-right ${at(0.9, 0.9)} ~ purple`);
  assert.ok(near(at(0.5, 0.5), viridis(0.5)), "centre interpolates");
  // (off the grid lines, which sit at multiples of 0.5)
  assert.ok(isWhite(at(1.75, 1.25)) && isWhite(at(-0.75, 0.25)), "outside the extent nothing is painted");
});

test("viridis-like map: anchors exact, luminance rises monotonically", () => {
  assert.deepEqual(viridis(0), [68, 1, 84]);
  assert.deepEqual(viridis(1), [253, 231, 37]);
  assert.deepEqual(viridis(-3), viridis(0));
  let prev = -1;
  for (let t = 0; t <= 1.0001; t += 0.01) {
    const l = luminance(viridis(t));
    assert.ok(l > prev, `luminance at ${t}`);
    prev = l;
  }
});

test("trajectories: start and end markers in their colours at the first and last step", () => {
  // two paths, 3 steps, step-major [steps, count, 2]
  const tr = new Float64Array([-2, -2, 2, -2, /* step 1 */ -1, 0, 1, 0, /* step 2 */ -2, 2, 2, 2]);
  const panels = [{ title: "paths", points: [], trajectories: { points: tr, steps: 3, count: 2, startColor: [0, 200, 0] as const, endColor: [200, 0, 0] as const, labels: [] as [] } }];
  const bounds: [number, number, number, number] = [-3, 3, -3, 3];
  const { layout } = renderFigure(panels, { bounds });
  const im = decodePng(renderPanels(panels, { bounds }));
  const at = (x: number, y: number) => pix(im, ...(layout.toPixel(0, x, y).map(Math.floor) as [number, number]));
  for (const x of [-2, 2]) {
    const s = at(x, -2), e = at(x, 2);
    assert.ok(s[1] > 150 && s[0] < 60, `start ${s}`);
    assert.ok(e[0] > 150 && e[1] < 60, `end ${e}`);
    assert.ok(!isWhite(at(x / 2, 0)), "the path passes its middle step");
  }
  assert.ok(isWhite(at(0.4, 1.4)), "nothing between the paths (off the unit grid lines)");
});

test("malformed panels and options are rejected with errors that say where", () => {
  assert.throws(() => renderPanels([{ title: "x", points: [1, 2, 3] }]), (e: unknown) => e instanceof ShapeError && /panel 0 \("x"\).*\[n, 2\]/.test(e.message));
  assert.throws(() => renderPanels([{ title: "a", points: [] }, { title: "t", points: [], trajectories: { points: new Float64Array(10), steps: 2, count: 3 } }]), /panel 1.*steps=2, count=3/);
  assert.throws(() => renderPanels([{ title: "h", points: [], heatmap: { values: new Float64Array(5), nx: 2, ny: 3 } }]), ShapeError);
  assert.throws(() => renderPanels([]), OptionError);
  assert.throws(() => renderPanels([{ title: "", points: [] }], { bounds: [1, 0, 0, 1] }), OptionError);
  assert.throws(() => renderPanels([{ title: "", points: [] }], { width: 10 }), OptionError);
  assert.throws(() => renderPanels([{ title: "", points: [] }], { alpha: 0 }), OptionError);
});
