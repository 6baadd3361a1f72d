import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64, fromHost } from "../../src/engine/index.js";
import {
  Chain,
  AffineCoupling,
  AdditiveCoupling,
  ActNorm,
  LULinear,
  Permute,
  Radial,
  StandardNormal,
  DiagonalNormal,
  halfMask,
  weakestFast,
  type Params,
} from "../../src/flows/index.js";
import { OptionError } from "../../src/errors.js";
import { checkBijector, perturb, randn, F64 } from "./check.js";

await initEngine();

test("Chain: round trip, logDet = Σ layer logDets = autodiff, ctx reaches the couplings, extremes", () => {
  const rng = new Rng(21);
  const D = 4;
  const layers = [
    new ActNorm([D]),
    new AffineCoupling([D], { hidden: [6], activation: "relu", mask: halfMask(D), ctxDim: 2 }),
    Permute.reverse([D]),
    new LULinear([D], { seed: 3 }),
    new AdditiveCoupling([D], { hidden: [6], activation: "relu", mask: halfMask(D, 1), ctxDim: 2 }),
  ];
  const chain = new Chain(layers);
  assert.equal(chain.fast, "both");
  const p = perturb(chain.init(rng, F64), rng, 0.5) as Params[];
  const x = randn(rng, [3, D]);
  const ctx = randn(rng, [3, 2]);
  const ld = checkBijector(chain, p, x, ctx);
  // Sum of the layers' logDets along the way.
  let h = x.ref;
  const sum = new Float64Array(3);
  layers.forEach((l, i) => {
    const r = l.forward(p[i]!, h, l instanceof ActNorm || l instanceof Permute || l instanceof LULinear ? undefined : ctx.ref);
    toHostF64(r.logDet).forEach((v, b) => (sum[b]! += v));
    h = r.y;
  });
  h.dispose();
  ld.forEach((v, b) => assert.ok(Math.abs(v - sum[b]!) < 1e-12));
});

test("Chain.dataInit initializes ActNorm on the batch as transformed by the layers before it", () => {
  const rng = new Rng(4);
  const chain = new Chain([new LULinear([3], { seed: 1 }), new ActNorm([3])]);
  const x = randn(rng, [32, 3], 4).add(2);
  const p = chain.dataInit(perturb(chain.init(rng, F64), rng, 0.3) as Params[], x.ref);
  const y = toHostF64(chain.forward(p, x).y);
  for (let c = 0; c < 3; c++) {
    const col = y.filter((_, i) => i % 3 === c);
    const m = col.reduce((s, v) => s + v, 0) / col.length;
    const v = col.reduce((s, u) => s + (u - m) ** 2, 0) / col.length;
    assert.ok(Math.abs(m) < 1e-12 && Math.abs(v - 1) < 1e-12, `feature ${c}: mean ${m}, var ${v}`);
  }
});

test("Chain: fast is the weakest layer's; mismatched event shapes throw", () => {
  assert.equal(new Chain([Permute.reverse([2]), new Radial([2])]).fast, "forward");
  assert.equal(weakestFast(["both", "inverse"]), "inverse");
  assert.equal(weakestFast(["forward", "inverse"]), "neither");
  assert.throws(() => new Chain([Permute.reverse([2]), Permute.reverse([3])]), OptionError);
  assert.throws(() => new Chain([]), OptionError);
});

const logN = (z: number, mu = 0, logS = 0) => -0.5 * ((z - mu) / Math.exp(logS)) ** 2 - logS - 0.5 * Math.log(2 * Math.PI);

test("base distributions: logProb matches the closed form; samples have the right shape and temperature", () => {
  const rng = new Rng(6);
  const shape = [2, 3];
  const z = randn(rng, [4, ...shape], 2);
  const zh = toHostF64(z.ref);
  const sn = new StandardNormal(shape);
  const lp = toHostF64(sn.logProb(sn.init(), z.ref));
  lp.forEach((v, b) => {
    const want = zh.slice(b * 6, b * 6 + 6).reduce((s, u) => s + logN(u), 0);
    assert.ok(Math.abs(v - want) < 1e-12);
  });
  const dn = new DiagonalNormal(shape);
  const p = perturb(dn.init(rng, F64), rng, 0.7);
  const [mu, ls] = [toHostF64(p.loc.ref), toHostF64(p.logScale.ref)];
  toHostF64(dn.logProb(p, z)).forEach((v, b) => {
    const want = zh.slice(b * 6, b * 6 + 6).reduce((s, u, i) => s + logN(u, mu[i]!, ls[i]!), 0);
    assert.ok(Math.abs(v - want) < 1e-12);
  });
  // Sampling: temperature 0 gives the mean; same rng state gives the same draw; large-n moments.
  const s0 = toHostF64(dn.sample(p, 2, new Rng(1), F64, 0));
  s0.forEach((v, i) => assert.equal(v, mu[i % 6]));
  const big = toHostF64(sn.sample({}, 4000, new Rng(2), F64, 0.5));
  const sd = Math.sqrt(big.reduce((s, v) => s + v * v, 0) / big.length);
  assert.ok(Math.abs(sd - 0.5) < 0.02, `sd ${sd}`);
  assert.deepEqual(sn.sample({}, 3, new Rng(9), F64).shape, [3, 2, 3]);
  assert.throws(() => sn.sample({}, 1, rng, F64, -1), OptionError);
  const x = fromHost(Float64Array.from([0, 0]), [1, 2], F64);
  assert.throws(() => sn.logProb({}, x));
});
