/**
 * logProb against closed forms (float64): a constant field (pure translation) and the exact CondOT marginal field
 * of Gaussian data, whose density at t = 1 is the data Gaussian itself. Also divergence identities.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, fromHost, toHostF64, type Array, type JsTree } from "../../src/engine/index.js";
import {
  logProb, sampleWithLogProb, exactDivergence, hutchinsonDivergence, drawProbes, bitsPerDim, type FieldModel,
} from "../../src/likelihood/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { batchJacobians } from "../util/jacobian.js";

await initEngine();

const LOG_2PI = Math.log(2 * Math.PI);
const f64 = (v: number[]) => fromHost(Float64Array.from(v), [v.length], np.float64);

function fieldModel(dim: number, params: JsTree<Array>, apply: FieldModel["apply"], standardizer?: { mean: number[]; std: number[] }): FieldModel {
  return { dim, dtype: np.float64, params, apply, config: { standardizer } };
}

test("constant field v = c: log q(x) = log N(x − c) and z = x − c", () => {
  const c = [0.7, -1.3, 0.2];
  const m = fieldModel(3, { c: f64(c) }, (p, x, t) => {
    t.dispose();
    return np.broadcastTo((p as { c: Array }).c.ref.reshape([1, 3]), x.shape).add(x.mul(0));
  });
  const rng = new Rng(1);
  const x = rng.normals(5 * 3);
  const r = logProb(m, x, { rtol: 1e-10, atol: 1e-10 });
  for (let i = 0; i < 5; i++) {
    let q = -1.5 * LOG_2PI;
    for (let d = 0; d < 3; d++) {
      const z = x[i * 3 + d]! - c[d]!;
      q -= 0.5 * z * z;
      assert.ok(Math.abs(r.z[i * 3 + d]! - z) < 1e-9);
    }
    assert.ok(Math.abs(r.logp[i]! - q) < 1e-6, `logp ${r.logp[i]} want ${q}`);
  }
});

/**
 * Data N(μ, s²I) on the CondOT path: x_t ~ N(tμ, σ_t² I) with σ_t² = (1−t)² + t²s², and the marginal velocity is
 * v(x, t) = μ + (t s² − (1 − t))/σ_t² · (x − tμ) — linear in x, divergence D·(t s² − (1 − t))/σ_t².
 */
function gaussianField(mu: number[], s: number): FieldModel {
  const D = mu.length;
  return fieldModel(D, { mu: f64(mu) }, (p, x, t) => {
    const muA = (p as { mu: Array }).mu.ref.reshape([1, D]);
    const omt = t.ref.neg().add(1);
    const num = t.ref.mul(s * s).sub(omt.ref);
    const den = np.square(omt).add(np.square(t.ref).mul(s * s));
    const k = num.div(den);
    return muA.ref.add(x.sub(muA.mul(t)).mul(k));
  });
}

test("exact CondOT field of Gaussian data: log q(x) = log N(x; μ, s²I) to 1e-6 (logProb and sampleWithLogProb)", () => {
  const mu = [1.5, -0.5];
  const s = 0.6;
  const m = gaussianField(mu, s);
  const rng = new Rng(2);
  const x = Float64Array.from({ length: 8 * 2 }, (_, i) => mu[i % 2]! + s * rng.normal() * 1.5);
  const want = (row: Float64Array, i: number) =>
    -LOG_2PI - 2 * Math.log(s) - 0.5 * ((row[i * 2]! - mu[0]!) ** 2 + (row[i * 2 + 1]! - mu[1]!) ** 2) / (s * s);
  const r = logProb(m, x, { rtol: 1e-10, atol: 1e-10 });
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(r.logp[i]! - want(x, i)) < 1e-6, `logp ${r.logp[i]} want ${want(x, i)}`);
  const fw = sampleWithLogProb(m, 8, { rtol: 1e-10, atol: 1e-10, seed: 3 });
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(fw.logp[i]! - want(fw.samples, i)) < 1e-6);
});

test("the standardizer's log-Jacobian is added: a model in standardized units reports data-unit densities", () => {
  const m = gaussianField([0, 0], 1); // standard normal in model units
  const std = { mean: [2, -1], std: [3, 0.5] };
  const ms = fieldModel(2, m.params, m.apply, std);
  const x = Float64Array.from([2, -1, 5, 0]);
  const r = logProb(ms, x, { rtol: 1e-10, atol: 1e-10 });
  for (let i = 0; i < 2; i++) {
    const u = (x[i * 2]! - 2) / 3, w = (x[i * 2 + 1]! + 1) / 0.5;
    const want = -LOG_2PI - 0.5 * (u * u + w * w) - Math.log(3) - Math.log(0.5);
    assert.ok(Math.abs(r.logp[i]! - want) < 1e-6, `logp ${r.logp[i]} want ${want}`);
  }
});

test("exactDivergence equals the trace of the autodiff Jacobian, and its Frobenius norm matches", () => {
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(3), hidden: [16, 16] }, path: "condot" }, 4, np.float64);
  const rng = new Rng(5);
  const x = fromHost(rng.normals(4 * 3), [4, 3], np.float64);
  const t = 0.3;
  const f = (z: Array) => model.apply(model.params, z, np.full([], t, { dtype: np.float64 }));
  const J = batchJacobians(f, x);
  const r = exactDivergence((z, tt) => model.apply(model.params, z, tt), x.ref, np.full([], t, { dtype: np.float64 }), { frobenius: true });
  const div = toHostF64(r.div), frob = toHostF64(r.frob!);
  const v = toHostF64(r.v), vWant = toHostF64(f(x));
  J.forEach((j, b) => {
    const tr = j[0]! + j[4]! + j[8]!;
    const fr = j.reduce((a, e) => a + e * e, 0);
    assert.ok(Math.abs(div[b]! - tr) < 1e-10, `div ${div[b]} vs trace ${tr}`);
    assert.ok(Math.abs(frob[b]! - fr) < 1e-10);
  });
  vWant.forEach((w, i) => assert.ok(Math.abs(v[i]! - w) < 1e-12));
  model.dispose();
});

test("Hutchinson divergence is unbiased: the mean over many probes is within 3 standard errors of exact", () => {
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(4), hidden: [32, 32] }, path: "condot" }, 6, np.float64);
  const field = (z: Array, tt: Array) => model.apply(model.params, z, tt);
  const rng = new Rng(7);
  const x = fromHost(rng.normals(3 * 4), [3, 4], np.float64);
  const exact = toHostF64(exactDivergence(field, x.ref, np.full([], 0.6, { dtype: np.float64 })).div);
  for (const kind of ["rademacher", "gaussian"] as const) {
    const K = 400;
    const eps = drawProbes(rng, K, 3, 4, kind, np.float64);
    const perProbe: number[][] = [];
    const r = hutchinsonDivergence(field, x.ref, np.full([], 0.6, { dtype: np.float64 }), eps.ref);
    const mean = toHostF64(r.div);
    r.v.dispose();
    // The standard error from the probes split into 20 groups of 20.
    for (let g = 0; g < 20; g++) {
      const sub = eps.ref.slice([g * 20, (g + 1) * 20]);
      const rg = hutchinsonDivergence(field, x.ref, np.full([], 0.6, { dtype: np.float64 }), sub);
      perProbe.push(Array.from(toHostF64(rg.div)));
      rg.v.dispose();
    }
    eps.dispose();
    for (let b = 0; b < 3; b++) {
      const gm = perProbe.map((p) => p[b]!);
      const m = gm.reduce((a, c) => a + c, 0) / gm.length;
      const se = Math.sqrt(gm.reduce((a, c) => a + (c - m) ** 2, 0) / (gm.length - 1) / gm.length);
      assert.ok(Math.abs(m - mean[b]!) < 1e-9, "group means average to the full mean");
      assert.ok(se > 0);
      assert.ok(Math.abs(mean[b]! - exact[b]!) < 3 * se, `${kind} b=${b}: ${mean[b]} vs exact ${exact[b]} (se ${se})`);
    }
  }
  x.dispose();
  model.dispose();
});

test("bitsPerDim: plain conversion and the dequantization offset", () => {
  const lp = [-2 * Math.LN2 * 3, 0];
  assert.deepEqual(Array.from(bitsPerDim(lp, 2)), [3, -0]);
  // 8-bit data in [0, 1): each value is a bin of width 1/256, adding 8 bits per dimension.
  const b = bitsPerDim([0], 4, { dequantization: { levels: 256 } });
  assert.ok(Math.abs(b[0]! - 8) < 1e-12);
  const b2 = bitsPerDim([0], 1, { dequantization: { levels: 17, range: 17 } });
  assert.ok(Math.abs(b2[0]!) < 1e-12);
});

test("sampleWithLogProb and logProb of the same samples agree to 1e-4 (float32, tight tolerances)", () => {
  // SiLU, the activation this float32 bound was set for: with the default Swish-4's steeper Jacobian the float32
  // round trip here differs by 2.2e-4; the float64 tests above hold the default (Swish-4) to solver accuracy.
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [64, 64], activation: "silu" }, path: "condot" }, 8);
  const fw = sampleWithLogProb(model, 64, { seed: 9, rtol: 1e-6, atol: 1e-6 });
  const bw = logProb(model, fw.samples, { rtol: 1e-6, atol: 1e-6 });
  const err = Math.max(...Array.from(fw.logp, (v, i) => Math.abs(v - bw.logp[i]!)));
  assert.ok(err < 1e-4, `max |Δ logp| = ${err}`);
  const zerr = Math.max(...Array.from(fw.noise, (v, i) => Math.abs(v - bw.z[i]!)));
  assert.ok(zerr < 1e-3, `noise recovered to ${zerr}`);
  model.dispose();
});
