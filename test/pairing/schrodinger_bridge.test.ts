import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/index.js";
import {
  bridgeSample, schrodingerBridge, getPairing, sinkhornPlanFromCost, squaredDistances, exactOtPairing,
} from "../../src/pairing/index.js";
import { OptionError, ShapeError } from "../../src/errors.js";

const n = 5, d = 3;
const rng = new Rng(17);
const x0 = rng.normals(n * d), x1 = rng.normals(n * d).map((v) => 2 * v + 1), eps = rng.normals(n * d);

test("SB target u_t equals the finite-difference time derivative of x_t along fixed (x0, x1, ε)", () => {
  const h = 1e-6;
  for (const sigma of [0, 0.3, 1, 2.5]) {
    for (const t0 of [0.01, 0.2, 0.5, 0.73, 0.99]) {
      const t = new Float64Array(n).fill(t0);
      const at = (dt: number) => bridgeSample(x0, x1, t.map((v) => v + dt), eps, sigma, d).xt;
      const plus = at(h), minus = at(-h);
      const { ut } = bridgeSample(x0, x1, t, eps, sigma, d);
      for (let k = 0; k < n * d; k++) {
        const fd = (plus[k] - minus[k]) / (2 * h);
        assert.ok(Math.abs(fd - ut[k]) < 1e-6 * Math.max(1, Math.abs(ut[k])), `σ=${sigma} t=${t0} [${k}]: fd ${fd} vs ${ut[k]}`);
      }
    }
  }
});

test("SB path: x_t = t·x1 + (1−t)·x0 + σ√(t(1−t))·ε and torchcfm's target formula, per-row t", () => {
  const sigma = 0.7;
  const t = new Float64Array([0.1, 0.35, 0.5, 0.8, 0.95]);
  const { xt, ut } = bridgeSample(x0, x1, t, eps, sigma, d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) {
    const j = i * d + k, ti = t[i];
    const mu = ti * x1[j] + (1 - ti) * x0[j];
    assert.ok(Math.abs(xt[j] - (mu + sigma * Math.sqrt(ti * (1 - ti)) * eps[j])) < 1e-14);
    const u = ((1 - 2 * ti) / (2 * ti * (1 - ti))) * (xt[j] - mu) + x1[j] - x0[j];
    assert.ok(Math.abs(ut[j] - u) < 1e-12 * Math.max(1, Math.abs(u)));
  }
});

test("endpoints: x_0 = x0, x_1 = x1, finite target x1 − x0; σ = 0 is the CondOT path", () => {
  const ends = bridgeSample(x0, x1, new Float64Array([0, 1, 0, 1, 0]), eps, 1.5, d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) {
    const j = i * d + k;
    assert.equal(ends.xt[j], i % 2 ? x1[j] : x0[j]);
    assert.equal(ends.ut[j], x1[j] - x0[j]);
  }
  const t = new Float64Array([0.2, 0.4, 0.6, 0.8, 0.9]);
  const flat = bridgeSample(x0, x1, t, eps, 0, d);
  for (let j = 0; j < n * d; j++) {
    const ti = t[Math.floor(j / d)];
    assert.ok(Math.abs(flat.xt[j] - (ti * x1[j] + (1 - ti) * x0[j])) < 1e-15);
    assert.equal(flat.ut[j], x1[j] - x0[j]);
  }
});

test("SB pairing draws pairs from the entropic plan with ε = 2σ² (absolute), or the exact-OT permutation", () => {
  const r = new Rng(8);
  const m = 4, dim = 1;
  const a = new Float64Array([0, 1, 2, 3]), b = new Float64Array([0.1, 1.2, 2.1, 3.3]);
  const sigma = 0.6;
  const plan = sinkhornPlanFromCost(squaredDistances(a, b, m, dim), m, 2 * sigma * sigma).plan;
  // Empirical pair frequencies over many calls match the plan (4 standard errors).
  const c = schrodingerBridge({ sigma });
  assert.equal(c.name, "sb");
  const freq = new Float64Array(m * m);
  const calls = 5000;
  for (let s = 0; s < calls; s++) {
    const out = c.pair(a, b, dim, r);
    for (let i = 0; i < m; i++) freq[a.indexOf(out.x0[i]) * m + b.indexOf(out.x1[i])]++;
  }
  const total = calls * m;
  for (let k = 0; k < m * m; k++) {
    const p = plan[k], se = Math.sqrt((p * (1 - p)) / total);
    assert.ok(Math.abs(freq[k] / total - p) <= 4 * se + 1e-9, `cell ${k}: ${freq[k] / total} vs ${p}`);
  }
  const exact = schrodingerBridge({ sigma, otMethod: "exact" }).pair(x0, x1, d, r);
  const { perm } = exactOtPairing(x0, x1, d);
  assert.deepEqual(exact.x0, x0);
  for (let i = 0; i < n; i++) assert.deepEqual(exact.x1.subarray(i * d, i * d + d), x1.subarray(perm[i] * d, perm[i] * d + d));
  assert.equal((getPairing("sb", { sigma: 0.3 }) as ReturnType<typeof schrodingerBridge>).sigma, 0.3);
});

test("bad options and shapes", () => {
  assert.throws(() => schrodingerBridge({ sigma: 0 }), OptionError);
  assert.throws(() => schrodingerBridge({ otMethod: "emd" as "exact" }), OptionError);
  assert.throws(() => bridgeSample(x0, x1, new Float64Array(2), eps, 1, d), ShapeError);
  assert.throws(() => bridgeSample(x0, x1, new Float64Array(n), eps.subarray(1), 1, d), ShapeError);
  assert.throws(() => bridgeSample(x0, x1, new Float64Array(n), eps, -1, d), OptionError);
});
