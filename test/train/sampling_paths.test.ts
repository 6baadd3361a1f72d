// Logit-normal time sampling draws t = σ(m + s·z); sample → invert recovers the noise.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, toHostF64 } from "../../src/engine/index.js";
import { makeObjective } from "../../src/fm/objectives.js";
import { resolveTrainOptions } from "../../src/train/options.js";
import { openDataSource } from "../../src/data/data-source.js";
import { VelocityModel, type ModelConfig } from "../../src/fm/velocity-model.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { sample, invert } from "../../src/fm/sample.js";

await initEngine();
const config: ModelConfig = { kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16] }, path: "condot" };

test("logit-normal t: logit(t) has the requested mean and std (t = 0 noise … 1 data)", () => {
  const o = resolveTrainOptions({ batch: 4000, timeSampling: "logit-normal", logitNormal: { mean: 0.5, std: 0.8, uniform: 0 } });
  const obj = makeObjective(config, o, np.float64);
  const m = VelocityModel.init(config, 0, np.float64);
  const inputs = obj.draw(new Rng(1), openDataSource("moons"), m.params);
  const t = toHostF64(inputs[2]!);
  inputs.slice(0, 2).forEach((a) => a.dispose());
  const z = Array.from(t, (v) => Math.log(v / (1 - v)));
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / (z.length - 1));
  assert.ok(t.every((v) => v > 0 && v < 1));
  assert.ok(Math.abs(mean - 0.5) < 4 * 0.8 / Math.sqrt(4000), `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.8) < 0.05, `std ${sd}`);
  m.dispose();
});

test("invert(sample(noise)) recovers the noise (rk4, float64)", () => {
  const m = VelocityModel.init(config, 3, np.float64);
  const s = sample(m, 50, { method: "rk4", steps: 200, seed: 4 });
  const back = invert(m, s.samples, { method: "rk4", steps: 200 });
  const err = Math.max(...Array.from(back.noise, (v, i) => Math.abs(v - s.noise[i]!)));
  assert.ok(err < 1e-6, `max error ${err}`);
  m.dispose();
});
