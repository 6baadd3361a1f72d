/** checkerboard: samples fill exactly the 8 black squares evenly; logProb is 1/32 there and −∞ elsewhere. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng.js";
import { checkerboard, inCheckerboard } from "../../src/data/index.js";

test("samples lie in the black squares, each square gets ≈ 1/8, each is filled uniformly", () => {
  const n = 16000;
  const x = checkerboard.sample(n, new Rng(11));
  const lp = checkerboard.logProb!(x);
  assert.ok(lp.every((v) => v === -Math.log(32)), "every sample has log density log(1/32)");
  const counts = new Map<string, number>();
  let fracX = 0;
  for (let i = 0; i < n; i++) {
    const key = `${Math.floor(x[2 * i] / 2)},${Math.floor(x[2 * i + 1] / 2)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    fracX += (x[2 * i] / 2 - Math.floor(x[2 * i] / 2)) / n; // position inside the square: U[0,1) → mean 0.5
  }
  assert.equal(counts.size, 8);
  for (const [key, c] of counts) {
    const [i, j] = key.split(",").map(Number);
    assert.equal((i + j + 4) % 2, 0, `white square ${key}`);
    assert.ok(i >= -2 && i <= 1 && j >= -2 && j <= 1, key);
    assert.ok(Math.abs(c / n - 1 / 8) < 0.012, `${key}: ${c}`);
  }
  assert.ok(Math.abs(fracX - 0.5) < 0.01, `${fracX}`);
});

test("logProb: log(1/32) on black squares, −∞ on white squares and outside, NaN for NaN", () => {
  const pts = new Float64Array([
    0.5, 0.5, // square (0,0): black
    2.5, 0.5, // square (1,0): white
    -3.9, -3.9, // (-2,-2): black
    3.9, 3.9, // (1,1): black
    -4, -4, // corner, included (half-open)
    4, 0, // right edge, excluded
    9, 9, // outside
    NaN, 0,
  ]);
  const lp = checkerboard.logProb!(pts);
  const L = -Math.log(32);
  assert.deepEqual(Array.from(lp.slice(0, 7)), [L, -Infinity, L, L, L, -Infinity, -Infinity]);
  assert.ok(Number.isNaN(lp[7]));
  assert.equal(inCheckerboard(-1, 1), false); // square (-1, 0): odd index sum → white
  assert.equal(inCheckerboard(-1, -1), true); // square (-1, -1): even (negative) sum → black
});
