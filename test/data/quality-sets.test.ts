/**
 * The quality suite's sets (src/data/quality): each exact log density integrates to 1 on its box (midpoint grid),
 * agrees with its sampler (mean log p of samples vs the grid's entropy −∫p log p; the mass of a 3×3 split of the box
 * vs the samples' fractions), and the noisy curves' quadrature agrees with a rule of four times the panels.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { getQualitySet, qualitySetNames, standardizerFor } from "../../src/data/index.js";
import { curveLogProb, curveQuadrature } from "../../src/data/quality/noisy-curve.js";
import { gaussLegendre } from "../../src/data/quality/quadrature.js";
import { moons2, spiral } from "../../src/data/quality/shapes.js";
import { Rng } from "../../src/engine/rng.js";

/** Midpoint-grid mass, entropy and the mass in each cell of a 3×3 split of the box. */
function onGrid(name: string) {
  const s = getQualitySet(name);
  const [x0, x1, y0, y1] = s.box;
  const kx = Math.round((x1 - x0) / s.h), ky = Math.round((y1 - y0) / s.h);
  const pts = new Float64Array(2 * kx * ky);
  for (let i = 0; i < kx; i++) for (let j = 0; j < ky; j++) {
    pts[2 * (i * ky + j)] = x0 + (i + 0.5) * s.h;
    pts[2 * (i * ky + j) + 1] = y0 + (j + 0.5) * s.h;
  }
  const lp = s.logProb(pts);
  let mass = 0, entropy = 0;
  const cells = new Float64Array(9);
  for (let k = 0; k < lp.length; k++) {
    const p = Math.exp(lp[k]!) * s.h * s.h;
    mass += p;
    if (p > 0) entropy -= p * lp[k]!;
    cells[cell(s.box, pts[2 * k]!, pts[2 * k + 1]!)] += p;
  }
  return { s, mass, entropy, cells };
}

function cell(box: readonly number[], x: number, y: number): number {
  const cx = Math.min(2, Math.max(0, Math.floor((3 * (x - box[0]!)) / (box[1]! - box[0]!))));
  const cy = Math.min(2, Math.max(0, Math.floor((3 * (y - box[2]!)) / (box[3]! - box[2]!))));
  return 3 * cx + cy;
}

test("the suite holds every kind of issue 13 at two scales", () => {
  for (const base of ["ring8", "moons", "checkerboard", "grid25", "thinring", "spiral", "modes48"]) {
    assert.ok(qualitySetNames.includes(base) && qualitySetNames.includes(`${base}-x40`), base);
  }
});

for (const name of qualitySetNames) {
  test(`${name}: exp(log p) integrates to 1 and matches the sampler`, () => {
    const { s, mass, entropy, cells } = onGrid(name);
    assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
    const n = 4000;
    const x = s.sample(n, new Rng(7));
    const lp = s.logProb(x);
    const mean = lp.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(lp.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    // −E[log p] over samples estimates the entropy: within 5 standard errors (checkerboard: exactly, sd 0).
    assert.ok(Math.abs(-mean - entropy) <= 5 * (sd / Math.sqrt(n)) + 1e-9, `−mean log p ${-mean} vs entropy ${entropy} (sd ${sd})`);
    const counts = new Float64Array(9);
    for (let i = 0; i < n; i++) counts[cell(s.box, x[2 * i]!, x[2 * i + 1]!)]++;
    for (let c = 0; c < 9; c++) {
      const p = cells[c]!, f = counts[c]! / n;
      assert.ok(Math.abs(f - p) <= 5 * Math.sqrt((p * (1 - p)) / n) + 2e-3, `cell ${c}: sample fraction ${f} vs mass ${p}`);
    }
  });
}

test("noisy curves: the quadrature agrees with a 4× finer rule to 1e-9 on samples", () => {
  for (const c of [moons2, spiral]) {
    const x = c.sample(300, new Rng(3));
    const a = curveLogProb(curveQuadrature(c.arms, c.probs, c.sigma, 1), c.sigma, x, c.name);
    const b = curveLogProb(curveQuadrature(c.arms, c.probs, c.sigma, 4), c.sigma, x, c.name);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-9, `${c.name} row ${i}: ${a[i]} vs ${b[i]}`);
  }
});

test("Gauss–Legendre: weights sum to 2, and 8 nodes integrate x^14 exactly", () => {
  const { nodes, weights } = gaussLegendre(8);
  assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) - 2) < 1e-14);
  const i14 = nodes.reduce((s, x, k) => s + weights[k]! * x ** 14, 0);
  assert.ok(Math.abs(i14 - 2 / 15) < 1e-14, `${i14}`);
});

test("an affine copy's log density is the base's at the mapped point minus 2 log 40", () => {
  const base = getQualitySet("moons"), far = getQualitySet("moons-x40");
  const x = base.sample(50, new Rng(1));
  const y = x.map((v, i) => 40 * v + (i % 2 === 0 ? 300 : -50));
  const a = base.logProb(x), b = far.logProb(y);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(b[i]! - (a[i]! - 2 * Math.log(40))) < 1e-9);
});

test("standardizerFor: column keeps the fit, global one RMS std for all columns, none the identity", () => {
  const fit = { mean: [300, -50], std: [30, 40] };
  assert.deepEqual(standardizerFor("column", fit), fit);
  assert.deepEqual(standardizerFor("global", fit), { mean: [300, -50], std: [Math.sqrt(1250), Math.sqrt(1250)] });
  assert.deepEqual(standardizerFor("none", fit), { mean: [0, 0], std: [1, 1] });
  const huge = standardizerFor("global", { mean: [0, 0], std: [1e300, 1e300] });
  assert.ok(Math.abs(huge.std[0]! / 1e300 - 1) < 1e-12, "no overflow");
  // A data scale multiplies the model units: every std divided by it, the means kept.
  assert.deepEqual(standardizerFor("global", fit, 2), { mean: [300, -50], std: [Math.sqrt(1250) / 2, Math.sqrt(1250) / 2] });
  assert.deepEqual(standardizerFor("none", fit, 4), { mean: [0, 0], std: [0.25, 0.25] });
  assert.throws(() => standardizerFor("column", fit, 0), /scale must be a finite number > 0/);
});
