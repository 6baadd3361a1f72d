/**
 * Fixed-step solvers use only array ops, so they run under jit and grad: jit reproduces the eager result and the
 * gradient of a loss through the solve matches central finite differences (float64, polynomial field so no
 * transcendental-approximation noise enters; jax-js float64 tanh/exp are only ~1e-8 accurate).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, grad, jit, type Array as JArray } from "../../src/engine/index.js";
import { mulScalar, odeint, type OdeFunc } from "../../src/solvers/index.js";

await initEngine();

/**
 * x' = cos(t)·x − 0.5·x³ (nonlinear, time-dependent). cos(t) goes through mulScalar: under jit a plain JS scalar
 * would be rounded to float32 by the engine, and the jit-vs-eager comparison below is at float64 precision.
 */
const f: OdeFunc = (t, x) => mulScalar(x.ref, Math.cos(t)).sub(x.ref.mul(x.ref).mul(x).mul(0.5));
const X = [0.3, -0.7, 1.1];
const arr = (v: number[]): JArray => np.array(new Float64Array(v), { dtype: np.float64 });
const read = (a: JArray): number[] => Array.from(a.dataSync() as Float64Array);

for (const method of ["euler", "midpoint", "heun", "rk4"]) {
  test(`${method}: jit matches eager and grad matches finite differences`, () => {
    const solve = (x: JArray): JArray => odeint(f, x, { method, steps: 12, t0: 0.2, t1: 1.3 }).x;
    const eager = read(solve(arr(X)));
    const jitted = read(jit(solve)(arr(X)));
    eager.forEach((v, i) => assert.ok(Math.abs(v - jitted[i]!) < 1e-12, `jit [${i}]`));

    const loss = (x: JArray): JArray => np.square(solve(x)).sum();
    const g = read(grad(loss)(arr(X)));
    const eps = 1e-6;
    X.forEach((_, i) => {
      const p = X.slice();
      const m = X.slice();
      p[i]! += eps;
      m[i]! -= eps;
      const fd = (loss(arr(p)).item() - loss(arr(m)).item()) / (2 * eps);
      assert.ok(Math.abs(g[i]! - fd) < 1e-7 * Math.max(1, Math.abs(fd)), `${method} grad[${i}] ${g[i]} vs fd ${fd}`);
    });
  });
}
