/**
 * Bitmap font: every printable ASCII character has a distinct glyph, text metrics agree with what is drawn,
 * and scaling multiplies ink by exactly scale².
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Canvas } from "../../src/plot/canvas.js";
import { ADVANCE, CELL_HEIGHT, drawText, fitText, glyph, textWidth } from "../../src/plot/font.js";

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));

/** Bounding box and count of non-white pixels. */
function inked(c: Canvas): { n: number; x0: number; x1: number; y0: number; y1: number } {
  const r = { n: 0, x0: Infinity, x1: -Infinity, y0: Infinity, y1: -Infinity };
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    if (c.data[(y * c.width + x) * 3] < 255) {
      r.n++;
      r.x0 = Math.min(r.x0, x); r.x1 = Math.max(r.x1, x);
      r.y0 = Math.min(r.y0, y); r.y1 = Math.max(r.y1, y);
    }
  }
  return r;
}

test("every printable ASCII character has its own glyph; only space is blank", () => {
  const seen = new Map<string, string>();
  for (const ch of PRINTABLE) {
    const key = Array.from(glyph(ch)).join(",");
    assert.equal(seen.get(key), undefined, `${JSON.stringify(ch)} looks like ${JSON.stringify(seen.get(key))}`);
    seen.set(key, ch);
    assert.equal(glyph(ch).length, CELL_HEIGHT);
    assert.equal(glyph(ch).every((r) => r === 0), ch === " ", JSON.stringify(ch));
  }
  assert.deepEqual(glyph("\u00e9"), glyph("?"), "unknown characters draw as '?'");
  assert.deepEqual(glyph("\u2212"), glyph("-"), "unicode minus falls back to '-'");
});

test("only , _ g j p q y reach below the baseline", () => {
  const below = PRINTABLE.filter((ch) => glyph(ch)[7] !== 0 || glyph(ch)[8] !== 0).join("");
  assert.equal(below, ",_gjpqy");
});

test("drawn text stays inside textWidth × cell height and scale s draws s² times the ink", () => {
  const text = "Wq0.5-x";
  const c1 = new Canvas(200, 40);
  const end = drawText(c1, text, 10, 5, [0, 0, 0]);
  assert.equal(end, 10 + text.length * ADVANCE);
  const b1 = inked(c1);
  assert.ok(b1.n > 0);
  assert.ok(b1.x0 >= 10 && b1.x1 < 10 + textWidth(text), `x range ${b1.x0}..${b1.x1}`);
  assert.ok(b1.y0 >= 5 && b1.y1 < 5 + CELL_HEIGHT, `y range ${b1.y0}..${b1.y1}`);
  assert.equal(b1.x0, 10, "W touches the left edge of its cell");
  assert.equal(b1.x1, 10 + textWidth(text) - 1, "x touches the right edge of its cell");
  const c2 = new Canvas(200, 40);
  drawText(c2, text, 10, 5, [0, 0, 0], 2);
  assert.equal(inked(c2).n, 4 * b1.n);
  assert.equal(textWidth(text, 2), 2 * textWidth(text));
  assert.equal(textWidth(""), 0);
});

test("fitText keeps text that fits and shortens the rest with '..'", () => {
  assert.equal(fitText("density", 100), "density");
  const t = fitText("model samples after training", 60);
  assert.ok(t.endsWith("..") && textWidth(t) <= 60 && textWidth(t) > 60 - ADVANCE, t);
  assert.equal(fitText("abc", 3), "");
});
