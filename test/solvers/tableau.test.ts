/**
 * Array-time Runge–Kutta: each tableau reproduces the registry's solver of the same name on the same grid (float64),
 * including dopri5 replayed on the grid of its own accepted steps; and it works under jit with the grid as input.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, jit, fromHost, toHostF64, type Array } from "../../src/engine/index.js";
import { odeint, tableaux, solveOnGrid } from "../../src/solvers/index.js";

await initEngine();

// A nonlinear, time-dependent field dx/dt = x/4 − x³/8 + t²/2 (dyadic constants: exact under jit, where JS numbers
// become float32).
const field = (t: Array, x: Array) => np.square(x.ref).mul(x.ref).mul(-0.125).add(t.ref.mul(t).mul(0.5)).add(x.mul(0.25));
const x0 = () => fromHost(Float64Array.from([0.5, -1.2, 2.0]), [3], np.float64);

for (const name of ["euler", "midpoint", "heun", "rk4"]) {
  test(`${name}: array-time tableau equals the registry solver on a uniform grid`, () => {
    const grid = [1, 0.8, 0.6, 0.4, 0.2, 0];
    const want = toHostF64(odeint((t, x) => field(np.full([], t, { dtype: np.float64 }), x), x0(), { method: name, times: grid }).x);
    const got = toHostF64(solveOnGrid(tableaux[name]!, field, x0(), fromHost(Float64Array.from(grid), [grid.length], np.float64)));
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-13, `${name}[${i}]: ${g} vs ${want[i]}`));
  });
}

test("dopri5 tableau replayed on dopri5's accepted steps reproduces the adaptive solution; jit with the grid as input", () => {
  const r = odeint((t, x) => field(np.full([], t, { dtype: np.float64 }), x), x0(), { method: "dopri5", t0: 0, t1: 1.5, rtol: 1e-6, atol: 1e-6 });
  const want = toHostF64(r.x);
  const grid = r.stepTimes!;
  assert.ok(grid.length > 3 && grid[0] === 0 && grid[grid.length - 1] === 1.5);
  const solve = jit((x: Array, g: Array) => solveOnGrid(tableaux.dopri5!, field, x, g));
  const got = toHostF64(solve(x0(), fromHost(Float64Array.from(grid), [grid.length], np.float64)));
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-12, `[${i}]: ${g} vs ${want[i]}`));
  (solve as unknown as { dispose(): void }).dispose();
});
