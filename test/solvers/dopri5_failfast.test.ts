/**
 * dopri5 fails fast on a collapsing step (torchdiffeq's "underflow in dt") instead of running to maxSteps: a
 * finite-time blow-up stops near the blow-up time with a NumericalError naming t, the step and rtol/atol; a NaN field
 * stops at the first evaluation; a field that turns NaN part-way stops within a few rejections. The evaluation
 * counts stay far below what maxSteps would allow (a cost bound, not a timing).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, type Array as JArray } from "../../src/engine/index.js";
import { NumericalError } from "../../src/errors.js";
import { odeint, type OdeFunc } from "../../src/solvers/index.js";
import { assertNoLeaks } from "../util/leaks.js";

await initEngine();

function counted(g: OdeFunc): { f: OdeFunc; calls: () => number } {
  let n = 0;
  return { f: (t, x) => (n++, g(t, x)), calls: () => n };
}

const ones = (dtype: typeof np.float32): JArray => np.ones([3, 2], { dtype });

for (const dtype of [np.float32, np.float64]) {
  test(`dopri5 (${dtype}): dx/dt = x², x0 = 1 on [0, 2] blows up at t = 1 and fails there naming the step`, () => {
    const c = counted((_t, x) => np.square(x));
    let msg = "";
    assert.throws(
      () => odeint(c.f, ones(dtype), { method: "dopri5", t0: 0, t1: 2, maxSteps: 100000 }),
      (e: unknown) => e instanceof NumericalError && ((msg = e.message), true),
    );
    const t = Number(/at t = ([-+0-9.e]+)/.exec(msg)?.[1]);
    assert.ok(Math.abs(t - 1) < 1e-3, `stops at the blow-up at t = 1: ${msg}`);
    assert.match(msg, /step size collapsed to [-+0-9.e]+ at t = /);
    assert.match(msg, /rtol\/atol 1e-5\/1e-5/);
    assert.match(msg, /blows up/);
    assert.doesNotMatch(msg, /\n/);
    assert.ok(c.calls() < 6 * 2000, `${c.calls()} evaluations: far fewer than maxSteps = 100000 steps would take`);
  });
}

test("dopri5: a NaN-producing field fails at the first evaluation; a NaN initial state before any", () => {
  const c = counted((_t, x) => x.mul(NaN));
  assert.throws(() => odeint(c.f, ones(np.float32), { method: "dopri5" }), (e: unknown) => e instanceof NumericalError && /vector field is NaN or ±Inf at t = 0/.test(e.message));
  assert.equal(c.calls(), 1);
  const d = counted((_t, x) => x);
  const x0 = np.array([1, NaN], { dtype: np.float32 });
  assert.throws(() => odeint(d.f, x0, { method: "dopri5" }), (e: unknown) => e instanceof NumericalError && /initial state at t = 0 contains NaN/.test(e.message));
  x0.dispose();
  assert.equal(d.calls(), 0);
});

test("dopri5: a field that turns NaN at t = 0.5 fails there after a few rejections, naming the NaN", () => {
  const c = counted((t, x) => (t < 0.5 ? x.mul(-1) : x.mul(NaN)));
  let msg = "";
  assert.throws(() => odeint(c.f, ones(np.float32), { method: "dopri5" }), (e: unknown) => e instanceof NumericalError && ((msg = e.message), true));
  const t = Number(/at t = ([-+0-9.e]+)/.exec(msg)?.[1]);
  assert.ok(t <= 0.5 && t > 0.49, msg);
  assert.match(msg, /NaN\/±Inf/);
  assert.ok(c.calls() < 600, `${c.calls()} evaluations`);
});

test("dopri5: the failing paths free every array (borrowed x0 kept)", async () => {
  await assertNoLeaks("dopri5 fail-fast", () => {
    for (const g of [(_t: number, x: JArray) => np.square(x), (_t: number, x: JArray) => x.mul(NaN)]) {
      const x0 = ones(np.float32);
      assert.throws(() => odeint(g, x0, { method: "dopri5", t1: 2 }), NumericalError);
      x0.dispose();
    }
  });
});
