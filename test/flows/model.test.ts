// FlowModel: closed-form density of an identity flow with a standardizer; sampleWithLogProb's log-densities agree
// with logProb of the samples (two code paths) for every architecture, with and without context; temperature 0.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, np } from "../../src/engine/index.js";
import { FlowModel } from "../../src/flows/model.js";
import { FLOW_ARCHS, resolveFlowConfig } from "../../src/flows/architectures.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { perturb } from "./check.js";

await initEngine();
const LOG_2PI = Math.log(2 * Math.PI);

test("a fresh realnvp is the identity: log p = log N((x − mean)/std) − Σ log std", () => {
  const standardizer = { mean: [1, -2], std: [2, 0.5] };
  const m = FlowModel.init({ arch: "realnvp", eventShape: [2], hidden: [8], layers: 2, standardizer }, np.float64);
  const x = Float64Array.from([0.3, -1.2, 4, 0, -3, -2.5]);
  const lp = m.logProb(x);
  for (let i = 0; i < 3; i++) {
    const z0 = (x[2 * i]! - 1) / 2, z1 = (x[2 * i + 1]! + 2) / 0.5;
    const want = -0.5 * (z0 * z0 + z1 * z1) - LOG_2PI - Math.log(2) - Math.log(0.5);
    assert.ok(Math.abs(lp[i]! - want) < 1e-12, `${lp[i]} vs ${want}`);
  }
  m.dispose();
});

test("every architecture: sampleWithLogProb's log p equals logProb(samples); samples finite", () => {
  for (const arch of FLOW_ARCHS) {
    // float32: float64's exact exp/tanh make the jitted passes slow to compile.
    const m = FlowModel.init({ arch, eventShape: [2], hidden: [8], layers: 2, seed: 4 });
    m.setParams(perturb(m.params, new Rng(5), 0.2));
    const s = m.sampleWithLogProb(6, { seed: 3 });
    const lp = m.logProb(s.samples);
    assert.ok(s.samples.every(Number.isFinite), arch);
    s.logp.forEach((v, i) => assert.ok(Math.abs(v - lp[i]!) < 2e-4 * (1 + Math.abs(v)), `${arch}: ${v} vs ${lp[i]}`));
    m.dispose();
  }
});

test("conditional flow: the context changes log p; sampling with a context is consistent with logProb", () => {
  const m = FlowModel.init({ arch: "maf", eventShape: [3], hidden: [8], layers: 2, ctxDim: 2, actnorm: false }, np.float64);
  m.setParams(perturb(m.params, new Rng(6), 0.3));
  const x = Float64Array.from([0.1, 0.2, -0.3]);
  const a = m.logProb(x, { ctx: [1, 0] })[0]!;
  const b = m.logProb(x, { ctx: [0, 1] })[0]!;
  assert.ok(Math.abs(a - b) > 1e-4, "context has no effect");
  const ctx = Float64Array.from([0.5, -1, 2, 0.3]);
  const s = m.sampleWithLogProb(2, { seed: 1, ctx });
  const lp = m.logProb(s.samples, { ctx });
  s.logp.forEach((v, i) => assert.ok(Math.abs(v - lp[i]!) < 1e-8));
  assert.throws(() => m.logProb(x), ShapeError);
  m.dispose();
});

test("temperature 0 maps every sample to the flow image of z = 0; bad configs are OptionErrors", () => {
  const m = FlowModel.init({ arch: "glow", eventShape: [2], hidden: [8], layers: 2 });
  const s = m.sample(4, { temperature: 0, seed: 1 });
  for (let i = 1; i < 4; i++) assert.deepEqual([s[2 * i], s[2 * i + 1]], [s[0], s[1]]);
  m.dispose();
  assert.throws(() => resolveFlowConfig({ arch: "realnvp", eventShape: [1] }), OptionError);
  assert.throws(() => resolveFlowConfig({ arch: "planar", eventShape: [2], ctxDim: 1 }), OptionError);
  assert.throws(() => resolveFlowConfig({ arch: "nice" as never, eventShape: [4, 4, 1] }), OptionError);
  assert.throws(() => resolveFlowConfig({ arch: "bogus" as never, eventShape: [2] }), /valid: nice, realnvp/);
});
