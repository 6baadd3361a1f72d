/** Axis arithmetic: nice steps, tick placement and labels, default bounds, equal aspect. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { dataBounds, equalAspect, formatTicks, niceStep, ticks } from "../../src/plot/scale.js";

const close = (a: number, b: number, tol = 1e-9) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test("niceStep picks 1, 2 or 5 × 10^k nearest range / target", () => {
  close(niceStep(10, 5), 2);
  close(niceStep(7, 5), 1);
  close(niceStep(0.03, 5), 0.005);
  close(niceStep(4000, 4), 1000);
  close(niceStep(1.2e7, 5), 2e6);
  close(niceStep(3.4, 1), 5);
  assert.equal(niceStep(0, 5), 1);
});

test("ticks lie inside the range, are evenly spaced, and labels never say -0", () => {
  const t = ticks(-2.63, 2.63, 5);
  assert.deepEqual(t.labels, ["-2", "-1", "0", "1", "2"]);
  const u = ticks(-0.37, 0.52, 5);
  assert.equal(u.step, 0.2);
  assert.deepEqual(u.labels, ["-0.2", "0.0", "0.2", "0.4"]);
  for (const v of u.values) assert.ok(v >= -0.37 && v <= 0.52);
  const w = ticks(0, 1, 4);
  assert.deepEqual(w.labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
});

test("huge and tiny scales switch to exponent labels", () => {
  assert.deepEqual(ticks(0, 4e5, 4).labels, ["0", "1e5", "2e5", "3e5", "4e5"]);
  assert.deepEqual(formatTicks([-2e-4, 0, 2e-4], 2e-4), ["-2e-4", "0", "2e-4"]);
  assert.deepEqual(formatTicks([1.5e5, 2e5], 5e4), ["1.5e5", "2.0e5"]);
});

test("dataBounds pads by 5%, skips non-finite points and ignores rare outliers in big clouds", () => {
  assert.deepEqual(dataBounds([[0, 0, 10, 20, NaN, 99, 5, Infinity]]), [-0.5, 10.5, -1, 21]);
  assert.deepEqual(dataBounds([[3, 4]]), [2, 4, 3, 5]);
  assert.deepEqual(dataBounds([]), [-1, 1, -1, 1]);
  const pts: number[] = [];
  for (let i = 0; i < 5000; i++) pts.push((i % 100) / 99, Math.floor(i / 100) / 49);
  pts.push(1e9, -1e9, -1e9, 1e9); // two diverged samples
  const b = dataBounds([pts]);
  close(b[0], -0.05);
  close(b[1], 1.05);
  close(b[2], -0.05);
  close(b[3], 1.05);
  assert.deepEqual(dataBounds([[0, 0, 1, 1]], 0, [[-3, 0.5, 0.2, 7]]), [-3, 1, 0, 7]);
});

test("equalAspect makes data units per pixel equal on both axes and keeps the centre", () => {
  const b = equalAspect([0, 4, 10, 11], 200, 100);
  close((b[1] - b[0]) / 200, (b[3] - b[2]) / 100);
  close((b[0] + b[1]) / 2, 2);
  close((b[2] + b[3]) / 2, 10.5);
  assert.ok(b[1] - b[0] >= 4 && b[3] - b[2] >= 1);
  close(b[1] - b[0], 4); // x is the binding side here
});
