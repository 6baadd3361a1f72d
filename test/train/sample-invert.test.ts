import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np } from "../../src/engine/index.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { sample, invert } from "../../src/fm/sample.js";

await initEngine();

test("invert(sample(z)) ≈ z: forward and backward solves agree, with a standardizer undone on output", () => {
  const model = VelocityModel.init({
    kind: "flow-matching", path: "condot", standardizer: { mean: [10, -3], std: [2, 0.5] },
    net: { kind: "mlp", dim: 2, hidden: [16, 16], activation: "tanh", time: { kind: "sinusoidal", size: 8 } },
  }, 4, np.float64);
  const fwd = sample(model, 64, { method: "dopri5", rtol: 1e-10, atol: 1e-10, seed: 2 });
  // Samples are in data units: the standardizer's scale shows in their spread.
  const col1 = Array.from({ length: 64 }, (_, i) => fwd.samples[2 * i]);
  assert.ok(Math.abs(col1.reduce((a, b) => a + b, 0) / 64 - 10) < 3);
  const back = invert(model, fwd.samples, { method: "dopri5", rtol: 1e-10, atol: 1e-10 });
  fwd.noise.forEach((z, i) => assert.ok(Math.abs(back.noise[i] - z) < 1e-7, `z[${i}]: ${back.noise[i]} vs ${z}`));
  assert.ok(back.nfe > 0 && fwd.nfe > 0);
  model.dispose();
});
