import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64, fromHost } from "../../src/engine/index.js";
import { Planar, Radial } from "../../src/flows/index.js";
import { checkBijector, perturb, randn, maxAbsDiff, F64 } from "./check.js";

await initEngine();

const sp = (a: number) => Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));

test("planar: density direction only, iterative inverse round-trips to 1e-10; logDet vs autodiff; extremes", () => {
  for (let seed = 0; seed < 3; seed++) {
    const rng = new Rng(60 + seed);
    const D = 1 + rng.int(5);
    const pl = new Planar([D]);
    assert.equal(pl.fast, "forward");
    const p = perturb(pl.init(rng, F64), rng, 1.5); // wᵀu far from 0 on both sides
    const x = randn(rng, [1 + rng.int(4), D], 2);
    checkBijector(pl, p, x);
    x.dispose();
  }
});

test("planar: the constraint holds where the raw u would break invertibility (wᵀu ≪ −1)", () => {
  const pl = new Planar([2]);
  const mk = (v: number[]) => fromHost(Float64Array.from(v), [v.length], F64);
  const p = { u: mk([-5, 0]), w: mk([1, 0]), b: mk([0]).reshape([]) }; // raw wᵀu = −5: not invertible unconstrained
  // Then wᵀû = −1 + softplus(−5): the map along w, a ↦ a + c·tanh(a), is increasing; logDet finite.
  const c = -1 + sp(-5);
  const xs = [-3, -0.1, 0, 0.1, 3];
  const x = fromHost(Float64Array.from(xs.flatMap((v) => [v, 1])), [5, 2], F64);
  const r = pl.forward(p, x.ref);
  const y = toHostF64(r.y.ref);
  const ld = toHostF64(r.logDet);
  xs.forEach((v, i) => {
    assert.ok(Math.abs(y[2 * i]! - (v + c * Math.tanh(v))) < 1e-13);
    assert.ok(Math.abs(ld[i]! - Math.log(1 + c * (1 - Math.tanh(v) ** 2))) < 1e-12);
  });
  const back = toHostF64(pl.inverse(p, r.y).x);
  assert.ok(maxAbsDiff(back, toHostF64(x)) < 1e-10);
  checkBijector(pl, p, randn(new Rng(1), [3, 2]), undefined, { extreme: 0 });
});

test("radial: init is the identity; round trip (closed-form inverse); logDet vs autodiff; extremes", () => {
  const rng0 = new Rng(3);
  const r0 = new Radial([3]);
  const x0 = randn(rng0, [2, 3]);
  assert.ok(maxAbsDiff(toHostF64(r0.forward(r0.init(rng0, F64), x0.ref).y), toHostF64(x0)) < 1e-15);
  for (let seed = 0; seed < 3; seed++) {
    const rng = new Rng(70 + seed);
    const D = 1 + rng.int(5);
    const ra = new Radial([D]);
    assert.equal(ra.fast, "forward");
    const p = perturb(ra.init(rng, F64), rng, 1.5);
    const x = randn(rng, [1 + rng.int(4), D], 2);
    checkBijector(ra, p, x);
    x.dispose();
  }
});

test("radial: β near −α (strong contraction) and a point at x0 stay finite and invertible", () => {
  const ra = new Radial([2]);
  const mk = (v: number[]) => fromHost(Float64Array.from(v), [v.length], F64);
  const p = { x0: mk([0.5, -0.5]), rawAlpha: mk([0.3]).reshape([]), rawBeta: mk([-8]).reshape([]) };
  const x = mk([0.5, -0.5, 0.6, -0.4, 3, 2, -1e3, 1e3]).reshape([4, 2]);
  const f = ra.forward(p, x.ref);
  const ld = toHostF64(f.logDet.ref);
  // Closed form at x = x0: (D − 1)·log(1 + β/α) + log(1 + β/α).
  const a = sp(0.3);
  const b = -a + sp(-8);
  assert.ok(Math.abs(ld[0]! - 2 * Math.log1p(b / a)) < 1e-12);
  const back = toHostF64(ra.inverse(p, f.y).x);
  assert.ok(maxAbsDiff(back, toHostF64(x)) < 1e-9);
  f.logDet.dispose();
});
