// The diagnosis of non-finite results (src/model/numerics.ts) on hand-made cases: the largest weight and its path,
// a NaN leaf winning, the row and column of a far-out input, a −Inf log-density as an underflow naming its row, and
// evaluation metrics that overflow on finite data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np } from "../../src/engine/index.js";
import { NumericalError } from "../../src/errors.js";
import { checkFinite, largestWeight, likelyCause } from "../../src/model/numerics.js";
import { evaluate } from "../../src/metrics/evaluate.js";

await initEngine();

test("largestWeight: the largest |w| by dotted path; a NaN anywhere wins", () => {
  const t = { net: [{ w: np.array([1, -5, 2]) }, { w: np.array([3]) }], b: np.array([4]) };
  assert.deepEqual(largestWeight(t), { path: "net.0.w", value: -5 });
  const u = { a: np.array([1e9]), z: { w: np.array([0, NaN]) } };
  const got = largestWeight(u)!;
  assert.equal(got.path, "z.w");
  assert.ok(Number.isNaN(got.value));
  for (const x of [t.net[0]!.w, t.net[1]!.w, t.b, u.a, u.z.w]) x.dispose();
});

test("checkFinite / likelyCause: weights first, then the data scale with row and column, then the solver", () => {
  const params = { w: np.array([0.5, -0.25]) };
  const std = { mean: [0, 10], std: [1, 2] };
  const inputs = Float64Array.of(0, 10, 1, 12, 3, 1e9);
  assert.doesNotThrow(() => checkFinite(Float64Array.of(1, 2), 1, "log-likelihood", { params, dim: 2 }));
  assert.throws(
    () => checkFinite(Float64Array.of(-1, NaN, 2), 1, "log-likelihood", { params, dim: 2, inputs, standardizer: std, rowOffset: 10 }),
    (e: unknown) => e instanceof NumericalError && e.message === "log-likelihood of row 12 is NaN; likely cause: the data scale: row 13, column 2 (1e+9) is 5e+8 standard deviations from the training data's mean 10",
  );
  assert.match(likelyCause({ params, dim: 2, solver: { method: "rk4", steps: 8 } }), /^the solver: rk4 with 8 steps \(largest \|w\| 0\.5, inputs in range\)/);
  const huge = { w: np.array([1, -3e7]) };
  assert.match(likelyCause({ params: huge, dim: 2, inputs, standardizer: std }), /^huge weights: the largest \|w\| is 3e\+7 \(in w\)$/);
  // A −Inf density of healthy weights and inputs: an underflow in the tails, named by row.
  assert.throws(
    () => checkFinite(Float64Array.of(-3, -Infinity), 1, "log-likelihood", { params, dim: 2, inputs: Float64Array.of(0, 10, 1, 11), standardizer: std }, true),
    (e: unknown) => e instanceof NumericalError && /^log-likelihood of row 2 is -Infinity: the density underflows there/.test(e.message),
  );
  params.w.dispose();
  huge.w.dispose();
});

test("evaluate: metrics that overflow on finite data (1e200) stop with a NumericalError naming the metric and the scale", () => {
  const points = Float64Array.from({ length: 40 }, (_, i) => 1e200 * Math.sin(i + 1));
  const model = { dim: 2, logProb: (x: Float64Array) => ({ logp: new Float64Array(x.length / 2).fill(-1) }), sample: (n: number) => Float64Array.from({ length: 2 * n }, (_, i) => -1e200 * Math.cos(i)) };
  assert.throws(() => evaluate(model, { points, dim: 2 }), (e: unknown) => e instanceof NumericalError && /^eval: the sample metrics overflow at this data scale \(largest \|x\| 1e\+200\)/.test((e as Error).message));
  // The NLL itself overflowing (a sum of finite log-densities near -1e308): named after the fact.
  const deep = { ...model, logProb: (x: Float64Array) => ({ logp: new Float64Array(x.length / 2).fill(-1e308) }) };
  assert.throws(() => evaluate(deep, { points: points.map((v) => v * 1e-200), dim: 2 }, { skipSamples: true }), (e: unknown) => e instanceof NumericalError && /^eval: NLL is Infinity: it overflows/.test((e as Error).message));
  const small = { ...model, sample: (n: number) => model.sample(n).map((v) => v * 1e-200) };
  const ok = evaluate(small, { points: points.map((v) => v * 1e-200), dim: 2 });
  assert.ok(Number.isFinite(ok.w2!) && ok.w2! > 0);
});
