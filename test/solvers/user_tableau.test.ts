/**
 * A user's own Butcher tableau is a few lines: registered through `rungeKutta`, it runs in `odeint` with its
 * observed order of accuracy (closed form x' = cos(t)·x, float64), replays on an array grid through
 * `getTableau`/`solveOnGrid`, and an embedded pair (Bogacki–Shampine 3(2)) gets the adaptive driver with its NFE
 * identity. Malformed tableaux are refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost, toHostF64, type Array as JArray } from "../../src/engine/index.js";
import { OptionError } from "../../src/errors.js";
import { odeint, registerSolver, rungeKutta, solvers, getTableau, solveOnGrid, type OdeFunc } from "../../src/solvers/index.js";

await initEngine();

const X0 = [1, -0.5, 2, 0.3];
const f: OdeFunc = (t, x) => x.mul(Math.cos(t));
const x0 = (): JArray => np.array(new Float64Array(X0), { dtype: np.float64 });
const exact = (t0: number, t1: number): number[] => X0.map((v) => v * Math.exp(Math.sin(t1) - Math.sin(t0)));

function err(method: string, steps: number, t0 = 0, t1 = 2): number {
  const a = x0();
  const r = odeint(f, a, { method, steps, t0, t1 });
  a.dispose();
  const got = toHostF64(r.x);
  return Math.max(...exact(t0, t1).map((w, i) => Math.abs(got[i]! - w)));
}

registerSolver(rungeKutta({ name: "ralston", order: 2, c: [0, 2 / 3], a: [[], [2 / 3]], b: [1 / 4, 3 / 4] }));
registerSolver(rungeKutta({
  name: "ssprk3", order: 3, c: [0, 1, 1 / 2], a: [[], [1], [1 / 4, 1 / 4]], b: [1 / 6, 1 / 6, 2 / 3],
}));
// Bogacki–Shampine 3(2): FSAL, last row of a = b.
registerSolver(rungeKutta({
  name: "bosh3", order: 3, embeddedOrder: 2,
  c: [0, 1 / 2, 3 / 4, 1], a: [[], [1 / 2], [0, 3 / 4], [2 / 9, 1 / 3, 4 / 9]],
  b: [2 / 9, 1 / 3, 4 / 9, 0], bHat: [7 / 24, 1 / 4, 1 / 3, 1 / 8],
}));

for (const [name, order] of [["ralston", 2], ["ssprk3", 3]] as const) {
  test(`registered ${name}: observed order ≈ ${order} both ways in time, NFE = stages × steps`, () => {
    assert.equal(solvers[name]!.adaptive, false);
    for (const [t0, t1] of [[0, 2], [2, 0]]) {
      const p = Math.log2(err(name, 64, t0, t1) / err(name, 128, t0, t1));
      assert.ok(Math.abs(p - order) < 0.15, `${name} ${t0}→${t1}: observed order ${p}`);
    }
    const a = x0();
    assert.equal(odeint(f, a, { method: name, steps: 5 }).nfe, 5 * getTableau(name).c.length);
    a.dispose();
  });
}

test("a registered tableau replays on an array grid (solveOnGrid) exactly as odeint steps it", () => {
  const grid = [0, 0.3, 0.5, 1.1, 2];
  const a = x0();
  const want = toHostF64(odeint(f, a, { method: "ssprk3", times: grid }).x);
  a.dispose();
  const field = (t: JArray, x: JArray) => x.mul(np.cos(t));
  const got = toHostF64(solveOnGrid(getTableau("ssprk3"), field, x0(), fromHost(Float64Array.from(grid), [grid.length], np.float64)));
  // jax-js's float64 cos is float32-accurate, so compare at that level.
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-6, `[${i}] ${g} vs ${want[i]}`));
});

test("an embedded pair (bosh3) is adaptive: accurate, FSAL NFE identity, tighter tolerance costs more", () => {
  assert.equal(solvers.bosh3!.adaptive, true);
  let prev = 0;
  for (const tol of [1e-5, 1e-8]) {
    let calls = 0;
    const a = x0();
    const r = odeint((t, x) => (calls++, f(t, x)), a, { method: "bosh3", rtol: tol, atol: tol, t1: 2 });
    a.dispose();
    const { accepted, rejected } = r.stats!;
    assert.equal(r.nfe, calls);
    assert.equal(r.nfe, 2 + 3 * (accepted + rejected));
    assert.ok(r.nfe > prev);
    prev = r.nfe;
    const got = toHostF64(r.x);
    exact(0, 2).forEach((w, i) => assert.ok(Math.abs(got[i]! - w) < 100 * tol, `tol ${tol} [${i}]`));
  }
});

test("malformed tableaux are refused with OptionError", () => {
  const ok = { name: "x", order: 1, c: [0], a: [[]], b: [1] };
  for (const bad of [
    { ...ok, name: "" },
    { ...ok, c: [0.5] },
    { ...ok, a: [[1]] },
    { ...ok, b: [] },
    { ...ok, c: [0, 1], a: [[]] },
    { ...ok, bHat: [1] },
  ]) assert.throws(() => rungeKutta(bad), OptionError, JSON.stringify(bad));
  assert.throws(() => getTableau("nope"), OptionError);
});
