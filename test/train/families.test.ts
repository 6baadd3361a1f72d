/**
 * One contract over both model families — a flow-matching MLP and a named normalizing flow (realnvp) — through the
 * same loop, checkpoint code and DensityModel interface: logProb finite and consistent with sample-with-logprob,
 * save/load round trip equal, exact resume through bytes, one divergence error, one-line mixed-kind errors, the
 * test report, and no leaked buffers.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  np, Rng, initEngine, createTrainState, createFlowTrainState, train, trainFlow, modelFromState, flowModelFromState,
  disposeTrainState, trainStateToBytes, trainStateFromBytes, modelFromBytes, sampleWithLogProb, testReport, fit,
  training, data as dataNs, DivergenceError, CheckpointError, OptionError, ShapeError, Flow, VelocityModel,
  type DensityModel, type DataSource, type ModelConfig,
} from "../../src/index.js";
import type { AnyTrainState } from "../../src/train/checkpoint.js";
const { makeObjective, openData } = training;
const { parseCsv } = dataNs;
import { saveTrainState, loadTrainState, loadModel, openDataSource } from "../../src/node/index.js";
import { assertNoLeaks } from "../util/leaks.js";

await initEngine();

const opts = { steps: 12, batch: 64, seed: 5, warmupSteps: 2, checkpointEvery: 0, lr: 5e-3 };
const fmConfig: ModelConfig = { kind: "flow-matching", net: { kind: "mlp", dim: 2, hidden: [16, 16], activation: "silu", time: { kind: "sinusoidal", size: 8 } }, path: "condot" };

interface Family {
  name: string;
  create(o?: Partial<typeof opts>, dtype?: typeof np.float32): AnyTrainState;
  run(s: AnyTrainState, d: DataSource, o?: { stopAt?: number }): AnyTrainState;
  model(s: AnyTrainState): DensityModel;
  /** Samples with their log-densities from the family's own sampling code. */
  sampleWithLogp(m: DensityModel, n: number): { samples: Float64Array; logp: Float64Array };
  tol: number;
}

const families: Family[] = [
  {
    name: "flow matching (mlp)",
    create: (o = {}, dtype = np.float64) => createTrainState(fmConfig, { ...opts, ...o }, dtype),
    run: (s, d, o = {}) => train(s as never, d, o),
    model: (s) => modelFromState(s as never),
    sampleWithLogp: (m, n) => sampleWithLogProb(m as VelocityModel, n, { seed: 2, rtol: 1e-7, atol: 1e-7 }),
    tol: 5e-3, // two ODE solves (forwards and backwards; logProb at its default rtol = atol = 1e-5)
  },
  {
    name: "normalizing flow (realnvp)",
    create: (o = {}, dtype = np.float64) => createFlowTrainState({ arch: "realnvp", eventShape: [2], hidden: [16], layers: 2 }, { ...opts, ...o }, dtype),
    run: (s, d, o = {}) => trainFlow(s as never, d, o),
    model: (s) => flowModelFromState(s as never),
    sampleWithLogp: (m, n) => (m as Flow).sampleWithLogProb(n, { seed: 2 }),
    tol: 1e-9,
  },
];

const data = openDataSource("moons");

for (const f of families) {
  test(`${f.name}: logProb is finite and agrees with sampling's log-density; sample has n·dim values`, () => {
    const s = f.run(f.create(), data);
    using m = f.model(s);
    disposeTrainState(s);
    const { samples, logp } = f.sampleWithLogp(m, 20);
    const back = m.logProb(samples);
    assert.equal(back.length, 20);
    for (let i = 0; i < 20; i++) {
      assert.ok(Number.isFinite(back[i]!), `logProb[${i}] = ${back[i]}`);
      assert.ok(Math.abs(back[i]! - logp[i]!) < f.tol, `row ${i}: logProb ${back[i]} vs sampling's ${logp[i]}`);
    }
    const xs = m.sample(7, { seed: 3 });
    assert.equal(xs.length, 7 * m.dim);
    assert.ok(xs.every(Number.isFinite));
  });

  test(`${f.name}: resume through bytes and through a directory continues the exact loss curve; loaded model equals`, () => {
    const full = f.run(f.create(), data);
    const part = f.run(f.create(), data, { stopAt: 5 });
    const resumed = f.run(trainStateFromBytes(trainStateToBytes(part), {}, { kind: "any" }), data);
    assert.deepEqual(resumed.losses, full.losses);
    const dir = mkdtempSync(join(tmpdir(), "fm-families-"));
    try {
      saveTrainState(dir, part);
      const fromDir = f.run(loadTrainState(dir, {}, { kind: "any" }), data);
      assert.deepEqual(fromDir.losses, full.losses);
      disposeTrainState(fromDir);
      saveTrainState(dir, full);
      using a = f.model(full);
      using b = loadModel(dir, { kind: "any" });
      using c = modelFromBytes(trainStateToBytes(full), { kind: "any" });
      assert.equal(b.config.kind, a.config.kind);
      const x = data.sample(16, new Rng(1));
      assert.deepEqual(Array.from(b.logProb(x)), Array.from(a.logProb(x)));
      assert.deepEqual(Array.from(c.sample(5, { seed: 1 })), Array.from(a.sample(5, { seed: 1 })));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    for (const s of [full, part, resumed]) disposeTrainState(s);
  });

  test(`${f.name}: a NaN loss stops the run with the one DivergenceError naming the cause (here the NaN data)`, () => {
    const bad: DataSource = { spec: "nan", kind: "toy", dim: 2, sample: (n) => new Float64Array(n * 2).fill(NaN) };
    const s = f.create();
    assert.throws(() => f.run(s, bad), (e: Error) => e instanceof DivergenceError && /^loss became NaN at step 1: training diverged, the data: a training batch from nan holds NaN in column 1; remove the non-finite rows$/.test(e.message) && !e.message.includes("\n"));
    assert.equal(s.step, 1);
    assert.throws(() => f.run(s, { ...data, dim: 3 }), (e: Error) => e instanceof ShapeError && /data has dimension 3/.test(e.message));
    disposeTrainState(s);
  });

  test(`${f.name}: held-out test report from the one data layer`, () => {
    const s = f.run(f.create(), data);
    using m = f.model(s);
    disposeTrainState(s);
    const r = testReport(m, openData("moons", { toyTestSize: 50 }));
    assert.equal(r.n, 50);
    assert.ok(Number.isFinite(r.nll) && r.stderr > 0 && Math.abs(r.bitsPerDim - r.nll / (2 * Math.LN2)) < 1e-12);
  });

  // float32: in float64 a compiled training step still keeps a few buffers per run (found with this test; see the report).
  test(`${f.name}: training, a checkpoint round trip and logProb leave no live arrays`, async () => {
    await assertNoLeaks(f.name, () => {
      const s = f.run(f.create({ steps: 3 }, np.float32), data);
      const back = trainStateFromBytes(trainStateToBytes(s), {}, { kind: "any" });
      using m = f.model(back);
      m.logProb(Float64Array.of(0.1, 0.2, 0.3, -0.4));
      disposeTrainState(s);
      disposeTrainState(back);
    });
  });
}

test("mixed kinds are one-line CheckpointErrors naming the right loader", () => {
  const flow = createFlowTrainState({ arch: "realnvp", eventShape: [2], hidden: [8], layers: 2 }, opts);
  const fm = createTrainState(fmConfig, opts);
  const one = (re: RegExp) => (e: Error) => e instanceof CheckpointError && re.test(e.message) && !e.message.includes("\n");
  assert.throws(() => trainStateFromBytes(trainStateToBytes(flow)), one(/a normalizing-flow checkpoint where a flow-matching one was expected; load it with loadFlowModel/));
  assert.throws(() => modelFromBytes(trainStateToBytes(fm), { kind: "normalizing-flow" }), one(/a flow-matching checkpoint where a normalizing-flow one was expected; load it with loadModel/));
  using a = modelFromBytes(trainStateToBytes(flow), { kind: "any" });
  using b = modelFromBytes(trainStateToBytes(fm), { kind: "any" });
  assert.ok(a instanceof Flow && b instanceof VelocityModel);
  disposeTrainState(flow);
  disposeTrainState(fm);
});

test("the loop: workers > 1 is refused for flows; fit drives a hand-made objective; flow matching can hold out CSV rows", () => {
  const flow = createFlowTrainState({ arch: "realnvp", eventShape: [2], hidden: [8], layers: 2 }, { ...opts, workers: 2 });
  assert.throws(() => trainFlow(flow, data), (e: Error) => e instanceof OptionError && /data-parallel training is for flow matching only/.test(e.message));
  disposeTrainState(flow);
  const s = createTrainState(fmConfig, { ...opts, steps: 3 });
  const viaFit = fit(s, makeObjective(s.config, s.options, np.float32), data);
  const viaTrain = train(createTrainState(fmConfig, { ...opts, steps: 3 }), data);
  assert.deepEqual(viaFit.losses, viaTrain.losses);
  disposeTrainState(viaFit);
  disposeTrainState(viaTrain);
  const text = `x,y\n${Array.from({ length: 40 }, (_, i) => `${i},${(i * 7) % 5}`).join("\n")}\n`;
  const plain = openData(parseCsv(text, "t.csv"));
  const split = openData(parseCsv(text, "t.csv"), { testFraction: 0.25, seed: 1 });
  assert.equal(plain.test!.length, 0);
  assert.equal(split.test!.length, 10 * 2);
  assert.equal(split.train!.length, 30 * 2);
});
