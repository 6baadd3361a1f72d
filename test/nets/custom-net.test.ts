// A velocity network defined here, outside src/, and registered through the public API only: a residual tanh
// network with its own parameter tree. It goes through flow-matching training, CNF maximum likelihood, sampling,
// exact log-likelihood (checked against the change of variables with a finite-difference Jacobian), and a
// checkpoint round trip with an exact resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  initEngine, np, tanh, fromHost, Rng, registerNet, getNet, broadcastTime, treeRef, jit,
  VelocityModel, createTrainState, train, modelFromState, disposeTrainState, openDataSource, sample, invert,
  logProb, saveTrainState, loadTrainState, loadModel, resolveTrainOptions,
  OptionError, type Array, type DType, type ModelConfig, type ModelParams, type NetConfig, type VelocityNet, type TrainOptions, engine, metrics, training } from "../../src/node/index.js";
const { treeLeaves } = engine, { energyDistance } = metrics, { makeObjective } = training;

await initEngine();

type ResNetConfig = NetConfig & { kind: "test-resnet"; width: number; blocks: number };
type ResNetParams = { inW: Array; inB: Array; blocks: { w: Array; b: Array }[]; outW: Array; outB: Array };

/** h = tanh([x, t, cond] W_in + b_in); h ← h + tanh(h W_k + b_k) per block; v = h W_out + b_out. */
function resNet(c: ResNetConfig): VelocityNet<ResNetParams, ResNetConfig> {
  const inDim = c.dim + 1 + (c.condWidth ?? 0);
  const dense = (rng: Rng, fin: number, fout: number, dtype: DType, scale = 1) => ({
    w: fromHost(rng.normals(fin * fout).map((v) => (scale * v) / Math.sqrt(fin)), [fin, fout], dtype),
    b: fromHost(rng.normals(fout).map((v) => 0.1 * v), [fout], dtype),
  });
  return {
    kind: "test-resnet",
    config: c,
    init(seed, dtype = np.float32) {
      const rng = new Rng(seed);
      const first = dense(rng, inDim, c.width, dtype);
      const blocks = globalThis.Array.from({ length: c.blocks }, () => dense(rng, c.width, c.width, dtype, 0.5));
      const out = dense(rng, c.width, c.dim, dtype);
      return { inW: first.w, inB: first.b, blocks, outW: out.w, outB: out.b };
    },
    apply(p, x, t, cond) {
      const tt = broadcastTime(t, x); // reads x's shape and dtype only
      const parts = [x, tt];
      if (cond) parts.push(cond);
      let h = tanh(np.matmul(np.concatenate(parts, 1), p.inW.ref).add(p.inB.ref));
      for (const b of p.blocks) h = h.ref.add(tanh(np.matmul(h, b.w.ref).add(b.b.ref)));
      return np.matmul(h, p.outW.ref).add(p.outB.ref);
    },
  };
}
registerNet("test-resnet", resNet);

const net: ResNetConfig = { kind: "test-resnet", dim: 2, width: 32, blocks: 2 };
const config: ModelConfig = { kind: "flow-matching", net, path: "condot" };
// A narrower copy for the float64 checks (the float64-accurate tanh is a long chain of ops).
const small: ModelConfig = { ...config, net: { ...net, width: 8, blocks: 1 } };
const data = openDataSource("8gaussians");
const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;

test("the registry builds the test network from its JSON config; the parameter tree is the network's own", () => {
  const built = getNet(JSON.parse(JSON.stringify(net)));
  assert.equal(built.kind, "test-resnet");
  const m = VelocityModel.init(config, 1);
  const p = m.params.net as ResNetParams;
  assert.deepEqual(p.inW.shape, [3, 32]);
  assert.equal(p.blocks.length, 2);
  assert.equal(treeLeaves(m.params).length, 2 + 2 * 2 + 2);
  m.dispose();
});

test("flow matching trains the test network (loss falls) and its samples move toward the data", () => {
  const s = train(createTrainState(config, { steps: 300, batch: 128, seed: 0, lr: 3e-3, warmupSteps: 10 }), data);
  const first = mean(s.losses.slice(0, 20)), last = mean(s.losses.slice(-20));
  assert.ok(last < 0.9 * first, `loss ${first} → ${last}`);
  const model = modelFromState(s);
  const { samples, noise } = sample(model, 500, { method: "rk4", steps: 20, seed: 1 });
  assert.ok(samples.every(Number.isFinite));
  const target = data.sample(500, new Rng(2));
  const dSamples = energyDistance(samples, target, 2), dNoise = energyDistance(noise, target, 2);
  assert.ok(dSamples < 0.5 * dNoise, `energy distance to the data: samples ${dSamples}, noise ${dNoise}`);
  model.dispose();
  disposeTrainState(s);
});

test("CNF maximum likelihood: the loss is −mean logProb on the same batch, and a few steps lower it", () => {
  const o = resolveTrainOptions({ objective: "mle", batch: 16, mle: { method: "rk4", steps: 6 } as TrainOptions["mle"] });
  const model = VelocityModel.init(small, 3, np.float64);
  const obj = makeObjective(small, o, np.float64);
  const inputs = obj.draw(new Rng(4), data, model.params);
  const x1 = new Float64Array(inputs[0]!.ref.dataSync());
  const f = jit((p: ModelParams, xs: Array[]) => obj.loss(p, xs));
  const loss = f(treeRef(model.params), inputs).item();
  const want = -mean([...logProb(model, x1, { method: "rk4", steps: 6 }).logp]);
  assert.ok(Math.abs(loss - want) < 1e-10, `loss ${loss} vs −mean logProb ${want}`);
  (f as unknown as { dispose(): void }).dispose();
  obj.dispose();
  model.dispose();

  const s = train(createTrainState(config, { objective: "mle", steps: 20, batch: 64, seed: 5, lr: 1e-2, warmupSteps: 0, mle: { method: "rk4", steps: 4 } as TrainOptions["mle"] }), data);
  assert.ok(s.losses.every(Number.isFinite));
  const first = mean(s.losses.slice(0, 5)), last = mean(s.losses.slice(-5));
  assert.ok(last < first, `MLE loss ${first} → ${last}`);
  disposeTrainState(s);
});

test("exact logProb of the test network = log N(z) + log|det ∂z/∂x| with a finite-difference Jacobian (float64)", () => {
  const model = VelocityModel.init(small, 7, np.float64);
  const x = data.sample(6, new Rng(8));
  const opts = { method: "rk4", steps: 200 };
  const { logp, z } = logProb(model, x, { ...opts, divergence: "exact" });
  // Each point and its ±h shifts along both axes, inverted in one batch.
  const h = 1e-5, D = 2, n = 6;
  const pts: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = [x[2 * i]!, x[2 * i + 1]!];
    for (let j = 0; j < D; j++) for (const sgn of [1, -1]) pts.push(...p.map((v, k) => v + (k === j ? sgn * h : 0)));
  }
  const zs = invert(model, Float64Array.from(pts), opts).noise;
  const zAt = (i: number, j: number, s: number) => 2 * (i * 4 + 2 * j + (s > 0 ? 0 : 1));
  for (let i = 0; i < n; i++) {
    const J = [0, 1].map((r) => [0, 1].map((c) => (zs[zAt(i, c, 1) + r]! - zs[zAt(i, c, -1) + r]!) / (2 * h)));
    const logDet = Math.log(Math.abs(J[0]![0]! * J[1]![1]! - J[0]![1]! * J[1]![0]!));
    const logN = -0.5 * (z[2 * i]! ** 2 + z[2 * i + 1]! ** 2) - Math.log(2 * Math.PI);
    const want = logN + logDet;
    assert.ok(Math.abs(logDet) > 1e-2, `the test network should not preserve volume (log det ${logDet})`);
    assert.ok(Math.abs(logp[i]! - want) < 1e-6, `point ${i}: logProb ${logp[i]} vs change of variables ${want}`);
  }
  model.dispose();
});

test("checkpoint round trip: same outputs after reload, and the resumed run continues the uninterrupted one exactly", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-custom-net-"));
  const opts = { steps: 30, batch: 64, seed: 11, warmupSteps: 5, checkpointEvery: 0 };
  try {
    const full = train(createTrainState(config, opts), data);
    const part = train(createTrainState(config, opts), data, { stopAt: 15 });
    saveTrainState(dir, part);
    const before = sample(modelFromState(part), 100, { method: "rk4", steps: 8, seed: 3 }).samples;
    const after = sample(loadModel(dir), 100, { method: "rk4", steps: 8, seed: 3 }).samples;
    assert.deepEqual([...after], [...before]);
    disposeTrainState(part);
    const resumed = train(loadTrainState(dir), data);
    assert.equal(resumed.config.net.kind, "test-resnet");
    assert.equal(resumed.step, 30);
    assert.deepEqual(resumed.losses, full.losses);
    const host = (s: typeof full) => treeLeaves(s.params).map((a) => [...a.ref.dataSync()]);
    assert.deepEqual(host(resumed), host(full));
    disposeTrainState(full);
    disposeTrainState(resumed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a network registered in this thread only is refused for worker threads, in one line", () => {
  const s = createTrainState(config, { steps: 2, batch: 16, workers: 2 });
  assert.throws(() => train(s, data), (e: unknown) => {
    assert.ok(e instanceof OptionError);
    assert.match(e.message, /test-resnet.*worker threads.*module/);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  disposeTrainState(s);
});

