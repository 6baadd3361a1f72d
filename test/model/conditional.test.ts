/**
 * Conditioning, guidance, prediction kinds and reflow helpers at the library level (float64 where exactness matters).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, fromHost, toHostF64, type Array as JArray } from "../../src/engine/index.js";
import { VelocityModel, type ModelConfig } from "../../src/fm/velocity-model.js";
import { conditionInput, condEmbedWidth, type CondConfig } from "../../src/fm/conditioning.js";
import { defaultMlpConfig, type MlpParams } from "../../src/nets/mlp.js";
import { sample } from "../../src/fm/sample.js";
import { straightness, pairedSource } from "../../src/fm/reflow.js";
import { createTrainState, train, disposeTrainState } from "../../src/train/trainer.js";
import { openDataSource } from "../../src/data/data-source.js";
import { DataError } from "../../src/errors.js";

await initEngine();

const cond: CondConfig = { kind: "class", classes: ["0", "1", "2"], embedDim: 4 };
const config: ModelConfig = { kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16], condWidth: condEmbedWidth(cond) }, path: "condot", cond };

test("classifier-free guidance: w = 0 is the conditional field exactly; otherwise (1 + w)·v_c − w·v_∅", () => {
  const m = VelocityModel.init(config, 1, np.float64);
  const x = fromHost(new Rng(2).normals(6 * 2), [6, 2], np.float64);
  const t = () => np.full([], 0.4, { dtype: np.float64 });
  const c = () => conditionInput(cond, 6, { labels: [0, 1, 2, 0, 1, 2] }, np.float64);
  const nul = () => conditionInput(cond, 6, null, np.float64);
  // velocity borrows its arrays: free each call's inputs afterwards.
  const vel = (o: { cond: JArray; nullCond?: JArray; guidance?: number }) => {
    const tt = t();
    const v = toHostF64(m.velocity(x, tt, o));
    for (const a of [tt, o.cond, o.nullCond]) a?.dispose();
    return v;
  };
  const vc = vel({ cond: c() });
  const vu = vel({ cond: nul() });
  const v0 = vel({ cond: c(), nullCond: nul(), guidance: 0 });
  const v2 = vel({ cond: c(), nullCond: nul(), guidance: 2 });
  x.dispose();
  assert.deepEqual(Array.from(v0), Array.from(vc));
  assert.notDeepEqual(Array.from(vc), Array.from(vu), "the label must matter");
  v2.forEach((v, i) => assert.ok(Math.abs(v - (3 * vc[i]! - 2 * vu[i]!)) < 1e-12));
  // Through sample(): guidance 0 equals the plain conditional draw; an unseen label is a DataError naming the known ones.
  const a = sample(m, 20, { method: "rk4", steps: 5, seed: 3, label: "1" }).samples;
  const b = sample(m, 20, { method: "rk4", steps: 5, seed: 3, label: "1", guidance: 0 }).samples;
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.throws(() => sample(m, 5, { label: "7" }), (e: unknown) => e instanceof DataError && /label "7".*known labels: 0, 1, 2/.test((e as Error).message));
  m.dispose();
});

test("x1- and ε-prediction models sample through the velocity conversion; training losses fall", () => {
  for (const prediction of ["x1", "eps"] as const) {
    const cfg: ModelConfig = { kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [32, 32] }, path: "condot", prediction };
    const s = train(createTrainState(cfg, { steps: 60, batch: 128, seed: 1, warmupSteps: 5 }), openDataSource("8gaussians"));
    const first = s.losses.slice(0, 10).reduce((p, q) => p + q, 0), last = s.losses.slice(-10).reduce((p, q) => p + q, 0);
    assert.ok(last < first, `${prediction}: loss ${first / 10} → ${last / 10}`);
    const m = new VelocityModel(cfg, s.params);
    const x = sample(m, 50, { method: "rk4", steps: 10 }).samples;
    assert.ok(x.every(Number.isFinite), `${prediction}: non-finite samples`);
    disposeTrainState({ ...s, params: { net: { layers: [] } } });
    m.dispose();
  }
});

test("OT, Sinkhorn and SB couplings train; conditional training learns from mode labels", () => {
  for (const coupling of ["ot", "sinkhorn", "sb"]) {
    const s = train(createTrainState({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16] }, path: "condot" }, { steps: 5, batch: 32, coupling }), openDataSource("moons"));
    assert.ok(s.losses.every(Number.isFinite), coupling);
    disposeTrainState(s);
  }
  const data = openDataSource("8gaussians", { cond: { columns: ["mode"] } });
  assert.equal(data.cond?.kind, "class");
  const s = train(createTrainState({ ...config, cond: data.cond, net: { ...config.net, condWidth: condEmbedWidth(data.cond!) } }, { steps: 5, batch: 32 }), data);
  assert.ok(s.losses.every(Number.isFinite));
  disposeTrainState(s);
});

test("straightness is 0 for a constant field and positive for a curved one; paired sources serve the pairs", () => {
  const m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8] }, path: "condot" }, 4, np.float64);
  assert.ok(straightness(m, 50, { steps: 20 }) > 1e-6);
  // Zero every weight: v(x, t) = the last bias, a constant — straight paths at constant speed.
  const net = m.params.net as MlpParams;
  net.layers.forEach((l, i) => {
    l.w = l.w.mul(0);
    if (i + 1 < net.layers.length) l.b = l.b.mul(0);
  });
  assert.ok(straightness(m, 50, { steps: 20 }) < 1e-20);
  m.dispose();
  const src = pairedSource({ spec: "x", standardizer: undefined }, { x0: Float64Array.from([1, 2, 3, 4]), x1: Float64Array.from([5, 6, 7, 8]) }, 2);
  const p = src.samplePairs!(10, new Rng(1));
  for (let i = 0; i < 10; i++) assert.equal(p.x1[2 * i]! - p.x0[2 * i]!, 4, "rows stay paired");
});
