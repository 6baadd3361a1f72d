/**
 * The conditional flow matcher against closed forms (float64): the CondOT point and target exactly, the cosine
 * path against sin/cos, x1-/ε-prediction targets, the bridge's target identity; labels and context travel with
 * the data rows they belong to (checked by matching rows), OT pairs minimize the total squared cost (brute force
 * over all permutations), within-label pairing keeps every row's label; time-sampling moments; borrow/own rules.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, fromHost, toHostF64, type Array as JArray } from "../../src/engine/index.js";
import { createMatcher } from "../../src/fm/index.js";
import { OptionError } from "../../src/errors.js";

await initEngine();

const f64 = (a: Float64Array, shape: number[]): JArray => fromHost(a, shape, np.float64);
const read = (a: JArray): Float64Array => toHostF64(a.ref);
const rowsOf = (a: Float64Array, dim: number): number[][] =>
  Array.from({ length: a.length / dim }, (_, i) => Array.from(a.subarray(i * dim, (i + 1) * dim)));
const cost = (x0: number[][], x1: number[][]): number =>
  x0.reduce((s, r, i) => s + r.reduce((q, v, k) => q + (v - x1[i]![k]!) ** 2, 0), 0);
function disposeAll(s: Record<string, unknown>): void {
  for (const v of Object.values(s)) if (v && typeof (v as JArray).dispose === "function") (v as JArray).dispose();
}
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

test("condot: x_t = (1 − t)·x0 + t·x1 and u_t = x1 − x0 exactly; x0, x1 are borrowed, results owned", () => {
  const n = 7, d = 3, rng = new Rng(1);
  const X0 = rng.normals(n * d), X1 = rng.normals(n * d);
  const x0 = f64(X0, [n, d]), x1 = f64(X1, [n, d]);
  const s = createMatcher().sample(x0, x1, { rng: 5 });
  const t = read(s.t), xt = read(s.xt), ut = read(s.ut);
  assert.deepEqual(s.xt.shape, [n, d]);
  assert.deepEqual(Array.from(read(s.x0)), Array.from(X0), "independent pairing keeps the rows");
  for (let i = 0; i < n; i++) {
    assert.ok(t[i]! >= 0 && t[i]! < 1);
    for (let k = 0; k < d; k++) {
      const j = i * d + k;
      assert.equal(xt[j], t[i]! * X1[j]! + (1 - t[i]!) * X0[j]!);
      assert.equal(ut[j], X1[j]! - X0[j]!);
    }
  }
  assert.equal(x0.refCount, 1);
  assert.equal(x1.refCount, 1);
  disposeAll(s);
  x0.dispose();
  x1.dispose();
});

test("cosine path: x_t = sin(πt/2)·x1 + cos(πt/2)·x0 and u_t its time derivative; x1/ε prediction targets", () => {
  const n = 5, d = 2, rng = new Rng(2);
  const X0 = rng.normals(n * d), X1 = rng.normals(n * d);
  const x0 = f64(X0, [n, d]), x1 = f64(X1, [n, d]);
  const times = [0, 0.13, 0.5, 0.77, 1];
  const s = createMatcher({ path: "cosine" }).sample(x0, x1, { t: times });
  const xt = read(s.xt), ut = read(s.ut);
  assert.deepEqual(Array.from(read(s.t)), times);
  for (let j = 0; j < n * d; j++) {
    const a = (Math.PI / 2) * times[Math.floor(j / d)]!;
    assert.ok(Math.abs(xt[j]! - (Math.sin(a) * X1[j]! + Math.cos(a) * X0[j]!)) < 1e-14, `x_t[${j}]`);
    const u = (Math.PI / 2) * (Math.cos(a) * X1[j]! - Math.sin(a) * X0[j]!);
    assert.ok(Math.abs(ut[j]! - u) < 1e-14, `u_t[${j}]`);
  }
  disposeAll(s);
  for (const [prediction, want] of [["x1", X1], ["eps", X0]] as const) {
    const p = createMatcher({ path: "cosine", prediction }).sample(x0, x1, { t: 0.3 });
    assert.deepEqual(Array.from(read(p.ut)), Array.from(want), prediction);
    disposeAll(p);
  }
  x0.dispose();
  x1.dispose();
});

test("OT pairing: minimal total squared cost (brute force), labels and context follow their x1 rows", () => {
  const n = 6, d = 2, rng = new Rng(3);
  const X0 = rng.normals(n * d), X1 = rng.normals(n * d).map((v) => v + 1.5);
  const labels = [4, 1, 3, 0, 2, 5];
  const ctx = Float64Array.from({ length: n * 2 }, (_, j) => 100 * Math.floor(j / 2) + (j % 2));
  const x0 = f64(X0, [n, d]), x1 = f64(X1, [n, d]), context = f64(ctx, [n, 2]);
  // Labels are all distinct, so within-label pairing would be the identity: pair across labels here.
  const s = createMatcher({ pairing: "ot", pairWithinLabels: false }).sample(x0, x1, { labels, context });
  const p0 = rowsOf(read(s.x0), d), p1 = rowsOf(read(s.x1), d), c = rowsOf(read(s.context!), 2);
  const orig1 = rowsOf(X1, d);
  assert.deepEqual(p0, rowsOf(X0, d), "exact OT keeps x0's order");
  p1.forEach((row, i) => {
    const j = orig1.findIndex((r) => r.every((v, k) => v === row[k]));
    assert.ok(j >= 0, `pair ${i}: x1 row not from the batch`);
    assert.equal(s.labels![i], labels[j], `pair ${i}: label of x1 row ${j}`);
    assert.deepEqual(c[i], [100 * j, 100 * j + 1], `pair ${i}: context of x1 row ${j}`);
  });
  const best = Math.min(...permutations(n).map((p) => cost(rowsOf(X0, d), p.map((j) => orig1[j]!))));
  const got = cost(p0, p1);
  assert.ok(Math.abs(got - best) < 1e-12, `OT cost ${got} vs brute-force minimum ${best}`);
  assert.ok(got < cost(rowsOf(X0, d), orig1), "cheaper than the independent pairing");
  disposeAll(s);
  [x0, x1, context].forEach((a) => a.dispose());
});

test("within-label pairing (default): every row keeps its label, each label's pairs are that label's OT", () => {
  const n = 12, d = 2, rng = new Rng(4);
  const X0 = rng.normals(n * d), X1 = rng.normals(n * d);
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7) % 3);
  const m = createMatcher({ pairing: "ot" });
  const r = m.draw(X0, X1, d, { rng, labels });
  assert.deepEqual(Array.from(r.labels!), Array.from(labels));
  const orig0 = rowsOf(X0, d), orig1 = rowsOf(X1, d);
  let total = 0, indep = 0;
  for (const k of [0, 1, 2]) {
    const idx = [...labels.keys()].filter((i) => labels[i] === k);
    const g0 = idx.map((i) => orig0[i]!), g1 = idx.map((i) => orig1[i]!);
    const p1 = idx.map((i) => Array.from(r.x1.subarray(i * d, (i + 1) * d)));
    p1.forEach((row) => assert.ok(g1.some((q) => q.every((v, c) => v === row[c])), `label ${k}: x1 row from another label`));
    assert.deepEqual(idx.map((i) => Array.from(r.x0.subarray(i * d, (i + 1) * d))), g0);
    const best = Math.min(...permutations(idx.length).map((p) => cost(g0, p.map((j) => g1[j]!))));
    assert.ok(Math.abs(cost(g0, p1) - best) < 1e-12, `label ${k}`);
    total += best;
    indep += cost(g0, g1);
  }
  assert.ok(total <= indep);
});

test("sinkhorn pairs (drawn with replacement) carry the labels of the x1 rows drawn", () => {
  const n = 40, d = 2, rng = new Rng(5);
  const X0 = rng.normals(n * d), X1 = rng.normals(n * d);
  const labels = Int32Array.from({ length: n }, (_, i) => i);
  const r = createMatcher({ pairing: "sinkhorn", pairWithinLabels: false }).draw(X0, X1, d, { rng, labels });
  const orig1 = rowsOf(X1, d);
  rowsOf(r.x1, d).forEach((row, i) => assert.deepEqual(row, orig1[r.labels![i]!]));
});

test("sb: x_t and u_t satisfy the bridge identity u_t = x1 − x0 + (1 − 2t)/(2t(1 − t))·(x_t − μ_t)", () => {
  const n = 8, d = 2, rng = new Rng(6);
  const x0 = f64(rng.normals(n * d), [n, d]), x1 = f64(rng.normals(n * d), [n, d]);
  const s = createMatcher({ pairing: "sb", pairingOptions: { sigma: 0.7 } }).sample(x0, x1, { rng: 1 });
  const t = read(s.t), xt = read(s.xt), ut = read(s.ut), a = read(s.x0), b = read(s.x1);
  for (let j = 0; j < n * d; j++) {
    const ti = t[Math.floor(j / d)]!;
    const mu = ti * b[j]! + (1 - ti) * a[j]!;
    assert.ok(Math.abs(ut[j]! - (b[j]! - a[j]! + ((1 - 2 * ti) / (2 * ti * (1 - ti))) * (xt[j]! - mu))) < 1e-9);
  }
  disposeAll(s);
  x0.dispose();
  x1.dispose();
  assert.throws(() => createMatcher({ pairing: "sb", prediction: "x1" }), OptionError);
  assert.throws(() => createMatcher({ path: "zigzag" }), OptionError);
  assert.throws(() => createMatcher({ pairing: "emd" }), OptionError);
});

test("time sampling: uniform and logit-normal moments, their mixture; given t draws nothing", () => {
  const n = 20000, z = new Float64Array(n);
  const u = createMatcher().draw(z, z, 1, { rng: new Rng(7) }).t;
  const mean = u.reduce((s, v) => s + v, 0) / n;
  const vr = u.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  assert.ok(Math.abs(mean - 0.5) < 0.01 && Math.abs(vr - 1 / 12) < 0.005, `uniform mean ${mean} var ${vr}`);
  const ln = createMatcher({ timeSampling: "logit-normal", logitNormal: { mean: 0.5, std: 0.8 } }).draw(z, z, 1, { rng: new Rng(8) }).t;
  const logit = Array.from(ln, (t) => Math.log(t / (1 - t)));
  const lm = logit.reduce((s, v) => s + v, 0) / n;
  const ls = Math.sqrt(logit.reduce((s, v) => s + (v - lm) ** 2, 0) / n);
  assert.ok(Math.abs(lm - 0.5) < 0.03 && Math.abs(ls - 0.8) < 0.03, `logit mean ${lm} std ${ls}`);
  // A uniform share p: the CDF is p·t + (1 − p)·Φ((logit t − m)/s); with s tiny, the mass off the spike at σ(m) is p
  // times the uniform mass there. Compare the histogram's share below 0.25 and in [0.4, 0.6) with that closed form.
  const mix = createMatcher({ timeSampling: "logit-normal", logitNormal: { mean: 0, std: 0.01, uniform: 0.3 } }).draw(z, z, 1, { rng: new Rng(10) }).t;
  const share = (lo: number, hi: number) => mix.filter((t) => t >= lo && t < hi).length / n;
  assert.ok(Math.abs(share(0, 0.25) - 0.3 * 0.25) < 0.01, `mixture: share below 0.25 ${share(0, 0.25)}`);
  assert.ok(Math.abs(share(0.4, 0.6) - (0.7 + 0.3 * 0.2)) < 0.01, `mixture: share in [0.4, 0.6) ${share(0.4, 0.6)}`);
  assert.throws(() => createMatcher({ timeSampling: "logit-normal", logitNormal: { mean: 0, std: 1, uniform: 1.5 } }), OptionError);
  const rng = new Rng(9), before = rng.state();
  createMatcher().draw(z.subarray(0, 3), z.subarray(0, 3), 1, { rng, t: [0.1, 0.2, 0.3] });
  assert.deepEqual(rng.state(), before);
});
