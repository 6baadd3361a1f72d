/**
 * Fixed-step solvers: observed convergence order on x' = cos(t)·x (exact x(t) = x(t0)·exp(sin t − sin t0)), in
 * float64, forwards and backwards in time. The field depends on t, so a wrong stage time also breaks the order.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, type Array as JArray } from "../../src/engine/index.js";
import { odeint, solvers, type OdeFunc } from "../../src/solvers/index.js";

await initEngine();

const X0 = [1, -0.5, 2, 0.3];
const f: OdeFunc = (t, x) => x.mul(Math.cos(t));
const x0 = (): JArray => np.array(new Float64Array(X0), { dtype: np.float64 }).reshape([2, 2]);
const exact = (t0: number, t1: number): number[] => X0.map((v) => v * Math.exp(Math.sin(t1) - Math.sin(t0)));

function maxErr(a: JArray, want: number[]): number {
  const got = Array.from(a.dataSync() as Float64Array);
  assert.equal(got.length, want.length);
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
}

function observedOrder(method: string, n: number, t0: number, t1: number): number {
  const e1 = maxErr(odeint(f, x0(), { method, steps: n, t0, t1 }).x, exact(t0, t1));
  const e2 = maxErr(odeint(f, x0(), { method, steps: 2 * n, t0, t1 }).x, exact(t0, t1));
  assert.ok(e2 > 0 && e1 > e2, `${method}: error must shrink (${e1} -> ${e2})`);
  return Math.log2(e1 / e2);
}

const CASES: [string, number, number][] = [
  ["euler", 1, 64],
  ["midpoint", 2, 32],
  ["heun", 2, 32],
  ["rk4", 4, 8],
];

for (const [method, order, n] of CASES) {
  test(`${method}: registry order and observed order ≈ ${order} (ascending and descending time)`, () => {
    assert.equal(solvers[method]!.order, order);
    assert.equal(solvers[method]!.adaptive, false);
    const up = observedOrder(method, n, 0, 1);
    assert.ok(Math.abs(up - order) < 0.3, `${method} 0->1: observed order ${up.toFixed(3)}`);
    const down = observedOrder(method, n, 1, 0);
    assert.ok(Math.abs(down - order) < 0.3, `${method} 1->0: observed order ${down.toFixed(3)}`);
  });
}

test("fixed-step nfe = evaluations per step × steps, and dtype/shape are kept", () => {
  const perStep: Record<string, number> = { euler: 1, midpoint: 2, heun: 2, rk4: 4 };
  for (const [method, k] of Object.entries(perStep)) {
    let calls = 0;
    const g: OdeFunc = (t, x) => {
      calls++;
      return f(t, x);
    };
    const r = odeint(g, x0(), { method, steps: 7 });
    assert.equal(r.nfe, 7 * k, method);
    assert.equal(calls, r.nfe, method);
    assert.deepEqual(r.x.shape, [2, 2]);
    assert.equal(r.x.dtype, np.float64);
    r.x.dispose();
  }
});

test("a uniform `times` grid gives exactly the `steps` result; a non-uniform grid still converges", () => {
  const times = Array.from({ length: 11 }, (_, i) => i / 10);
  times[10] = 1;
  for (const method of ["euler", "midpoint", "heun", "rk4"]) {
    const a = Array.from(odeint(f, x0(), { method, steps: 10 }).x.dataSync());
    const b = Array.from(odeint(f, x0(), { method, times }).x.dataSync());
    assert.deepEqual(a, b, method);
  }
  // Graded grid 0 -> 1 (t = s²): rk4 must still be accurate to the step-size scale.
  const graded = Array.from({ length: 41 }, (_, i) => (i / 40) ** 2);
  const e = maxErr(odeint(f, x0(), { method: "rk4", times: graded }).x, exact(0, 1));
  assert.ok(e < 1e-6, `rk4 on graded grid: error ${e}`);
});
