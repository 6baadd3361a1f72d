// Memory estimates and chunked sampling: the refusal names the flag, the estimate and a value that fits (checked
// against the estimate itself), and sampling in chunks gives the same values as one chunk (fixed-step solver; flows
// with chunks of whole batches and with chunks that split batches).
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng } from "../../src/engine/index.js";
import { generatePairs } from "../../src/fm/reflow.js";
import { EvalAccumulator } from "../../src/metrics/eval-accumulator.js";
import { nll, klFromLogDensities } from "../../src/metrics/index.js";
import { meanBitsPerDim } from "../../src/likelihood/index.js";
import { checkMemory, largestFitting, formatBytes, velocityTrainBytes, chunkRows, MEMORY_BUDGET } from "../../src/engine/memory.js";
import { OptionError } from "../../src/errors.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { sample } from "../../src/fm/sample.js";
import { sampleChunks } from "../../src/fm/sample-chunks.js";
import { defaultMlpConfig } from "../../src/nets/mlp.js";
import { Flow } from "../../src/flows/model.js";
import { flowSampleChunks } from "../../src/flows/sample-chunks.js";
import { uniformLabelContext, uniformLabelStream } from "../../src/flows/context.js";

import { assertNoLeaks, trackBuffers } from "../util/leaks.js";

await initEngine();
await trackBuffers();

test("largestFitting finds the boundary of a monotone need, quadratic ones included", () => {
  for (const [need, budget] of [[(v: number) => 7 * v, 1000], [(v: number) => v * v + 3, 10_000], [(v: number) => 2 ** 20 * v, MEMORY_BUDGET]] as const) {
    const k = largestFitting(need, budget);
    assert.ok(need(k) <= budget && need(k + 1) > budget, `k = ${k}`);
  }
  assert.equal(largestFitting((v) => 10 * v, 5), 0);
});

test("checkMemory refuses with the flag, the estimate and a value that fits; passes what fits", () => {
  const shape = { widths: [18, 256, 256, 256, 2], dim: 2 };
  const need = (b: number) => velocityTrainBytes(shape, b);
  assert.throws(
    () => checkMemory({ flag: "batch", value: 1e9, need, what: "activations" }),
    (e: Error) => {
      assert.ok(e instanceof OptionError);
      const m = /^--batch 1000000000 needs about ([\d.]+ [KMGTPE]?B) for activations; the memory limit is 3 GiB: use --batch ≤ (\d+)$/.exec(e.message);
      assert.ok(m, e.message);
      assert.equal(m[1], formatBytes(need(1e9)));
      const fit = Number(m[2]);
      assert.ok(need(fit) <= MEMORY_BUDGET && need(2 * fit) > MEMORY_BUDGET, `suggested ${fit}`);
      return true;
    },
  );
  assert.equal(checkMemory({ flag: "batch", value: 512, need, what: "activations" }), need(512));
  // The OT coupling's batch × batch matrices make the limit a square root.
  const ot = (b: number) => velocityTrainBytes({ ...shape, coupling: "ot" }, b);
  assert.ok(largestFitting(ot) < largestFitting(need) / 5);
  assert.ok(chunkRows(1) <= 65_536 && chunkRows(1e9) === 1);
});

test("flow-matching sampleChunks equals one sample() call (euler and rk4)", () => {
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8, 8] }, path: "condot" }, 3, np.float32);
  try {
    for (const method of ["euler", "rk4"]) {
      const one = sample(model, 101, { method, steps: 3, seed: 5 });
      const parts = [...sampleChunks(model, 101, { method, steps: 3, seed: 5, chunk: 17 })];
      assert.equal(parts.length, 6);
      assert.deepEqual(parts.map((p) => p.start), [0, 17, 34, 51, 68, 85]);
      const joined = Float64Array.from(parts.flatMap((p) => [...p.samples]));
      assert.deepEqual(joined, one.samples, method);
    }
  } finally {
    model.dispose();
  }
});

test("flowSampleChunks equals one flow.sample() call, with whole-batch and batch-splitting chunks", () => {
  const flow = Flow.init({ arch: "realnvp", eventShape: [2], layers: 2, hidden: [8], seed: 4 });
  try {
    const n = 5000;
    const one = flow.sample(n, { seed: 7, temperature: 0.8 });
    for (const chunk of [2048, 1000]) {
      const joined = Float64Array.from([...flowSampleChunks(flow, n, { seed: 7, temperature: 0.8, chunk })].flatMap((c) => [...c.samples]));
      assert.deepEqual(joined, one, `chunk ${chunk}`);
    }
  } finally {
    flow.dispose();
  }
});

test("chunked sampling leaves no live arrays (both families)", async () => {
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8] }, path: "condot" }, 1, np.float32);
  const flow = Flow.init({ arch: "realnvp", eventShape: [2], layers: 1, hidden: [4], seed: 1 });
  try {
    await assertNoLeaks("sampleChunks", () => void [...sampleChunks(model, 50, { method: "euler", steps: 2, chunk: 16 })]);
    await assertNoLeaks("flowSampleChunks", () => void [...flowSampleChunks(flow, 50, { chunk: 16 })]);
  } finally {
    model.dispose();
    flow.dispose();
  }
});

test("uniformLabelStream in pieces equals uniformLabelContext at once", () => {
  const cond = { kind: "class" as const, classes: ["a", "b", "c"] };
  const next = uniformLabelStream(cond, 9);
  const joined = Float64Array.from([...next(5), ...next(0), ...next(12)]);
  assert.deepEqual(joined, uniformLabelContext(cond, 17, 9));
});

test("generatePairs in chunks equals one solve (fixed-step method)", () => {
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [8] }, path: "condot" }, 2, np.float32);
  try {
    const one = generatePairs(model, 40, { method: "euler", steps: 3, seed: 1, chunk: 40 });
    const parts = generatePairs(model, 40, { method: "euler", steps: 3, seed: 1, chunk: 6 });
    assert.deepEqual(parts.x0, one.x0);
    assert.deepEqual(parts.x1, one.x1);
    assert.deepEqual(one.x1, sample(model, 40, { method: "euler", steps: 3, seed: 1 }).samples); // no standardizer here
  } finally {
    model.dispose();
  }
});

test("EvalAccumulator over chunks matches the one-pass NLL, bits/dim and KL", () => {
  const rng = new Rng(3);
  const logp = Float64Array.from({ length: 1001 }, () => -2 + rng.normal());
  const logpTrue = Float64Array.from(logp, (v) => v + 0.3 + 0.1 * rng.normal());
  const acc = new EvalAccumulator(2);
  for (const [a, b] of [[0, 400], [400, 401], [401, 1001]] as const) acc.add(logp.subarray(a, b), logpTrue.subarray(a, b), 5);
  const r = acc.report();
  const close = (x: number, y: number) => assert.ok(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)), `${x} vs ${y}`);
  const ref = nll(logp);
  close(r.nll.mean, ref.mean);
  close(r.nll.stderr, ref.stderr);
  close(r.bitsPerDim, meanBitsPerDim(logp, 2));
  const kl = klFromLogDensities(logpTrue, logp);
  close(r.kl!.kl, kl.kl);
  close(r.kl!.stderr, kl.stderr);
  close(r.entropy!, -logpTrue.reduce((s, v) => s + v, 0) / logp.length);
  assert.equal(r.nfe, 15);
  assert.equal(r.n, 1001);
});
