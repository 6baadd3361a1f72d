/**
 * dopri5 step control and bookkeeping: NFE counted by a wrapped field equals the FSAL identity, tighter tolerances
 * cost more evaluations and buy accuracy (checked against a closed form), rejections happen after a too-large first
 * step, and misuse (maxSteps, unknown method, bad options) throws OptionError with a helpful message.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, type Array as JArray } from "../../src/engine/index.js";
import { OptionError } from "../../src/errors.js";
import { odeint, registerSolver, solverNames, solvers, euler, type OdeFunc } from "../../src/solvers/index.js";

await initEngine();

const X0 = [1, -0.5, 2, 0.3];
const x0 = (): JArray => np.array(new Float64Array(X0), { dtype: np.float64 }).reshape([2, 2]);
const exact = (t0: number, t1: number): number[] => X0.map((v) => v * Math.exp(Math.sin(t1) - Math.sin(t0)));
/** x' = cos(3t)·x·3 has exact solution x0·exp(sin 3t1 − sin 3t0): a few oscillations so steps vary. */
const f: OdeFunc = (t, x) => x.mul(3 * Math.cos(3 * t));
const exact3 = (t0: number, t1: number): number[] => X0.map((v) => v * Math.exp(Math.sin(3 * t1) - Math.sin(3 * t0)));

function counted(g: OdeFunc): { f: OdeFunc; calls: () => number } {
  let n = 0;
  return {
    f: (t, x) => {
      n++;
      return g(t, x);
    },
    calls: () => n,
  };
}

function maxErr(a: JArray, want: number[]): number {
  const got = Array.from(a.dataSync() as Float64Array);
  return Math.max(...got.map((g, i) => Math.abs(g - want[i]!)));
}

test("dopri5 NFE: counted calls = 2 + 6·(accepted + rejected), and tighter tolerances need more NFE", () => {
  let prevNfe = 0;
  let prevErr = Infinity;
  for (const tol of [1e-4, 1e-7, 1e-10]) {
    const c = counted(f);
    const r = odeint(c.f, x0(), { rtol: tol, atol: tol, t1: 2 });
    const { accepted, rejected } = r.stats!;
    assert.equal(r.nfe, c.calls());
    assert.equal(r.nfe, 2 + 6 * (accepted + rejected), `tol ${tol}`);
    assert.ok(r.nfe > prevNfe, `tol ${tol}: nfe ${r.nfe} should exceed ${prevNfe}`);
    const err = maxErr(r.x, exact3(0, 2));
    assert.ok(err < prevErr, `tol ${tol}: error ${err} should be below ${prevErr}`);
    assert.ok(err < 100 * tol, `tol ${tol}: error ${err}`);
    prevNfe = r.nfe;
    prevErr = err;
  }
});

test("dopri5 with a too-large firstStep rejects, and then NFE = 1 + 6·(accepted + rejected)", () => {
  const c = counted(f);
  const r = odeint(c.f, x0(), { firstStep: 2, rtol: 1e-8, atol: 1e-8, t1: 2 });
  const { accepted, rejected } = r.stats!;
  assert.ok(rejected >= 1, `expected a rejection, got ${rejected}`);
  assert.equal(r.nfe, c.calls());
  assert.equal(r.nfe, 1 + 6 * (accepted + rejected));
  assert.ok(maxErr(r.x, exact3(0, 2)) < 1e-6);
});

test("dopri5 is accurate in both time directions on a closed form (rtol = atol = 1e-8)", () => {
  const g: OdeFunc = (t, x) => x.mul(Math.cos(t));
  const up = odeint(g, x0(), { method: "dopri5", rtol: 1e-8, atol: 1e-8 });
  assert.ok(maxErr(up.x, exact(0, 1)) < 1e-7);
  const down = odeint(g, x0(), { method: "dopri5", t0: 1, t1: 0, rtol: 1e-8, atol: 1e-8 });
  assert.ok(maxErr(down.x, exact(1, 0)) < 1e-7);
  assert.equal(down.x.dtype, np.float64);
});

test("dopri5 exceeding maxSteps throws OptionError naming maxSteps", () => {
  assert.throws(
    () => odeint(f, x0(), { rtol: 1e-10, atol: 1e-10, maxSteps: 3, t1: 2 }),
    (e: unknown) => e instanceof OptionError && /maxSteps = 3/.test(e.message) && /rtol\/atol/.test(e.message),
  );
});

test("unknown method throws OptionError listing the valid methods", () => {
  for (const method of ["rk45", "toString"]) {
    assert.throws(
      () => odeint(f, x0(), { method }),
      (e: unknown) =>
        e instanceof OptionError &&
        e.message.includes(`'${method}'`) &&
        ["euler", "midpoint", "heun", "rk4", "dopri5"].every((n) => e.message.includes(n)),
    );
  }
});

test("bad options throw OptionError", () => {
  const bad = [
    { method: "euler", steps: 0 },
    { method: "rk4", steps: 2.5 },
    { method: "heun", times: [0, 0.5, 0.5, 1] },
    { method: "heun", times: [0] },
    { method: "midpoint", times: [0, 1], t1: 2 },
    { method: "euler", t1: Number.NaN },
    { rtol: -1 },
    { rtol: 0, atol: 0 },
    { maxSteps: 0 },
    { firstStep: -0.1 },
  ];
  for (const opts of bad) {
    assert.throws(() => odeint(f, x0(), opts), OptionError, JSON.stringify(opts));
  }
});

test("registry: default names, and registerSolver adds a method odeint can use", () => {
  for (const n of ["euler", "midpoint", "heun", "rk4", "dopri5"]) assert.ok(solverNames().includes(n), n);
  assert.equal(solvers.dopri5!.adaptive, true);
  registerSolver({ ...euler, name: "euler-alias" });
  const a = Array.from(odeint(f, x0(), { method: "euler-alias", steps: 5 }).x.dataSync());
  const b = Array.from(odeint(f, x0(), { method: "euler", steps: 5 }).x.dataSync());
  assert.deepEqual(a, b);
  assert.throws(() => registerSolver({ ...euler, name: "" }), OptionError);
  delete solvers["euler-alias"];
});
