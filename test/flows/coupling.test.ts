import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64 } from "../../src/engine/index.js";
import {
  AdditiveCoupling,
  AffineCoupling,
  halfMask,
  alternatingMask,
  checkerboardMask,
  channelMask,
  type CouplingOptions,
} from "../../src/flows/index.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { checkBijector, perturb, randn, maxAbsDiff, F64 } from "./check.js";

await initEngine();

const kinds = [
  ["additive", (s: number[], o: CouplingOptions) => new AdditiveCoupling(s, o)],
  ["affine", (s: number[], o: CouplingOptions) => new AffineCoupling(s, o)],
] as const;

test("a fresh coupling is the identity (zero-initialized last layer)", () => {
  for (const [, make] of kinds) {
    const rng = new Rng(1);
    const c = make([4], { hidden: [8], activation: "tanh", mask: halfMask(4) });
    const x = randn(rng, [3, 4]);
    const r = c.forward(c.init(rng, F64), x.ref);
    assert.equal(maxAbsDiff(toHostF64(r.y), toHostF64(x)), 0);
    assert.ok(toHostF64(r.logDet).every((v) => v === 0));
  }
});

test("vector couplings, random shapes/masks/seeds, with and without context", () => {
  for (let seed = 0; seed < 3; seed++) {
    const rng = new Rng(100 + seed);
    const D = 2 + rng.int(5);
    const B = 1 + rng.int(4);
    const ctxDim = seed % 2 === 0 ? 0 : 1 + rng.int(3);
    const mask = seed !== 1 ? halfMask(D, (seed % 2) as 0 | 1) : alternatingMask(D, 1);
    for (const [kind, make] of kinds) {
      const act = (["relu", "tanh", "silu"] as const)[seed]!;
      const c = make([D], { hidden: [6, 5], activation: act, mask, ctxDim });
      const p0 = c.init(rng, F64);
      const p = perturb(p0, rng, 0.7);
      const x = randn(rng, [B, D], 1.5);
      const ctx = ctxDim ? randn(rng, [B, ctxDim]) : undefined;
      const ld = checkBijector(c, p, x, ctx);
      if (kind === "additive") assert.ok(ld.every((v) => v === 0));
      else assert.ok(ld.some((v) => Math.abs(v) > 1e-3), "affine logDet should be non-trivial");
      if (ctx) {
        // The context must matter.
        const other = c.forward(p, x.ref, randn(rng, [B, ctxDim])).y;
        const same = c.forward(p, x.ref, ctx.ref).y;
        assert.ok(maxAbsDiff(toHostF64(other), toHostF64(same)) > 1e-6, "context ignored");
        ctx.dispose();
      }
      x.dispose();
    }
  }
});

test("image couplings [2, 4, 4, 2] with checkerboard and channel masks (conditioner on the flattened image)", () => {
  const rng = new Rng(7);
  const shape = [4, 4, 2];
  const masks = [checkerboardMask(4, 4, 2, 0), channelMask(4, 4, 2, 1)];
  masks.forEach((mask, i) => {
    const [, make] = kinds[i]!;
    const c = make(shape, { hidden: [8], activation: "silu", mask, ctxDim: i });
    const p = perturb(c.init(rng, F64), rng, 0.5);
    const x = randn(rng, [2, ...shape]);
    const ctx = i ? randn(rng, [2, 1]) : undefined;
    checkBijector(c, p, x, ctx);
    x.dispose();
    ctx?.dispose();
  });
  // Masked (kept) coordinates pass through exactly.
  const c = new AffineCoupling(shape, { hidden: [8], activation: "tanh", mask: masks[0]! });
  const p = perturb(c.init(rng, F64), rng, 1);
  const x = randn(rng, [2, ...shape]);
  const xs = toHostF64(x.ref);
  const y = toHostF64(c.forward(p, x).y);
  masks[0]!.forEach((m, j) => {
    if (m === 1) for (let b = 0; b < 2; b++) assert.equal(y[b * 32 + j], xs[b * 32 + j]);
  });
});

test("affine log-scale is bounded: |logDet| ≤ scaleBound · (transformed coordinates)", () => {
  const rng = new Rng(11);
  const c = new AffineCoupling([6], { hidden: [8], activation: "relu", mask: halfMask(6), scaleBound: 1.5 });
  const p = perturb(c.init(rng, F64), rng, 50); // huge raw scales
  const ld = toHostF64(c.forward(p, randn(rng, [16, 6], 100)).logDet);
  assert.ok(ld.every((v) => Math.abs(v) <= 1.5 * 3 + 1e-12));
  assert.ok(ld.some((v) => Math.abs(v) > 3), "the bound should be approached by huge raw scales");
});

test("bad options and shapes throw", () => {
  assert.throws(() => new AffineCoupling([4], { hidden: [4], activation: "tanh", mask: [1, 0, 1] }), OptionError);
  assert.throws(() => new AffineCoupling([3], { hidden: [4], activation: "tanh", mask: [1, 1, 1] }), OptionError);
  assert.throws(() => new AffineCoupling([2], { hidden: [4], activation: "tanh", mask: [1, 0], scaleBound: 0 }), OptionError);
  const c = new AffineCoupling([2], { hidden: [4], activation: "tanh", mask: [1, 0], ctxDim: 2 });
  const p = c.init(new Rng(0), F64);
  assert.throws(() => c.forward(p, randn(new Rng(0), [3, 2])), ShapeError); // missing ctx
  assert.throws(() => c.forward(p, randn(new Rng(0), [3, 2]), randn(new Rng(0), [3, 1])), ShapeError);
  assert.throws(() => c.forward(p, randn(new Rng(0), [3, 3]), randn(new Rng(0), [3, 2])), ShapeError);
});
