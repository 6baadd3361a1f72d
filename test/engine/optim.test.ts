import { test } from "node:test";
import assert from "node:assert/strict";
import {
  initEngine, np, jit, adamScalars, adamUpdate, clipByGlobalNorm, emaUpdate, emaDecayAt, makeSchedule, treeZerosLike,
  splitKey, prngKey, Rng,
} from "../../src/engine/index.js";

await initEngine();

// Adam written out by hand, one scalar at a time, in float64.
function adamByHand(p: number[], gs: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0) {
  const m = p.map(() => 0), v = p.map(() => 0), q = [...p];
  gs.forEach((g, k) => {
    const t = k + 1;
    for (let i = 0; i < q.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const mh = m[i] / (1 - b1 ** t), vh = v[i] / (1 - b2 ** t);
      q[i] -= lr * (mh / (Math.sqrt(vh) + eps) + wd * q[i]);
    }
  });
  return { q, m, v };
}

for (const wd of [0, 0.01]) {
  test(`Adam${wd ? "W" : ""}: three steps match a hand computation (float64)`, () => {
    const p0 = [0.5, -1.5, 2.0];
    const gs = [[0.1, -0.2, 3], [0.3, 0.0, -1], [-0.05, 0.4, 0.2]];
    let params = { w: np.array(p0, { dtype: np.float64 }) };
    let m = treeZerosLike(params), v = treeZerosLike(params);
    gs.forEach((g, k) => {
      const r = adamUpdate(params, { w: np.array(g, { dtype: np.float64 }) }, m, v,
        adamScalars(k + 1, 0.01, {}, np.float64), { weightDecay: wd });
      ({ params, m, v } = r);
    });
    const want = adamByHand(p0, gs, 0.01, 0.9, 0.999, 1e-8, wd);
    const got = params.w.dataSync();
    want.q.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-14, `p[${i}] = ${got[i]} vs ${w}`));
    const gm = m.w.dataSync();
    want.m.forEach((w, i) => assert.ok(Math.abs(gm[i] - w) < 1e-15));
    v.w.dispose();
  });
}

test("Adam inside jit equals eager", () => {
  const step = jit((p: any, g: any, m: any, v: any, s: any) => {
    const r = adamUpdate(p, g, m, v, s);
    return [r.params, r.m, r.v];
  });
  const mk = () => ({ a: np.array([1, 2, 3]), b: np.array([[0.5]]) });
  const g = () => ({ a: np.array([0.1, -0.1, 0.3]), b: np.array([[2]]) });
  const eager = adamUpdate(mk(), g(), treeZerosLike(mk()), treeZerosLike(mk()), adamScalars(1, 0.1));
  const [pj] = step(mk(), g(), treeZerosLike(mk()), treeZerosLike(mk()), adamScalars(1, 0.1)) as any;
  const close = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    Array.from(x).forEach((xv, i) => assert.ok(Math.abs(xv - y[i]) < 1e-6, `${xv} vs ${y[i]}`)); // fusion may differ by an ulp
  close(pj.a.dataSync(), eager.params.a.dataSync());
  close(pj.b.dataSync(), eager.params.b.dataSync());
});

test("global-norm clipping scales to the limit and leaves small gradients alone", () => {
  const { grads, norm } = clipByGlobalNorm({ x: np.array([3, 0], { dtype: np.float64 }), y: np.array([4], { dtype: np.float64 }) }, 1);
  assert.ok(Math.abs(norm.item() - 5) < 1e-12);
  const gx = grads.x.dataSync();
  assert.ok(Math.abs(gx[0] - 0.6) < 1e-12 && gx[1] === 0);
  assert.ok(Math.abs(grads.y.item() - 0.8) < 1e-12);
  const small = clipByGlobalNorm({ x: np.array([0.3, 0.4], { dtype: np.float64 }) }, 1);
  assert.deepEqual(Array.from(small.grads.x.dataSync()), [0.3, 0.4]);
  small.norm.dispose();
});

test("EMA update and decay warm-up", () => {
  const ema = emaUpdate({ w: np.array([1, 1], { dtype: np.float64 }) }, { w: np.array([3, -1], { dtype: np.float64 }) }, np.array(0.75, { dtype: np.float64 }));
  assert.deepEqual(Array.from(ema.w.dataSync()), [1.5, 0.5]);
  assert.equal(emaDecayAt(1, 0.999), 2 / 11);
  assert.equal(emaDecayAt(1e6, 0.999), 0.999);
});

test("schedules: constant, warm-up, cosine end points", () => {
  assert.equal(makeSchedule({ lr: 0.1 })(500), 0.1);
  const w = makeSchedule({ kind: "warmup", lr: 0.1, warmupSteps: 10 });
  assert.ok(Math.abs(w(5) - 0.05) < 1e-15);
  assert.equal(w(20), 0.1);
  const c = makeSchedule({ kind: "cosine", lr: 1, warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
  assert.ok(Math.abs(c(10) - 1) < 1e-15);
  assert.ok(Math.abs(c(60) - 0.55) < 1e-12);
  assert.ok(Math.abs(c(110) - 0.1) < 1e-12);
});

test("PRNG: keys split deterministically; host Rng resumes from its state", () => {
  const a = splitKey(prngKey(7), 3).map((k) => Array.from(k.dataSync()));
  const b = splitKey(prngKey(7), 3).map((k) => Array.from(k.dataSync()));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], a[1]);
  const r = new Rng(42);
  r.normals(10);
  const s = r.state();
  const x = r.normals(5);
  assert.deepEqual(new Rng(s).normals(5), x);
  // Moments of the host normal sampler.
  const z = new Rng(1).normals(200000);
  const mean = z.reduce((p, q) => p + q, 0) / z.length;
  const v = z.reduce((p, q) => p + (q - mean) ** 2, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(v - 1) < 0.01, `mean ${mean} var ${v}`);
});
