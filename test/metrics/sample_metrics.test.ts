/** MMD and energy distance: naive double loops, point-mass closed forms, same vs shifted distributions. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/index.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { energyDistance, medianBandwidths, mmd } from "../../src/metrics/index.js";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

function gaussianSet(rng: Rng, n: number, dim: number, shift = 0): Float64Array {
  const x = rng.normals(n * dim);
  for (let i = 0; i < n; i++) x[i * dim] += shift;
  return x;
}

function row(x: Float64Array, i: number, dim: number): number[] {
  return Array.from(x.subarray(i * dim, (i + 1) * dim));
}
const dist2 = (a: number[], b: number[]) => a.reduce((s, ak, k) => s + (ak - b[k]) ** 2, 0);

/** Textbook unbiased MMD², full double loops over i ≠ j. */
function naiveMmd2(x: Float64Array, y: Float64Array, dim: number, hs: number[]): number {
  const k = (a: number[], b: number[]) => hs.reduce((s, h) => s + Math.exp(-dist2(a, b) / (2 * h * h)), 0);
  const m = x.length / dim;
  const n = y.length / dim;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) sxx += k(row(x, i, dim), row(x, j, dim));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) syy += k(row(y, i, dim), row(y, j, dim));
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sxy += k(row(x, i, dim), row(y, j, dim));
  return sxx / (m * (m - 1)) + syy / (n * (n - 1)) - (2 * sxy) / (m * n);
}

function naiveEnergy(x: Float64Array, y: Float64Array, dim: number): number {
  const d = (a: number[], b: number[]) => Math.sqrt(dist2(a, b));
  const m = x.length / dim;
  const n = y.length / dim;
  let sxx = 0, syy = 0, sxy = 0;
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) if (i !== j) sxx += d(row(x, i, dim), row(x, j, dim));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) syy += d(row(y, i, dim), row(y, j, dim));
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) sxy += d(row(x, i, dim), row(y, j, dim));
  return (2 * sxy) / (m * n) - sxx / (m * (m - 1)) - syy / (n * (n - 1));
}

test("mmd equals a naive double-loop U-statistic on small sets (given and median bandwidths, unequal sizes)", () => {
  for (const [dim, m, n, seed] of [[1, 7, 9, 1], [2, 12, 10, 2], [3, 5, 8, 3]]) {
    const rng = new Rng(seed);
    const x = gaussianSet(rng, m, dim);
    const y = gaussianSet(rng, n, dim, 0.7);
    const fixed = mmd(x, y, dim, { bandwidths: [0.3, 1.7] });
    assert.deepEqual(fixed.bandwidths, [0.3, 1.7]);
    close(fixed.mmd2, naiveMmd2(x, y, dim, [0.3, 1.7]), 1e-13, "fixed");
    const med = mmd(x, y, dim);
    assert.equal(med.bandwidths.length, 3);
    close(med.mmd2, naiveMmd2(x, y, dim, med.bandwidths), 1e-13, "median");
  }
});

test("median heuristic: median pooled pairwise distance × [0.5, 1, 2], by hand", () => {
  // pooled 1-D points 0, 1, 3, 7 → distances 1, 3, 7, 2, 6, 4 → median (3 + 4) / 2 = 3.5.
  const h = medianBandwidths(Float64Array.of(0, 1), 2, Float64Array.of(3, 7), 2, 1);
  assert.deepEqual(h, [1.75, 3.5, 7]);
  assert.deepEqual(mmd(Float64Array.of(0, 1), Float64Array.of(3, 7), 1).bandwidths, [1.75, 3.5, 7]);
  // all points equal: median 0 falls back to 1.
  assert.deepEqual(medianBandwidths(Float64Array.of(2, 2), 2, Float64Array.of(2, 2), 2, 1), [0.5, 1, 2]);
});

test("mmd is ≈ 0 for two samples of one distribution and clearly positive for a shifted one", () => {
  const rng = new Rng(11);
  const dim = 2;
  const x = gaussianSet(rng, 400, dim);
  const y = gaussianSet(rng, 400, dim);
  const z = gaussianSet(rng, 400, dim, 1);
  const same = mmd(x, y, dim, { bandwidths: [0.5, 1, 2] }).mmd2;
  const shifted = mmd(x, z, dim, { bandwidths: [0.5, 1, 2] }).mmd2;
  // population MMD² for the shift (sum of RBF kernels, N(0, I) vs N(e1, I)), closed form per bandwidth:
  // 2 (h²/(h²+2))^{d/2} (1 − exp(−|c|²/(2(h²+2)))).
  const pop = [0.5, 1, 2].reduce((s, h) => s + 2 * (h * h / (h * h + 2)) ** (dim / 2) * (1 - Math.exp(-1 / (2 * (h * h + 2)))), 0);
  assert.ok(Math.abs(same) < 0.1 * pop, `same-distribution MMD² ${same} vs shifted population ${pop}`);
  assert.ok(Math.abs(shifted - pop) < 0.3 * pop, `shifted MMD² ${shifted} vs population ${pop}`);
});

test("mmd errors: too few points, bad bandwidths, dim mismatch", () => {
  assert.throws(() => mmd(Float64Array.of(1), Float64Array.of(1, 2), 1), ShapeError);
  assert.throws(() => mmd(Float64Array.of(1, 2, 3), Float64Array.of(1, 2), 2), ShapeError);
  assert.throws(() => mmd(Float64Array.of(1, 2), Float64Array.of(1, 2), 1, { bandwidths: [] }), OptionError);
  assert.throws(() => mmd(Float64Array.of(1, 2), Float64Array.of(1, 2), 1, { bandwidths: [1, -1] }), OptionError);
});

test("energy distance: point masses give 2‖a − b‖ exactly, and it matches a naive double loop", () => {
  const a = [1, -2];
  const b = [4, 2];
  const x = new Float64Array(10).map((_, k) => a[k % 2]);
  const y = new Float64Array(14).map((_, k) => b[k % 2]);
  close(energyDistance(x, y, 2), 10, 1e-14, "point masses"); // ‖(3, 4)‖ = 5
  close(energyDistance(Float64Array.of(0, 0, 0), Float64Array.of(-2.5, -2.5), 1), 5, 1e-15);
  for (const [dim, m, n, seed] of [[1, 6, 9, 4], [2, 11, 7, 5], [4, 8, 8, 6]]) {
    const rng = new Rng(seed);
    const p = gaussianSet(rng, m, dim);
    const q = gaussianSet(rng, n, dim, 0.5);
    close(energyDistance(p, q, dim), naiveEnergy(p, q, dim), 1e-13, `dim ${dim}`);
  }
  // 1-D two-point sets by hand: x = {0, 1}, y = {0, 3}: cross mean (0+3+1+2)/4 = 1.5, within 1 and 3 → 3 − 1 − 3.
  close(energyDistance(Float64Array.of(0, 1), Float64Array.of(0, 3), 1), -1, 1e-15);
});

test("energy distance is ≈ 0 for one distribution and near its closed form for a 1-D shift", () => {
  const rng = new Rng(21);
  const x = gaussianSet(rng, 600, 1);
  const y = gaussianSet(rng, 600, 1);
  const z = gaussianSet(rng, 600, 1, 2);
  // 1-D N(0,1) vs N(c,1): D² = 2E|c + √2 Z| − 2E|√2 Z| with E|μ + sZ| = s√(2/π) e^{−μ²/2s²} + μ(1 − 2Φ(−μ/s)).
  const s = Math.SQRT2;
  const c = 2;
  const phiNeg = 0.5 * erfc(c / s / Math.SQRT2);
  const pop = 2 * (s * Math.sqrt(2 / Math.PI) * Math.exp(-(c * c) / (2 * s * s)) + c * (1 - 2 * phiNeg)) - 2 * s * Math.sqrt(2 / Math.PI);
  const same = energyDistance(x, y, 1);
  const shifted = energyDistance(x, z, 1);
  assert.ok(Math.abs(same) < 0.05 * pop, `same ${same} vs ${pop}`);
  assert.ok(Math.abs(shifted - pop) < 0.15 * pop, `shifted ${shifted} vs ${pop}`);
  assert.throws(() => energyDistance(Float64Array.of(1), Float64Array.of(1, 2), 1), ShapeError);
});

/** erfc via Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7, plenty for a 15 % tolerance). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return poly * Math.exp(-x * x);
}
