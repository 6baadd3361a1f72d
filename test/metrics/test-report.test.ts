/**
 * testReport and flowEvaluable (src/evaluate.ts) and the conditional-flow context helpers (src/flows/context.ts):
 * the identity flow over a standard normal base has the closed-form Gaussian entropy as NLL and zero KL to N(0, I);
 * a class-conditional flow's test NLL uses each point's own label; dequantized data get seeded uniform noise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  initEngine, Rng, Flow, flows, testReport, evaluate, fm, data, treeRef, DataError, type CondConfig,
} from "../../src/index.js";
const { flowEvaluable } = fm;
const { toCsv, parseCsv } = data;
import { perturb } from "../util/perturb-params.js";

await initEngine();

const D = 3;
const identity = () => new Flow(new flows.Chain([flows.Permute.reverse([D]), flows.Permute.reverse([D])]), new flows.StandardNormal([D]));
const normals = (n: number, dim: number, seed: number) => {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n * dim }, () => rng.normal());
};
const stdNormalLogProb = (x: Float64Array, dim: number) =>
  Float64Array.from({ length: x.length / dim }, (_, i) => {
    let s = 0;
    for (let j = 0; j < dim; j++) s += x[i * dim + j]! ** 2;
    return -0.5 * dim * Math.log(2 * Math.PI) - s / 2;
  });

test("testReport: the identity flow over N(0, I) has NLL = the Gaussian entropy (D/2)·log(2πe) within its s.e.", () => {
  using flow = identity();
  const test = normals(4000, D, 7);
  const r = testReport(flow, { test }, 0);
  const entropy = (D / 2) * Math.log(2 * Math.PI * Math.E);
  assert.equal(r.n, 4000);
  assert.ok(r.stderr > 0 && r.stderr < 0.05, `stderr ${r.stderr}`);
  assert.ok(Math.abs(r.nll - entropy) < 3 * r.stderr, `NLL ${r.nll} vs entropy ${entropy} ± ${r.stderr}`);
  assert.ok(Math.abs(r.bitsPerDim - r.nll / (D * Math.LN2)) < 1e-12);
  // The exact per-point values: the mean of −log N(x; 0, I).
  const exact = -stdNormalLogProb(test, D).reduce((a, b) => a + b, 0) / 4000;
  assert.ok(Math.abs(r.nll - exact) < 1e-4, `${r.nll} vs ${exact}`);
});

test("testReport on dequantized levels adds seeded uniform noise: the same seed repeats, another seed differs", () => {
  using flow = identity();
  const rng = new Rng(3);
  const levels = Float64Array.from({ length: 300 * D }, () => rng.int(4));
  const a = testReport(flow, { test: levels, dequantize: { levels: 4 } }, 5);
  const b = testReport(flow, { test: levels, dequantize: { levels: 4 } }, 5);
  const c = testReport(flow, { test: levels, dequantize: { levels: 4 } }, 6);
  const plain = testReport(flow, { test: levels }, 5);
  assert.equal(a.nll, b.nll);
  assert.notEqual(a.nll, c.nll);
  // y = k + u, u ~ U[0, 1): E[y²] = k² + k + 1/3 > k², so the dequantized NLL is larger than at the bare levels.
  assert.ok(a.nll > plain.nll, `${a.nll} vs ${plain.nll}`);
});

test("flowEvaluable: evaluate of the identity flow against N(0, I) gives KL 0 and the same NLL as testReport", () => {
  using flow = identity();
  const points = normals(500, D, 11);
  const rep = evaluate(flowEvaluable(flow), { points, dim: D, logProbTrue: (x) => stdNormalLogProb(x, D) }, { sampleCount: 200, seed: 2 });
  assert.ok(Math.abs(rep.kl!.kl) < 1e-5, `KL ${rep.kl!.kl}`);
  assert.ok(Math.abs(rep.nll.mean - testReport(flow, { test: points }, 0).nll) < 1e-12);
  assert.equal(rep.sampleCount, 200);
});

test("a class-conditional flow: testReport and flowEvaluable use each point's own label; no conditions is an error", () => {
  const cond: CondConfig = { kind: "class", classes: ["a", "b"], embedDim: 2, source: "label" };
  using flow = Flow.init({ arch: "realnvp", eventShape: [2], layers: 2, hidden: [8], cond, ctxDim: 2, seed: 4 });
  flow.setParams(perturb(treeRef(flow.params), new Rng(11), 0.3));
  const test = normals(50, 2, 1);
  const labels = Int32Array.from({ length: 50 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
  let sum = 0;
  for (let i = 0; i < 50; i++) sum -= flow.logProb(test.subarray(2 * i, 2 * i + 2), { ctx: labels[i] ? [0, 1] : [1, 0] })[0]!;
  const r = testReport(flow, { test, testCond: { labels } }, 0);
  assert.ok(Math.abs(r.nll - sum / 50) < 1e-5, `${r.nll} vs ${sum / 50}`);
  const swapped = testReport(flow, { test, testCond: { labels: labels.map((k) => 1 - k) } }, 0);
  assert.ok(Math.abs(swapped.nll - r.nll) > 1e-4, "the labels matter");
  const ev = flowEvaluable(flow, { labels });
  assert.ok(Math.abs(-ev.logProb(test).logp.reduce((a, b) => a + b, 0) / 50 - r.nll) < 1e-9);
  assert.throws(() => testReport(flow, { test }, 0), DataError);
});

test("toCsv writes rows that parseCsv reads back exactly, with x0… or the given header", () => {
  const x = Float64Array.from([0.1, -2.5e-17, 3, Math.PI, 1 / 3, -0]);
  const back = parseCsv(toCsv(x, 2), "t.csv");
  assert.deepEqual(back.header, ["x0", "x1"]);
  assert.deepEqual([back.rows, back.cols], [3, 2]);
  assert.deepEqual(Array.from(back.data), Array.from(x).map((v) => (Object.is(v, -0) ? 0 : v)));
  assert.equal(toCsv(Float64Array.from([1, 2]), 1, ["v"]), "v\n1\n2\n");
  assert.throws(() => toCsv(x, 4), DataError);
  assert.throws(() => toCsv(x, 2, ["a"]), DataError);
});
