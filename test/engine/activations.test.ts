import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, grad, vmap, sigmoid, softplus, silu, logSigmoid, logsumexp, activations } from "../../src/engine/index.js";

await initEngine();

const xs = [-1000, -100, -90, -20, -1, 0, 0.5, 20, 90, 100, 1000];
// float64 references computed in plain JS with the same stable formulas' closed forms.
const refSigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const refSoftplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const refs: Record<string, { f: (x: any) => any; v: (x: number) => number; d: (x: number) => number }> = {
  sigmoid: { f: sigmoid, v: refSigmoid, d: (x) => refSigmoid(x) * (1 - refSigmoid(x)) },
  softplus: { f: softplus, v: refSoftplus, d: refSigmoid },
  logSigmoid: { f: logSigmoid, v: (x) => -refSoftplus(-x), d: (x) => 1 - refSigmoid(x) },
  silu: { f: silu, v: (x) => x * refSigmoid(x), d: (x) => refSigmoid(x) * (1 + x * (1 - refSigmoid(x))) },
  gelu: swish(activations.gelu, 1.702),
  swish4: swish(activations.swish4, 4),
};
/** Swish-β x·σ(βx) and its derivative σ(βx)·(1 + βx·(1 − σ(βx))). */
function swish(f: (x: any) => any, beta: number) {
  return { f, v: (x: number) => x * refSigmoid(beta * x), d: (x: number) => refSigmoid(beta * x) * (1 + beta * x * (1 - refSigmoid(beta * x))) };
}

for (const dtype of [np.float32, np.float64]) {
  for (const [name, r] of Object.entries(refs)) {
    test(`${name} (${dtype}): value and gradient finite and correct at ±1000`, () => {
      const x = np.array(xs, { dtype });
      const y = r.f(x.ref).dataSync() as Float32Array;
      const g = vmap(grad((z: any) => r.f(z)))(x).dataSync() as Float32Array;
      const tol = dtype === np.float64 ? 1e-13 : 1e-5;
      xs.forEach((xv, i) => {
        assert.ok(Number.isFinite(y[i]) && Number.isFinite(g[i]), `${name}(${xv}) = ${y[i]}, grad ${g[i]}`);
        const want = r.v(xv);
        assert.ok(Math.abs(y[i] - want) <= tol * Math.max(1, Math.abs(want)), `${name}(${xv}) = ${y[i]}, want ${want}`);
        const wantD = r.d(xv);
        assert.ok(Math.abs(g[i] - wantD) <= tol * Math.max(1, Math.abs(wantD)), `${name}'(${xv}) = ${g[i]}, want ${wantD}`);
      });
    });
  }
}

test("logsumexp: matches the shifted closed form, gradient is softmax, finite at ±1000", () => {
  const rows = [
    [1000, 999, -1000],
    [-1000, -1000.5, -1001],
    [0.1, 0.2, 0.3],
  ];
  const x = np.array(rows, { dtype: np.float64 });
  const lse = logsumexp(x.ref, 1).dataSync();
  const g = grad((z: any) => logsumexp(z, 1).sum())(x).dataSync();
  rows.forEach((row, i) => {
    const m = Math.max(...row);
    const want = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    assert.ok(Math.abs(lse[i] - want) < 1e-13 * Math.max(1, Math.abs(want)), `row ${i}: ${lse[i]} vs ${want}`);
    row.forEach((v, j) => {
      const soft = Math.exp(v - want);
      assert.ok(Math.abs(g[i * 3 + j] - soft) < 1e-13, `softmax ${i},${j}: ${g[i * 3 + j]} vs ${soft}`);
    });
  });
  // Full reduction and keepdims shapes.
  assert.deepEqual(logsumexp(np.zeros([2, 3])).shape, []);
  assert.deepEqual(logsumexp(np.zeros([2, 3]), 0, true).shape, [1, 3]);
  assert.ok(Math.abs(logsumexp(np.zeros([2, 3])).item() - Math.log(6)) < 1e-6);
});
