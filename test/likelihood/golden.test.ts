/**
 * logProb against the shared golden file (SciPy DOP853 at 1e-12, float64): the tanh-MLP field of
 * golden_mlp_tanh.json is loaded as a VelocityModel (its [x, t] input is the "none" time embedding).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { initEngine, np, fromHost } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { logProb, sampleWithLogProb } from "../../src/likelihood/index.js";

await initEngine();

interface Golden {
  dim: number;
  hidden: number;
  W: number[][][];
  b: number[][];
  logprob: { x1: number[][]; z: number[][]; logp1: number[] };
}
const golden = JSON.parse(
  readFileSync(new URL("../fixtures/golden_mlp_tanh.json", import.meta.url), "utf8"),
) as Golden;

export function goldenModel(g: Golden): VelocityModel {
  const layers = g.W.map((w, i) => ({
    w: fromHost(new Float64Array(w.flat()), [w.length, w[0]!.length], np.float64),
    b: fromHost(new Float64Array(g.b[i]!), [g.b[i]!.length], np.float64),
  }));
  const mlp = { kind: "mlp" as const, dim: g.dim, hidden: [g.hidden, g.hidden], activation: "tanh" as const, time: { kind: "none" as const } };
  return new VelocityModel({ kind: "flow-matching", net: mlp, path: "condot" }, { net: { layers } });
}

test("logProb (dopri5, 1e-8, float64, exact divergence) matches golden logp1 to 1e-5 and z to 1e-6", () => {
  const model = goldenModel(golden);
  const x1 = new Float64Array(golden.logprob.x1.flat());
  const r = logProb(model, x1, { method: "dopri5", rtol: 1e-8, atol: 1e-8 });
  const zWant = golden.logprob.z.flat();
  const zErr = Math.max(...Array.from(r.z, (v, i) => Math.abs(v - zWant[i]!)));
  const lpErr = Math.max(...Array.from(r.logp, (v, i) => Math.abs(v - golden.logprob.logp1[i]!)));
  assert.ok(zErr < 1e-6, `z max error ${zErr}`);
  assert.ok(lpErr < 1e-5, `logp max error ${lpErr}`);
  assert.ok(r.nfe > 10);
  model.dispose();
});

test("sampleWithLogProb from the golden noise ends returns the golden x1 and logp1", () => {
  const model = goldenModel(golden);
  const noise = new Float64Array(golden.logprob.z.flat());
  const r = sampleWithLogProb(model, golden.logprob.z.length, { noise, rtol: 1e-8, atol: 1e-8 });
  const xWant = golden.logprob.x1.flat();
  const xErr = Math.max(...Array.from(r.samples, (v, i) => Math.abs(v - xWant[i]!)));
  const lpErr = Math.max(...Array.from(r.logp, (v, i) => Math.abs(v - golden.logprob.logp1[i]!)));
  assert.ok(xErr < 1e-6, `x1 max error ${xErr}`);
  assert.ok(lpErr < 1e-5, `logp max error ${lpErr}`);
  model.dispose();
});

test("Hutchinson logProb averaged over probe seeds approaches the exact value", () => {
  const model = goldenModel(golden);
  const x1 = new Float64Array(golden.logprob.x1.flat().slice(0, 8));
  const exact = logProb(model, x1, { method: "rk4", steps: 20 }).logp;
  const runs = Array.from({ length: 16 }, (_, s) => logProb(model, x1, { method: "rk4", steps: 20, divergence: "hutchinson", seed: s + 1 }).logp);
  for (let i = 0; i < exact.length; i++) {
    const vals = runs.map((r) => r[i]!);
    const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / (vals.length - 1));
    const se = sd / Math.sqrt(vals.length);
    assert.ok(sd > 0, "Hutchinson estimates should vary with the probe seed");
    assert.ok(Math.abs(mean - exact[i]!) < 3 * se + 1e-9, `point ${i}: mean ${mean} vs exact ${exact[i]} (se ${se})`);
  }
  model.dispose();
});
