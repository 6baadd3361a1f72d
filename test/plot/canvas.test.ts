/**
 * Raster primitives, checked against closed forms: "over" blending arithmetic, a disc's total ink ≈ π r²,
 * an antialiased line's ink ≈ its length, and Liang–Barsky clipping against hand-worked cases.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BLACK, Canvas, clipSegment, type Rgb } from "../../src/plot/canvas.js";
import { decodePng } from "../../src/plot/png.js";

/** Total darkness (sum over pixels of 1 − red/255) — the "ink" laid down in black on white. */
function ink(c: Canvas): number {
  let s = 0;
  for (let i = 0; i < c.data.length; i += 3) s += 1 - c.data[i] / 255;
  return s;
}

test("blend is 'over' compositing; alpha ≥ 1 replaces, alpha ≤ 0 and out-of-range pixels are ignored", () => {
  const c = new Canvas(4, 3);
  c.blend(1, 1, [0, 100, 255], 0.5);
  assert.deepEqual([...c.data.subarray(15, 18)], [127.5, 177.5, 255]);
  assert.deepEqual(c.get(1, 1), [128, 178, 255]);
  c.blend(1, 1, [10, 20, 30], 0.5);
  assert.deepEqual([...c.data.subarray(15, 18)], [(127.5 + 10) / 2, (177.5 + 20) / 2, (255 + 30) / 2]);
  c.blend(2, 2, [1, 2, 3], 7);
  assert.deepEqual(c.get(2, 2), [1, 2, 3]);
  c.blend(0, 0, BLACK, 0);
  c.blend(-1, 0, BLACK);
  c.blend(4, 0, BLACK);
  c.blend(0, 3, BLACK);
  assert.deepEqual(c.get(0, 0), [255, 255, 255]);
});

test("rect fills exactly w×h pixels, strokeRect only the border, clip restricts both", () => {
  const c = new Canvas(10, 8);
  c.rect(2, 1, 3, 4, BLACK);
  assert.equal(ink(c), 12);
  assert.deepEqual(c.get(2, 1), [0, 0, 0]);
  assert.deepEqual(c.get(4, 4), [0, 0, 0]);
  assert.deepEqual(c.get(5, 4), [255, 255, 255]);
  const s = new Canvas(10, 8);
  s.strokeRect(0, 0, 10, 8, BLACK);
  assert.equal(ink(s), 2 * 10 + 2 * 6);
  const k = new Canvas(10, 8);
  k.setClip(3, 3, 2, 2);
  k.rect(0, 0, 10, 8, BLACK);
  assert.equal(ink(k), 4);
  k.resetClip();
  k.rect(0, 0, 1, 1, BLACK);
  assert.equal(ink(k), 5);
});

test("a disc lays down ink ≈ π r² · alpha, centred where asked", () => {
  for (const r of [1.5, 3, 7.25]) {
    const c = new Canvas(40, 40);
    c.disc(20.3, 19.6, r, BLACK, 0.6);
    const area = Math.PI * r * r;
    assert.ok(Math.abs(ink(c) / 0.6 - area) < 0.05 * area + 0.5, `r=${r}: ink ${ink(c) / 0.6} vs ${area}`);
    // centroid of the ink is the centre
    let sx = 0, sy = 0, s = 0;
    for (let y = 0; y < 40; y++) for (let x = 0; x < 40; x++) {
      const v = 1 - c.data[(y * 40 + x) * 3] / 255;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
      s += v;
    }
    assert.ok(Math.abs(sx / s - 20.3) < 0.05 && Math.abs(sy / s - 19.6) < 0.05, `centroid ${sx / s}, ${sy / s}`);
  }
  const tiny = new Canvas(5, 5);
  tiny.disc(2.5, 2.5, 0.2, BLACK);
  assert.ok(Math.abs(ink(tiny) - Math.PI * 0.04) < 1e-6, "sub-pixel discs keep their area");
  const none = new Canvas(5, 5);
  none.disc(NaN, 2, 3, BLACK);
  none.disc(2, 2, 0, BLACK);
  assert.equal(ink(none), 0);
});

test("an antialiased line lays down ink ≈ its major-axis extent, one unit per column", () => {
  const c = new Canvas(60, 60);
  c.line(5.5, 10.5, 45.5, 30.5, BLACK);
  // 41 columns (5 … 45), each splitting one unit of ink between two rows
  assert.ok(Math.abs(ink(c) - 41) < 1e-3, `ink ${ink(c)}`);
  for (let x = 5; x <= 45; x++) {
    let col = 0;
    for (let y = 0; y < 60; y++) col += 1 - c.data[(y * 60 + x) * 3] / 255;
    assert.ok(Math.abs(col - 1) < 1e-3, `column ${x}: ${col}`);
  }
  // the line passes through the right rows: at x = 25.5 the exact y is 20.5 → pixel row 20 is solid
  assert.deepEqual(c.get(25, 20), [0, 0, 0]);
  const steep = new Canvas(20, 20);
  steep.line(3.5, 1.5, 5.5, 18.5, BLACK);
  assert.ok(Math.abs(ink(steep) - 18) < 1e-3);
});

test("polylines don't double-blend joints; lines are clipped and ignore non-finite coordinates", () => {
  const seg = (c: Canvas) => c.line(2.5, 5.5, 10.5, 5.5, BLACK, 0.5);
  const a = new Canvas(30, 10);
  a.polyline([2.5, 10.5, 20.5], [5.5, 5.5, 5.5], BLACK, 0.5);
  const b = new Canvas(30, 10);
  seg(b);
  b.line(10.5, 5.5, 20.5, 5.5, BLACK, 0.5);
  assert.equal(a.get(10, 5)[0], 128, "joint blended once");
  assert.ok(b.get(10, 5)[0] < 100, "separate segments blend the joint twice");
  assert.ok(Math.abs(ink(a) - 19 * 0.5) < 1e-3);

  const c = new Canvas(20, 20);
  c.setClip(5, 5, 10, 10);
  c.line(-1e12, 10.5, 1e12, 10.5, BLACK);
  assert.ok(Math.abs(ink(c) - 10) < 1e-3, `clipped ink ${ink(c)}`);
  c.line(NaN, 1, 5, 5, BLACK);
  c.line(0, 0, Infinity, 5, BLACK);
  assert.ok(Math.abs(ink(c) - 10) < 1e-3);
});

test("clipSegment: Liang–Barsky on hand-worked cases", () => {
  assert.deepEqual(clipSegment(-5, 5, 15, 5, 0, 0, 10, 10), [0, 5, 10, 5]);
  assert.deepEqual(clipSegment(2, 3, 4, 5, 0, 0, 10, 10), [2, 3, 4, 5]);
  assert.equal(clipSegment(-5, -5, -1, 20, 0, 0, 10, 10), null);
  assert.equal(clipSegment(11, 0, 11, 10, 0, 0, 10, 10), null);
  assert.deepEqual(clipSegment(-10, -10, 20, 20, 0, 0, 10, 10), [0, 0, 10, 10]);
  assert.deepEqual(clipSegment(5, -5, 5, 15, 0, 0, 10, 10), [5, 0, 5, 10]);
  assert.equal(clipSegment(0, NaN, 1, 1, 0, 0, 10, 10), null);
});

test("toPng writes the canvas pixels exactly (rounded to 8 bits)", () => {
  const c = new Canvas(7, 5);
  const colors: Rgb[] = [[12, 200, 99], [0, 0, 0], [255, 1, 128]];
  colors.forEach((col, k) => c.rect(k * 2, k, 2, 2, col));
  c.blend(6, 4, [0, 0, 0], 0.25);
  const back = decodePng(c.toPng());
  assert.deepEqual(back.rgb, c.toRgb8());
  assert.deepEqual([...back.rgb.subarray((4 * 7 + 6) * 3, (4 * 7 + 6) * 3 + 3)], [191, 191, 191]);
  assert.deepEqual([...back.rgb.subarray((1 * 7 + 2) * 3, (1 * 7 + 2) * 3 + 3)], [0, 0, 0]);
});
