import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64, np } from "../../src/engine/index.js";
import { LULinear, InvertibleConv1x1, randomOrthogonal, pluDecompose } from "../../src/flows/index.js";
import { OptionError } from "../../src/errors.js";
import { logAbsDet } from "../util/jacobian.js";
import { checkBijector, perturb, randn, F64 } from "./check.js";

await initEngine();

test("host helpers: random orthogonal Q has QQᵀ = I; PLU reproduces it", () => {
  for (const n of [1, 3, 6]) {
    const q = randomOrthogonal(n, new Rng(n));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i * n + k]! * q[j * n + k]!;
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-13);
      }
    const { perm, lower, upper } = pluDecompose(q, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0; // (L U)[i, j] with unit diagonal L
        for (let k = 0; k <= Math.min(i, j); k++) s += (k === i ? 1 : lower[i * n + k]!) * upper[k * n + j]!;
        assert.ok(Math.abs(s - q[perm[i]! * n + j]!) < 1e-13);
      }
  }
});

test("LULinear at init is the rotation (W Wᵀ = I, logDet 0); W's log|det| = Σ logAbsDiag after perturbation", () => {
  const rng = new Rng(2);
  const l = new LULinear([5], { seed: 4 });
  const p = l.init(rng, F64);
  const w = l.weight(p);
  const wwt = toHostF64(np.matmul(w.ref, w.transpose()));
  wwt.forEach((v, k) => assert.ok(Math.abs(v - (k % 6 === 0 ? 1 : 0)) < 1e-13));
  const q = perturb(p, rng, 0.3);
  const ld = logAbsDet(toHostF64(l.weight(q)), 5);
  const want = toHostF64(q.logAbsDiag.ref).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(ld - want) < 1e-12);
});

test("LULinear on vectors, random sizes/seeds: round trip, logDet vs autodiff, extremes", () => {
  for (let seed = 0; seed < 3; seed++) {
    const rng = new Rng(40 + seed);
    const D = 2 + rng.int(5);
    const l = new LULinear([D], { seed });
    const p = perturb(l.init(rng, F64), rng, 0.4);
    const x = randn(rng, [1 + rng.int(4), D], 2);
    checkBijector(l, p, x);
    x.dispose();
  }
});

test("1×1 convolution on [2, 4, 4, 2] and [2, 2, 3, 3]: logDet = H·W·Σ logAbsDiag, checked by autodiff", () => {
  const rng = new Rng(8);
  for (const shape of [[4, 4, 2], [2, 3, 3]]) {
    const l = new InvertibleConv1x1(shape, { seed: 1 });
    const p = perturb(l.init(rng, F64), rng, 0.4);
    const x = randn(rng, [2, ...shape]);
    const ld = checkBijector(l, p, x);
    const want = shape[0]! * shape[1]! * toHostF64(p.logAbsDiag.ref).reduce((s, v) => s + v, 0);
    ld.forEach((v) => assert.ok(Math.abs(v - want) < 1e-12));
  }
  assert.throws(() => new InvertibleConv1x1([4, 2]), OptionError);
});
