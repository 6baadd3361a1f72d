/**
 * The public API leaves no live jax-js arrays behind: sampling, exact and Hutchinson log-likelihoods, a few training
 * steps and a checkpoint round trip, for flow-matching models and for flows, each run under the buffer counter of
 * test/util/leaks.ts (`assertNoLeaks` runs the operation twice and compares the live-buffer counts around the second).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { assertNoLeaks, liveBuffers, trackBuffers } from "../util/leaks.js";
import {
  VelocityModel, createTrainState, train, modelFromState, disposeTrainState, sample, invert, logProb, sampleWithLogProb,
  trainStateToBytes, trainStateFromBytes, modelFromBytes, openDataSource, defaultMlpConfig,
  Flow, createFlowTrainState, trainFlow, flowModelFromState, flowTrainStateToBytes, flowTrainStateFromBytes, flowModelFromBytes,
  type ModelConfig,
} from "../../src/index.js";
import { Chain, AffineCoupling, Permute, StandardNormal, halfMask } from "../../src/flows/index.js";
import { np, fromHost, treeCopy } from "../../src/engine/index.js";

await trackBuffers();

const fmConfig: ModelConfig = { kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [16, 16] }, path: "condot" };
const data = openDataSource("moons");
const x = Float64Array.from([0.3, -0.2, 1.1, 0.4, -0.7, 0.9]);

test("the counter sees a leak (so the tests below can fail)", async () => {
  const before = liveBuffers();
  const leaked = fromHost(Float64Array.from([1, 2, 3]), [3], np.float32);
  leaked.ref.dataSync(); // realize it
  assert.equal(liveBuffers(), before + 1);
  await assert.rejects(assertNoLeaks("a deliberate leak", () => void fromHost(Float64Array.from([4, 5, 6]), [3], np.float32).ref.dataSync()), /left alive/);
  leaked.dispose();
});

test("flow matching: model init/dispose, velocity, sample, invert, logProb (exact, Hutchinson), sampleWithLogProb", async () => {
  await assertNoLeaks("VelocityModel with using", () => {
    using m = VelocityModel.init(fmConfig, 1);
    const xa = fromHost(x, [3, 2], m.dtype);
    const t = np.full([], 0.5, { dtype: m.dtype });
    const v = m.velocity(xa, t); // borrows xa and t
    v.dataSync();
    xa.dispose();
    t.dispose();
  });
  using m = VelocityModel.init(fmConfig, 1);
  await assertNoLeaks("sample (dopri5)", () => void sample(m, 10, { seed: 1 }));
  await assertNoLeaks("sample (rk4, trajectory)", () => void sample(m, 10, { method: "rk4", steps: 4, trajectory: true }));
  await assertNoLeaks("invert", () => void invert(m, x, { method: "rk4", steps: 4 }));
  await assertNoLeaks("logProb exact", () => void logProb(m, x, { method: "rk4", steps: 4 }));
  await assertNoLeaks("logProb Hutchinson", () => void logProb(m, x, { method: "rk4", steps: 4, divergence: "hutchinson", probes: 2 }));
  await assertNoLeaks("sampleWithLogProb", () => void sampleWithLogProb(m, 5, { method: "rk4", steps: 4 }));
});

test("flow matching: train, modelFromState, checkpoint bytes round trip", async () => {
  const o = { steps: 3, batch: 16, seed: 2, checkpointEvery: 0 };
  await assertNoLeaks("train fm", () => {
    using s = train(createTrainState(fmConfig, o), data);
    using m = modelFromState(s);
    sample(m, 4, { method: "euler", steps: 2 });
  });
  // CNF maximum likelihood ("mle") is not here: jax-js 0.1.25's jvp rule for `reciprocal` never frees its input
  // (dist/index.js: `reciprocal$1(x.ref)`), so every eager or freshly traced jvp through a division leaks one array.
  await assertNoLeaks("checkpoint bytes", () => {
    using s = train(createTrainState(fmConfig, o), data);
    const bytes = trainStateToBytes(s);
    using r = trainStateFromBytes(bytes);
    train(r, data, { stopAt: 4 }); // resumes past the saved step
    using m = modelFromBytes(bytes);
    sample(m, 3, { method: "euler", steps: 2 });
  });
  await assertNoLeaks("explicit disposal, then using: freed once", () => {
    using s = createTrainState(fmConfig, o);
    disposeTrainState(s);
  });
});

const flowOf = () =>
  new Flow(new Chain([new AffineCoupling([2], { hidden: [8], activation: "relu", mask: halfMask(2) }), Permute.reverse([2])]), new StandardNormal([2]), { seed: 1 });

test("flows: logProb, sample, sampleWithLogProb; named architectures", async () => {
  using f = flowOf();
  await assertNoLeaks("Flow with using", () => {
    using g = flowOf();
    g.logProb(x);
  });
  await assertNoLeaks("flow logProb", () => void f.logProb(x));
  await assertNoLeaks("flow sample", () => void f.sample(7, { seed: 3 }));
  await assertNoLeaks("flow sampleWithLogProb", () => void f.sampleWithLogProb(7, { seed: 3 }));
  await assertNoLeaks("named flow (realnvp)", () => {
    using g = Flow.init({ arch: "realnvp", eventShape: [2], hidden: [8], layers: 2 });
    g.sample(3);
    g.logProb(x);
  });
});

test("flows: setParams frees the old tree; train, flowModelFromState and a bytes round trip", async () => {
  await assertNoLeaks("setParams", () => {
    using f = flowOf();
    using g = flowOf();
    f.setParams(treeCopy(g.params));
    f.logProb(x);
  });
  const o = { steps: 3, batch: 16, seed: 2, checkpointEvery: 0 };
  await assertNoLeaks("trainFlow (custom chain)", () => {
    using f = flowOf();
    using s = trainFlow(createFlowTrainState(f, o), data);
    using m = flowModelFromState(s);
    m.sample(3);
  });
  await assertNoLeaks("trainFlow (named) and bytes", () => {
    using s = trainFlow(createFlowTrainState({ arch: "maf", eventShape: [2], hidden: [8], layers: 2 }, o), data);
    const bytes = flowTrainStateToBytes(s);
    using r = flowTrainStateFromBytes(bytes);
    trainFlow(r, data, { stopAt: 4 });
    using m = flowModelFromBytes(bytes);
    m.logProb(x);
  });
});
