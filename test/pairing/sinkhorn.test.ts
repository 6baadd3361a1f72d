import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/index.js";
import {
  sinkhorn, sinkhornPlan, sinkhornPlanFromCost, samplePairsFromPlan, exactOtPairing, squaredDistances, getPairing,
} from "../../src/pairing/index.js";
import { OptionError } from "../../src/errors.js";

function marginals(plan: Float64Array, n: number) {
  const rows = new Float64Array(n), cols = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    rows[i] += plan[i * n + j];
    cols[j] += plan[i * n + j];
  }
  return { rows, cols };
}

/** Plain (non-log) Sinkhorn scaling P = diag(u) K diag(v), K = e^{−C/ε}: the second method to compare against. */
function naiveSinkhorn(cost: Float64Array, n: number, eps: number, iters: number): Float64Array {
  const K = cost.map((c) => Math.exp(-c / eps));
  const u = new Float64Array(n).fill(1), v = new Float64Array(n).fill(1);
  for (let it = 0; it < iters; it++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += K[i * n + j] * v[j];
      u[i] = 1 / n / s;
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += K[i * n + j] * u[i];
      v[j] = 1 / n / s;
    }
  }
  return K.map((k, idx) => u[Math.floor(idx / n)] * k * v[idx % n]);
}

test("Sinkhorn plan has uniform marginals to 1e-4 (several sizes and regularizations)", () => {
  const rng = new Rng(1);
  for (const [n, d, reg] of [[8, 2, 0.05], [32, 2, 0.05], [64, 3, 0.2], [16, 2, 0.01]] as const) {
    const x0 = rng.normals(n * d), x1 = rng.normals(n * d).map((v) => v + 3);
    // Small reg converges slowly (sweeps grow with the near-ties of the OT problem), so give it room.
    const r = sinkhornPlan(x0, x1, d, { reg, iterations: 50000 });
    const { rows, cols } = marginals(r.plan, n);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(rows[i] - 1 / n) < 1e-4, `n=${n} reg=${reg} row ${i}: ${rows[i]}`);
      assert.ok(Math.abs(cols[i] - 1 / n) < 1e-4, `n=${n} reg=${reg} col ${i}: ${cols[i]}`);
    }
    let err = 0;
    for (let i = 0; i < n; i++) err += Math.abs(rows[i] - 1 / n);
    assert.ok(Math.abs(err - r.marginalError) < 1e-12, "reported marginalError is the row-marginal L1 error");
    assert.ok(r.marginalError <= 1e-9, `converged to tol: ${r.marginalError} after ${r.iterations}`);
  }
});

test("log-domain plan equals plain Sinkhorn scaling where the latter is stable", () => {
  const rng = new Rng(2);
  const n = 10, d = 2;
  const x0 = rng.normals(n * d), x1 = rng.normals(n * d);
  const cost = squaredDistances(x0, x1, n, d);
  const eps = 0.5;
  const a = sinkhornPlanFromCost(cost, n, eps, { iterations: 5000, tol: 1e-14 }).plan;
  const b = naiveSinkhorn(cost, n, eps, 5000);
  for (let k = 0; k < n * n; k++) assert.ok(Math.abs(a[k] - b[k]) < 1e-12, `entry ${k}: ${a[k]} vs ${b[k]}`);
});

test("as reg → 0 the plan approaches the exact OT plan (permutation / n); as reg grows, the independent plan", () => {
  const rng = new Rng(3);
  const n = 8, d = 2;
  const x0 = rng.normals(n * d), x1 = rng.normals(n * d);
  const { perm, cost: otCost } = exactOtPairing(x0, x1, d);
  const C = squaredDistances(x0, x1, n, d);
  let maxC = 0;
  for (const c of C) maxC = Math.max(maxC, c);
  const dist: number[] = [], transport: number[] = [];
  for (const reg of [1, 0.1, 0.01, 0.002]) {
    const { plan, marginalError } = sinkhornPlan(x0, x1, d, { reg, iterations: 50000, tol: 1e-10 });
    let l1 = 0, tc = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      l1 += Math.abs(plan[i * n + j] - (perm[i] === j ? 1 / n : 0));
      tc += plan[i * n + j] * C[i * n + j];
    }
    dist.push(l1);
    transport.push(tc);
    // A feasible plan never beats exact OT; an unconverged one is off by at most max(C)·(marginal error).
    assert.ok(tc >= otCost / n - maxC * marginalError - 1e-12, `reg ${reg}: ${tc} < OT ${otCost / n}`);
  }
  for (let k = 1; k < dist.length; k++) assert.ok(dist[k] < dist[k - 1], `L1 to the OT plan decreases: ${dist}`);
  assert.ok(dist[dist.length - 1] < 1e-3, `L1 distance at reg 0.002: ${dist[dist.length - 1]}`);
  assert.ok(Math.abs(transport[transport.length - 1] - otCost / n) < 1e-3 * otCost / n, `${transport} vs ${otCost / n}`);
  const big = sinkhornPlan(x0, x1, d, { reg: 1e6 }).plan;
  for (const p of big) assert.ok(Math.abs(p - 1 / (n * n)) < 1e-4 / (n * n), `reg 1e6 entry ${p} vs 1/n²`);
});

test("sampled pairs follow the plan's joint distribution (with replacement)", () => {
  const plan = new Float64Array([0.1, 0.2, 0.0, 0.3, 0.15, 0.25, 0.0, 0.0, 0.0]).map((p) => p);
  // A 3×3 "plan" (not uniform-marginal, fine for the sampler): frequencies within 4 standard errors.
  const count = 200000;
  const { rows, cols } = samplePairsFromPlan(plan, 3, count, new Rng(9));
  const freq = new Float64Array(9);
  for (let r = 0; r < count; r++) freq[rows[r] * 3 + cols[r]]++;
  for (let k = 0; k < 9; k++) {
    const p = plan[k], se = Math.sqrt((p * (1 - p)) / count);
    assert.ok(Math.abs(freq[k] / count - p) <= 4 * se + 1e-12, `cell ${k}: ${freq[k] / count} vs ${p}`);
  }
});

test("sinkhorn pairing: n pairs drawn from the plan; with a clear OT solution and tiny reg, the OT pairs", () => {
  const rng = new Rng(4);
  const n = 12, d = 2;
  // x1 is a shuffled, slightly perturbed copy of x0, so the OT pairing (each x0 with its own copy) is far from ties.
  const x0 = rng.normals(n * d).map((v) => 3 * v);
  const shuffle = [5, 2, 11, 0, 7, 9, 1, 3, 10, 4, 8, 6];
  const x1 = new Float64Array(n * d);
  shuffle.forEach((src, i) => { for (let k = 0; k < d; k++) x1[i * d + k] = x0[src * d + k] + 0.01 * rng.normal(); });
  const c = getPairing("sinkhorn", { reg: 1e-3 });
  const out = c.pair(x0, x1, d, rng);
  assert.equal(out.x0.length, n * d);
  assert.equal(out.x1.length, n * d);
  for (let i = 0; i < n; i++) {
    let dd = 0;
    for (let k = 0; k < d; k++) dd += (out.x0[i * d + k] - out.x1[i * d + k]) ** 2;
    assert.ok(dd < 0.01, `pair ${i} is an OT pair (x0 with its own copy)`);
  }
  // Large reg: nearly independent, so some sampled pairs are not OT pairs.
  const loose = getPairing("sinkhorn", { reg: 100 }).pair(x0, x1, d, rng);
  let off = 0;
  for (let i = 0; i < n; i++) {
    let dd = 0;
    for (let k = 0; k < d; k++) dd += (loose.x0[i * d + k] - loose.x1[i * d + k]) ** 2;
    if (dd > 0.01) off++;
  }
  assert.ok(off > n / 2, `${off} of ${n} pairs off the OT pairing at reg 100`);
});

test("degenerate batch and bad options", () => {
  const x = new Float64Array([1, 1, 1, 1, 1, 1]);
  const r = sinkhornPlan(x, x, 2);
  for (const p of r.plan) assert.equal(p, 1 / 9);
  assert.throws(() => sinkhorn({ reg: 0 }), OptionError);
  assert.throws(() => sinkhorn({ iterations: 0.5 }), OptionError);
  assert.throws(() => sinkhornPlanFromCost(new Float64Array(4), 2, -1), OptionError);
});
