// Contract tests over every bijector kind (zuko's tests/test_flows.py, with checkBijector's float64 math): round
// trip, log|det| vs the autodiff Jacobian, every parameter leaf gets a non-zero gradient from a log-likelihood, and
// a direction the bijector declares jittable gives under jit what it gives eagerly. (Squeeze, which changes the
// shape, is checked in glow.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, grad, jit, treeOps, toHostF64, Rng, type Array } from "../../src/engine/index.js";
import {
  ActNorm, AdditiveCoupling, AffineCoupling, Chain, InvertibleConv1x1, LULinear, MultiScaleGlow, Permute, Planar, Radial,
  SplineCoupling, StandardNormal, halfMask, channelMask, iaf, maf, splineAutoregressive, jitSupport, type Bijector, type Params,
} from "../../src/flows/index.js";
import { checkBijector, perturb, randn, maxAbsDiff, F64 } from "./check.js";

await initEngine();

interface Case {
  bij: Bijector;
  ctxDim?: number;
  /** Round-trip tolerance when iterative (planar). */
  roundTrip?: number;
}
const D = 3;
const img = [4, 4, 2];
const mlp = { hidden: [5], activation: "tanh" as const };
const cases: Case[] = [
  { bij: new ActNorm([D]) },
  { bij: new AdditiveCoupling([D], { ...mlp, mask: halfMask(D), ctxDim: 2 }), ctxDim: 2 },
  { bij: new AffineCoupling([D], { ...mlp, mask: halfMask(D, 1), ctxDim: 2 }), ctxDim: 2 },
  { bij: new SplineCoupling([D], { ...mlp, mask: halfMask(D), bins: 4, ctxDim: 2 }), ctxDim: 2 },
  { bij: new LULinear([D], { seed: 2 }) },
  { bij: new InvertibleConv1x1(img, { seed: 3 }) },
  { bij: Permute.reverse([D]) },
  { bij: new Planar([D]), roundTrip: 1e-8 },
  { bij: new Radial([D]) },
  { bij: maf({ dim: D, ...mlp, ctxDim: 2 }), ctxDim: 2 },
  { bij: iaf({ dim: D, ...mlp, order: [2, 0, 1] }) },
  { bij: splineAutoregressive({ dim: D, ...mlp, bins: 4, ctxDim: 2 }), ctxDim: 2 },
  { bij: new MultiScaleGlow(img, { levels: 1, steps: 1, hidden: [4], seed: 1 }) },
  { bij: new AffineCoupling(img, { ...mlp, mask: channelMask(4, 4, 2) }) },
  { bij: new Chain([new ActNorm([D]), new AffineCoupling([D], { ...mlp, mask: halfMask(D) }), new LULinear([D], { seed: 5 })]) },
];

const leafCount = (p: Params) => (treeOps.leaves(p) as Array[]).length;

for (const [i, c] of cases.entries()) {
  const { bij } = c;
  test(`${bij.name} [${bij.eventShape}]${c.ctxDim ? " (context)" : ""}: round trip, log|det| = autodiff, gradients reach every parameter, jit = eager`, () => {
    const rng = new Rng(100 + i);
    // Perturbed away from the init, whose zero last layers would leave earlier layers without a gradient.
    const params = perturb(bij.init(rng, F64), rng, 0.3);
    const B = 3;
    const x = randn(rng, [B, ...bij.eventShape]);
    const ctx = c.ctxDim ? randn(rng, [B, c.ctxDim]) : undefined;
    checkBijector(bij, params, x, ctx, { extreme: 0, roundTrip: c.roundTrip });

    // Every parameter leaf gets a non-zero gradient of the log-likelihood Σ log N(f(x)) + log|det|.
    const base = new StandardNormal(bij.eventShape);
    const nll = (p: Params) => {
      const r = bij.forward(p, x.ref, ctx?.ref);
      return base.logProb({}, r.y).add(r.logDet).sum().neg();
    };
    if (leafCount(params) > 0) {
      const g = grad(nll)(params) as Params;
      const paths = treeOps.flatten(g)[0] as Array[];
      paths.forEach((leaf, k) => {
        const v = toHostF64(leaf);
        assert.ok(v.every(Number.isFinite), `${bij.name}: gradient of leaf ${k} not finite`);
        assert.ok(v.some((u) => u !== 0), `${bij.name}: leaf ${k} (shape [${leaf.shape}]) gets no gradient`);
      });
    }

    // A direction declared jittable runs under jit and agrees with the eager pass.
    const js = jitSupport(bij);
    const y = bij.forward(params, x.ref, ctx?.ref);
    y.logDet.dispose();
    const dirs = [
      ["forward", js.forward, (p: Params, a: Array, cc?: Array) => { const r = bij.forward(p, a, cc); return [r.y, r.logDet]; }, x],
      ["inverse", js.inverse, (p: Params, a: Array, cc?: Array) => { const r = bij.inverse(p, a, cc); return [r.x, r.logDet]; }, y.y],
    ] as const;
    for (const [name, ok, f, input] of dirs) {
      if (!ok) continue;
      const [e0, e1] = f(params, input.ref, ctx?.ref) as Array[];
      const [j0, j1] = (ctx ? jit(f)(treeOps.ref(params), input.ref, ctx.ref) : jit(f)(treeOps.ref(params), input.ref)) as unknown as Array[];
      const err = Math.max(maxAbsDiff(toHostF64(e0!), toHostF64(j0!)), maxAbsDiff(toHostF64(e1!), toHostF64(j1!)));
      assert.ok(err < 1e-9, `${bij.name}: jit ${name} differs from eager by ${err}`);
    }
    y.y.dispose();
    x.dispose();
    ctx?.dispose();
  });
}

test("jit support: LU-linear, 1×1 conv, multi-scale Glow and planar inverses are not jittable; a Chain takes the weakest", () => {
  for (const b of [new LULinear([2]), new InvertibleConv1x1([2, 2, 2]), new Planar([2]), new MultiScaleGlow([4, 4, 1], { levels: 1, steps: 1 })])
    assert.deepEqual(jitSupport(b), { forward: true, inverse: false }, b.name);
  assert.deepEqual(jitSupport(new Radial([2])), { forward: true, inverse: true });
  assert.deepEqual(new Chain([Permute.reverse([2]), new Radial([2])]).jit, { forward: true, inverse: true });
  assert.deepEqual(new Chain([Permute.reverse([2]), new LULinear([2])]).jit, { forward: true, inverse: false });
});
