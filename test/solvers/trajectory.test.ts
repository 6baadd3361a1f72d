/**
 * Trajectory output: grid times and lengths, the first state is x0, the last equals the returned x, intermediate
 * states are the solution at those times, and every returned array is separately owned (disposing each one once
 * must work — a missing `.ref` would make a second dispose or read fail).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, type Array as JArray } from "../../src/engine/index.js";
import { odeint, type OdeFunc } from "../../src/solvers/index.js";

await initEngine();

const X0 = [1, -0.5, 2, 0.3];
const x0 = (): JArray => np.array(new Float64Array(X0), { dtype: np.float64 }).reshape([2, 2]);
const f: OdeFunc = (t, x) => x.mul(Math.cos(t));
const exact = (t: number, from = 0): number[] => X0.map((v) => v * Math.exp(Math.sin(t) - Math.sin(from)));
const read = (a: JArray): number[] => Array.from(a.ref.dataSync() as Float64Array);
const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));

for (const method of ["euler", "midpoint", "heun", "rk4", "dopri5"]) {
  test(`${method}: uniform trajectory of steps + 1 states, first = x0, last = x`, () => {
    const steps = 8;
    const r = odeint(f, x0(), { method, steps, trajectory: true, rtol: 1e-9, atol: 1e-9 });
    assert.equal(r.ts!.length, steps + 1);
    assert.equal(r.trajectory!.length, steps + 1);
    assert.equal(r.ts![0], 0);
    assert.equal(r.ts![steps], 1);
    r.ts!.forEach((t, i) => assert.ok(Math.abs(t - i / steps) < 1e-15));
    assert.deepEqual(read(r.trajectory![0]!), X0);
    assert.deepEqual(read(r.trajectory![steps]!), read(r.x));
    const tol = ({ euler: 0.2, midpoint: 2e-2, heun: 2e-2, rk4: 1e-4, dopri5: 1e-7 } as Record<string, number>)[method]!;
    r.trajectory!.forEach((xt, i) => {
      assert.deepEqual(xt.shape, [2, 2]);
      assert.ok(maxDiff(read(xt), exact(r.ts![i]!)) < tol, `${method} at t = ${r.ts![i]}`);
    });
    // Each returned array is its own reference: dispose all of them exactly once.
    for (const a of r.trajectory!) a.dispose();
    r.x.dispose();
  });
}

test("trajectory on a descending `times` grid follows the grid and ends at x", () => {
  const times = [1, 0.7, 0.2, 0];
  for (const method of ["rk4", "dopri5"]) {
    const r = odeint(f, x0(), { method, times, trajectory: true, rtol: 1e-9, atol: 1e-9 });
    assert.deepEqual(r.ts, times);
    assert.equal(r.trajectory!.length, times.length);
    assert.deepEqual(read(r.trajectory![0]!), X0);
    assert.deepEqual(read(r.trajectory![times.length - 1]!), read(r.x));
    // rk4 takes one step per grid interval here (steps is ignored), so allow its coarse error.
    const tol = method === "rk4" ? 1e-3 : 1e-7;
    r.trajectory!.forEach((xt, i) => assert.ok(maxDiff(read(xt), exact(times[i]!, 1)) < tol, `${method} t=${times[i]}`));
  }
});

test("without `trajectory` no ts/trajectory are returned, and x0 is borrowed (still owned by the caller)", () => {
  const a = x0();
  const r = odeint(f, a, { method: "heun", steps: 4 });
  assert.equal(r.ts, undefined);
  assert.equal(r.trajectory, undefined);
  assert.equal(a.refCount, 1);
  assert.deepEqual(read(a), X0);
  a.dispose();
  r.x.dispose();
});
