/**
 * Every toy with `logProb` is a normalized density: midpoint quadrature over [-8, 8]² (step 0.02) integrates
 * exp(logProb) to 1. The grid lines are at multiples of 0.02, so checkerboard cells never straddle a square edge and
 * its integral is exact; the Gaussians are smooth and their tails past ±8 are negligible.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getToy, toyNames } from "../../src/data/index.js";

function integrate(logProb: (x: Float64Array) => Float64Array, lo: number, hi: number, h: number): number {
  const k = Math.round((hi - lo) / h);
  const pts = new Float64Array(2 * k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      pts[2 * (i * k + j)] = lo + (i + 0.5) * h;
      pts[2 * (i * k + j) + 1] = lo + (j + 0.5) * h;
    }
  }
  let s = 0;
  for (const v of logProb(pts)) s += Math.exp(v);
  return s * h * h;
}

const withDensity = toyNames.filter((n) => getToy(n).logProb !== undefined);

test("the toys with exact densities are 8gaussians, checkerboard and gaussian", () => {
  assert.deepEqual([...withDensity].sort(), ["8gaussians", "checkerboard", "gaussian"]);
});

for (const name of withDensity) {
  test(`${name}: exp(logProb) integrates to 1`, () => {
    const toy = getToy(name);
    const z = integrate((x) => toy.logProb!(x), -8, 8, 0.02);
    assert.ok(Math.abs(z - 1) < 1e-6, `${name}: integral ${z}`);
  });
}

test("checkerboard integral on a grid not aligned with the squares is still ≈ 1", () => {
  const z = integrate((x) => getToy("checkerboard").logProb!(x), -4.5, 4.51, 0.0133);
  assert.ok(Math.abs(z - 1) < 1e-2, `${z}`);
});

test("gaussian logProb is the standard normal closed form", () => {
  const lp = getToy("gaussian").logProb!(new Float64Array([0, 0, 1, -2]));
  assert.ok(Math.abs(lp[0] + Math.log(2 * Math.PI)) < 1e-15);
  assert.ok(Math.abs(lp[1] - (-2.5 - Math.log(2 * Math.PI))) < 1e-14);
});
