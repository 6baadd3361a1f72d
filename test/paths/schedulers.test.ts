import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, jit, grad, type Array } from "../../src/engine/index.js";
import {
  getScheduler, schedulerNames, polynomialScheduler, vpScheduler, condOTSigmaMin, type Scheduler,
} from "../../src/paths/index.js";
import { OptionError } from "../../src/errors.js";

await initEngine();

const f64 = (xs: number[]) => np.array(xs, { dtype: np.float64 });
type Host = { alpha: Float64Array; sigma: Float64Array; dAlpha: Float64Array; dSigma: Float64Array };
function evalHost(s: Scheduler, ts: number[], dtype = np.float64): Host {
  const o = s(np.array(ts, { dtype }));
  const h = (a: Array) => Float64Array.from(a.dataSync() as ArrayLike<number>);
  return { alpha: h(o.alpha), sigma: h(o.sigma), dAlpha: h(o.dAlpha), dSigma: h(o.dSigma) };
}

const BMIN = 0.1, BMAX = 20;
const vpT = (t: number) => 0.5 * (1 - t) ** 2 * (BMAX - BMIN) + (1 - t) * BMIN;
// Closed forms in JS float64 Math (an independent second implementation).
const closed: Record<string, (t: number) => [number, number]> = {
  condot: (t) => [t, 1 - t],
  poly: (t) => [t * t, 1 - t * t],
  cosine: (t) => [Math.sin((Math.PI / 2) * t), Math.cos((Math.PI / 2) * t)],
  vp: (t) => [Math.exp(-0.5 * vpT(t)), Math.sqrt(-Math.expm1(-vpT(t)))],
  "linear-vp": (t) => [t, Math.sqrt(1 - t * t)],
  "condot-sigma-min": (t) => [t, 1 - (1 - 1e-4) * t],
};
const extra: Scheduler[] = [polynomialScheduler(3), polynomialScheduler(1.5), polynomialScheduler(0.5),
  vpScheduler(0.5, 10), condOTSigmaMin(0.01)];

test("all issue-5 schedulers are registered by name", () => {
  for (const n of Object.keys(closed)) assert.ok(schedulerNames().includes(n), n);
  assert.deepEqual(extra.map((s) => s.name), ["poly-3", "poly-1.5", "poly-0.5", "vp-0.5-10", "condot-sigma-min-0.01"]);
});

test("α, σ match closed forms to 1e-14 (float64, including the sin/cos ones)", () => {
  const ts = [0, 0.01, 0.2, 0.5, 0.77, 0.999, 1];
  for (const [name, f] of Object.entries(closed)) {
    const o = evalHost(getScheduler(name), ts);
    ts.forEach((t, i) => {
      const [a, s] = f(t);
      assert.ok(Math.abs(o.alpha[i] - a) < 1e-14, `${name} α(${t}) = ${o.alpha[i]} vs ${a}`);
      assert.ok(Math.abs(o.sigma[i] - s) < 1e-14 * Math.max(1, Math.abs(s)), `${name} σ(${t}) = ${o.sigma[i]} vs ${s}`);
    });
  }
});

test("dα, dσ match 5-point central finite differences (float64), registered and factory schedulers", () => {
  const ts = [0.02, 0.3, 0.5, 0.77, 0.98];
  const h = 1e-4;
  for (const s of [...schedulerNames().map(getScheduler), ...extra]) {
    const [p2, p1, m1, m2] = [2, 1, -1, -2].map((k) => evalHost(s, ts.map((t) => t + k * h)));
    const c = evalHost(s, ts);
    const fd = (key: "alpha" | "sigma", i: number) =>
      (-p2[key][i] + 8 * p1[key][i] - 8 * m1[key][i] + m2[key][i]) / (12 * h);
    ts.forEach((t, i) => {
      const fa = fd("alpha", i), fs = fd("sigma", i);
      const tol = (x: number) => 1e-9 * Math.max(1, Math.abs(x));
      assert.ok(Math.abs(fa - c.dAlpha[i]) < tol(fa), `${s.name} dα(${t}): fd ${fa} vs ${c.dAlpha[i]}`);
      assert.ok(Math.abs(fs - c.dSigma[i]) < tol(fs), `${s.name} dσ(${t}): fd ${fs} vs ${c.dSigma[i]}`);
    });
  }
});

test("dα, dσ equal autodiff of α, σ under jit (traceable, float64)", () => {
  const ts = [0.1, 0.45, 0.9];
  // Non-integer poly exponents are left out: exp∘log in float64 takes seconds to compile under jit(grad).
  for (const s of [...schedulerNames().map(getScheduler), polynomialScheduler(3), condOTSigmaMin(0.01)]) {
    const c = evalHost(s, ts);
    const ga = jit(grad((t: Array) => s(t).alpha.sum()))(f64(ts)).dataSync();
    const gs = jit(grad((t: Array) => s(t).sigma.sum()))(f64(ts)).dataSync();
    const o = jit((t: Array) => s(t))(f64(ts));
    const ja = o.alpha.dataSync();
    o.sigma.dispose(); o.dAlpha.dispose(); o.dSigma.dispose();
    ts.forEach((t, i) => {
      assert.ok(Math.abs(ga[i] - c.dAlpha[i]) < 1e-11 * Math.max(1, Math.abs(c.dAlpha[i])), `${s.name} grad α(${t})`);
      assert.ok(Math.abs(gs[i] - c.dSigma[i]) < 1e-11 * Math.max(1, Math.abs(c.dSigma[i])), `${s.name} grad σ(${t})`);
      assert.ok(Math.abs(ja[i] - c.alpha[i]) < 1e-15, `${s.name} jit α(${t}) keeps float64 constants`);
    });
  }
});

test("boundary values: α(0)=0, σ(0)=1, α(1)=1, σ(1)=0; vp and condot-sigma-min as documented", () => {
  for (const name of ["condot", "poly", "cosine", "linear-vp"]) {
    const o = evalHost(getScheduler(name), [0, 1]);
    assert.ok(Math.abs(o.alpha[0]) < 1e-16 && Math.abs(o.sigma[0] - 1) < 1e-16, `${name} at t = 0`);
    assert.ok(Math.abs(o.alpha[1] - 1) < 1e-16 && Math.abs(o.sigma[1]) < 1e-16, `${name} at t = 1`);
  }
  const vp = evalHost(getScheduler("vp"), [0, 1]);
  assert.ok(Math.abs(vp.alpha[0] - Math.exp(-5.025)) < 1e-16 && vp.alpha[0] < 0.007, "vp α(0) = e^−5.025 ≈ 0.0066");
  assert.ok(Math.abs(vp.sigma[0] - Math.sqrt(1 - Math.exp(-10.05))) < 1e-15);
  assert.equal(vp.alpha[1], 1);
  assert.equal(vp.sigma[1], 0);
  assert.equal(vp.dSigma[1], -Infinity, "vp dσ(1) is −∞ (σ ~ √(β_min(1 − t)))");
  assert.equal(evalHost(getScheduler("linear-vp"), [1]).dSigma[0], -Infinity);
  const sm = evalHost(getScheduler("condot-sigma-min"), [0, 1]);
  assert.deepEqual([sm.alpha[0], sm.sigma[0], sm.alpha[1]], [0, 1, 1]);
  assert.ok(Math.abs(sm.sigma[1] - 1e-4) < 1e-16, "σ(1) = σ_min");
  const p05 = evalHost(polynomialScheduler(0.5), [0]);
  assert.deepEqual([p05.alpha[0], p05.dAlpha[0]], [0, Infinity]);
});

test("variance-preserving schedulers keep α² + σ² = 1", () => {
  const ts = [0, 0.1, 0.5, 0.9, 0.9999, 1];
  for (const name of ["cosine", "vp", "linear-vp"]) {
    const o = evalHost(getScheduler(name), ts);
    ts.forEach((t, i) => assert.ok(Math.abs(o.alpha[i] ** 2 + o.sigma[i] ** 2 - 1) < 1e-15, `${name} at ${t}`));
  }
  // vp keeps relative accuracy of σ close to t = 1, where 1 − e^{−T} cancels.
  const t = 1 - 1e-12, o = evalHost(getScheduler("vp"), [t]);
  const ref = Math.sqrt(-Math.expm1(-vpT(t)));
  assert.ok(Math.abs(o.sigma[0] / ref - 1) < 1e-9, `vp σ(1 − 1e-12) = ${o.sigma[0]} vs ${ref}`);
});

test("float32 inputs give float32 outputs close to the closed forms", () => {
  const ts = [0.1, 0.5, 0.9];
  for (const [name, f] of Object.entries(closed)) {
    const o = getScheduler(name)(np.array(ts, { dtype: np.float32 }));
    assert.equal(o.alpha.dtype, np.float32, name);
    const a = o.alpha.dataSync(), s = o.sigma.dataSync();
    o.dAlpha.dispose(); o.dSigma.dispose();
    ts.forEach((t, i) => {
      assert.ok(Math.abs(a[i] - f(t)[0]) < 1e-5 && Math.abs(s[i] - f(t)[1]) < 1e-5, `${name} at ${t}`);
    });
  }
});

test("bad factory options throw OptionError", () => {
  assert.throws(() => polynomialScheduler(0), OptionError);
  assert.throws(() => polynomialScheduler(Number.NaN), OptionError);
  assert.throws(() => vpScheduler(5, 1), OptionError);
  assert.throws(() => condOTSigmaMin(1), OptionError);
  assert.throws(() => condOTSigmaMin(-0.1), OptionError);
});

test("path names: cosine is \"cosine\"; its earlier name \"cosine2\" (tsx's rename) still resolves and loads", async () => {
  const { createTrainState, trainStateToBytes, trainStateFromBytes, disposeTrainState } = await import("../../src/train/index.js");
  const { defaultMlpConfig } = await import("../../src/nets/mlp.js");
  assert.deepEqual(schedulerNames(), ["condot", "poly", "cosine", "vp", "linear-vp", "condot-sigma-min"]);
  assert.equal(getScheduler("cosine2"), getScheduler("cosine"));
  assert.throws(() => getScheduler("toString"), OptionError); // the legacy table is not an open prototype
  // A checkpoint that recorded "cosine2" passes the schema and loads.
  const s = createTrainState({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [4] }, path: "cosine" }, { steps: 1 });
  const bytes = trainStateToBytes(s);
  disposeTrainState(s);
  const old = { ...bytes, configJson: bytes.configJson.replace('"path": "cosine"', '"path": "cosine2"') };
  assert.notEqual(old.configJson, bytes.configJson);
  const loaded = trainStateFromBytes(old);
  assert.equal(loaded.config.path, "cosine2");
  disposeTrainState(loaded);
});
