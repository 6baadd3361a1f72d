// The image grid of `plot` for image models: each image pixel is a scale×scale block, gray levels as ink on white
// (0 white, L − 1 black, values outside [0, L − 1] clamped), rows in the given order, colour images as they are.
import { test } from "node:test";
import assert from "node:assert/strict";
import { imageGrid } from "../../src/plot/image-grid.js";

test("pixels land in their blocks with the right gray, row by row", () => {
  // Two rows of one 2×2 image each, 5 levels: row A [0, 4, 2, 9] (9 clamps to 4), row B all 1.
  const c = imageGrid([{ label: "A", images: Float64Array.from([0, 4, 2, 9]) }, { label: "B", images: Float64Array.from([1, 1, 1, 1]) }], { shape: [2, 2, 1], levels: 5, scale: 3 });
  const at = (x: number, y: number) => Math.round(c.data[(y * c.width + x) * 3]!);
  const labelW = 6 + 5 + 6; // margin, one glyph, margin (textWidth of one character is 5)
  const x0 = labelW, y0 = 6;
  const blocks = [[x0, y0], [x0 + 3, y0], [x0, y0 + 3], [x0 + 3, y0 + 3]];
  const expectA = [255, 0, 128, 0];
  blocks.forEach(([x, y], i) => {
    for (const [dx, dy] of [[0, 0], [2, 2]]) assert.equal(at(x! + dx!, y! + dy!), expectA[i], `row A pixel ${i}`);
  });
  const yB = y0 + 2 * 3 + 2; // the second row starts one image height plus the gap lower
  assert.equal(at(x0 + 1, yB + 1), Math.round(255 * (1 - 1 / 4)));
  assert.equal(c.height, 6 + 2 * (6 + 2) + 6);
});

test("colour images keep their colours (no inversion)", () => {
  const c = imageGrid([{ label: "", images: Float64Array.from([255, 0, 0]) }], { shape: [1, 1, 3], levels: 256, scale: 2 });
  const i = (7 * c.width + 13) * 3; // inside the single 2×2 block at x 12–13, y 6–7 (margins 6, empty label + 6)
  assert.deepEqual([...c.data.subarray(i, i + 3)].map(Math.round), [255, 0, 0]);
});
