/** 8gaussians against its closed form: mode frequencies, mixture moments, and a stable log-sum-exp density. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng.js";
import { eightGaussians, getToy } from "../../src/data/index.js";

const N = 20000;
const x = eightGaussians.sample(N, new Rng(2024));
const { centers, std } = eightGaussians;

test("parameters follow FFJORD: radius 4/1.414, std 0.5/1.414, registered under 8gaussians", () => {
  assert.equal(getToy("8gaussians"), eightGaussians);
  assert.equal(centers.length, 8);
  for (const [cx, cy] of centers) assert.ok(Math.abs(Math.hypot(cx, cy) - 4 / 1.414) < 1e-12);
  assert.deepEqual(centers[0], [4 / 1.414, 0]);
  assert.equal(std, 0.5 / 1.414);
});

test("each mode gets ≈ 1/8 of the samples", () => {
  const counts = new Array(8).fill(0);
  for (let i = 0; i < N; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let k = 0; k < 8; k++) {
      const d = (x[2 * i] - centers[k][0]) ** 2 + (x[2 * i + 1] - centers[k][1]) ** 2;
      if (d < bestD) [best, bestD] = [k, d];
    }
    counts[best]++;
  }
  // sd of a frequency is sqrt(p(1−p)/N) ≈ 0.0023; 0.01 is > 4 sd.
  for (const c of counts) assert.ok(Math.abs(c / N - 1 / 8) < 0.01, `counts ${counts}`);
});

test("sample mean and covariance match the mixture's closed-form moments", () => {
  // mean = Σ μk / 8, cov = std² I + Σ μk μkᵀ / 8 − mean meanᵀ.
  let m0 = 0, m1 = 0, c00 = 0, c01 = 0, c11 = 0;
  for (const [a, b] of centers) {
    m0 += a / 8; m1 += b / 8; c00 += (a * a) / 8; c01 += (a * b) / 8; c11 += (b * b) / 8;
  }
  c00 += std * std - m0 * m0; c11 += std * std - m1 * m1; c01 -= m0 * m1;
  let s0 = 0, s1 = 0;
  for (let i = 0; i < N; i++) { s0 += x[2 * i]; s1 += x[2 * i + 1]; }
  s0 /= N; s1 /= N;
  let v00 = 0, v01 = 0, v11 = 0;
  for (let i = 0; i < N; i++) {
    const a = x[2 * i] - s0, b = x[2 * i + 1] - s1;
    v00 += a * a; v01 += a * b; v11 += b * b;
  }
  v00 /= N - 1; v01 /= N - 1; v11 /= N - 1;
  // Per-coordinate variance ≈ 4.13, so the sd of a sample mean is ≈ 0.014 and of a variance ≈ 0.03.
  const sd = Math.sqrt(c00 / N);
  assert.ok(Math.abs(s0 - m0) < 5 * sd && Math.abs(s1 - m1) < 5 * sd, `mean ${s0}, ${s1}`);
  assert.ok(Math.abs(v00 - c00) < 0.15 && Math.abs(v11 - c11) < 0.15, `var ${v00} vs ${c00}, ${v11} vs ${c11}`);
  assert.ok(Math.abs(v01 - c01) < 0.1, `cov ${v01} vs ${c01}`);
});

test("logProb equals the naive mixture sum where that is representable, and stays finite far away", () => {
  const pts = new Float64Array([0, 0, 2.8, 0.1, -2, 2, 1, -3.5]);
  const lp = eightGaussians.logProb!(pts);
  for (let i = 0; i < 4; i++) {
    let p = 0;
    for (const [a, b] of centers) {
      const d2 = (pts[2 * i] - a) ** 2 + (pts[2 * i + 1] - b) ** 2;
      p += Math.exp(-d2 / (2 * std * std)) / (2 * Math.PI * std * std) / 8;
    }
    assert.ok(Math.abs(lp[i] - Math.log(p)) < 1e-10 * Math.max(1, Math.abs(lp[i])), `${lp[i]} vs ${Math.log(p)}`);
  }
  // At (30, 0) the naive sum underflows to 0; the nearest mode (centers[0]) dominates by e^-hundreds.
  const far = eightGaussians.logProb!(new Float64Array([30, 0]))[0];
  const d2 = (30 - centers[0][0]) ** 2;
  const expected = -Math.log(8) - Math.log(2 * Math.PI * std * std) - d2 / (2 * std * std);
  assert.ok(Number.isFinite(far) && Math.abs(far - expected) < 1e-9 * Math.abs(expected), `${far} vs ${expected}`);
  const special = eightGaussians.logProb!(new Float64Array([NaN, 0, Infinity, 0]));
  assert.ok(Number.isNaN(special[0]));
  assert.equal(special[1], -Infinity);
});
