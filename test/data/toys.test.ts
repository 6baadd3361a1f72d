/** Every toy: shape, determinism per seed, finiteness, registry behaviour, and a closed-form moment per shape. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng.js";
import { DataError } from "../../src/errors.js";
import { getToy, isToyName, toyNames, type ToyDistribution } from "../../src/data/index.js";

const FFJORD_NAMES = ["8gaussians", "checkerboard", "moons", "circles", "2spirals", "pinwheel", "swissroll", "rings"];

function mean2(x: Float64Array): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < x.length; i += 2) {
    a += x[i];
    b += x[i + 1];
  }
  return [(2 * a) / x.length, (2 * b) / x.length];
}

function radii(x: Float64Array): number[] {
  const r: number[] = [];
  for (let i = 0; i < x.length; i += 2) r.push(Math.hypot(x[i], x[i + 1]));
  return r;
}

test("registry lists the FFJORD toys plus gaussian and rejects unknown names", () => {
  for (const n of FFJORD_NAMES) assert.ok(toyNames.includes(n), n);
  assert.ok(toyNames.includes("gaussian"));
  assert.ok(isToyName("moons"));
  assert.ok(!isToyName("Moons"));
  assert.throws(
    () => getToy("spirals"),
    (e: unknown) => e instanceof DataError && /"spirals"/.test(e.message) && FFJORD_NAMES.every((n) => e.message.includes(n)),
  );
  for (const n of toyNames) assert.equal(getToy(n).name, n);
});

for (const name of toyNames) {
  test(`${name}: shape, finiteness, determinism per seed`, () => {
    const toy: ToyDistribution = getToy(name);
    assert.equal(toy.dim, 2);
    assert.ok(toy.description.length > 10);
    for (const n of [0, 1, 7, 1000]) {
      const x = toy.sample(n, new Rng(3));
      assert.ok(x instanceof Float64Array);
      assert.equal(x.length, 2 * n, `n=${n}`);
      assert.ok(x.every(Number.isFinite));
    }
    const a = toy.sample(500, new Rng(42));
    const b = toy.sample(500, new Rng(42));
    const c = toy.sample(500, new Rng(43));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.throws(() => toy.sample(-1, new Rng(0)));
    assert.throws(() => toy.sample(2.5, new Rng(0)));
    if (toy.logProb) {
      const lp = toy.logProb(a);
      assert.equal(lp.length, 500);
      assert.ok(lp.every((v) => Number.isFinite(v)), "samples lie in the support");
      assert.throws(() => toy.logProb!(new Float64Array(3)));
    }
  });
}

test("moons: sample mean matches the closed form (0, 0.3)", () => {
  // Outer arc mean (0, 2/π), inner (1, 0.5 − 2/π) → (0.5, 0.25), then ·2 + (−1, −0.2).
  const [mx, my] = mean2(getToy("moons").sample(20000, new Rng(1)));
  assert.ok(Math.abs(mx) < 0.02 && Math.abs(my - 0.3) < 0.02, `${mx}, ${my}`);
});

test("circles: half the points near radius 3, half near 1.5", () => {
  const r = radii(getToy("circles").sample(4000, new Rng(2)));
  const outer = r.filter((v) => v > 2.25);
  const inner = r.filter((v) => v <= 2.25);
  assert.ok(Math.abs(outer.length - 2000) <= 8, `${outer.length}`); // noise 0.24 crosses 2.25 rarely
  const mo = outer.reduce((s, v) => s + v, 0) / outer.length;
  const mi = inner.reduce((s, v) => s + v, 0) / inner.length;
  assert.ok(Math.abs(mo - 3) < 0.03 && Math.abs(mi - 1.5) < 0.03, `${mo}, ${mi}`);
});

test("rings: a quarter of the points on each of radii 3, 2.25, 1.5, 0.75", () => {
  const r = radii(getToy("rings").sample(4000, new Rng(3)));
  for (const R of [3, 2.25, 1.5, 0.75]) {
    const near = r.filter((v) => Math.abs(v - R) < 0.375).length;
    assert.ok(Math.abs(near - 1000) <= 2, `radius ${R}: ${near}`);
  }
});

test("swissroll: sample mean matches E[t cos t, t sin t]/5 = (0.4, 2/(15π))", () => {
  const [mx, my] = mean2(getToy("swissroll").sample(20000, new Rng(4)));
  assert.ok(Math.abs(mx - 0.4) < 0.06 && Math.abs(my - 2 / (15 * Math.PI)) < 0.06, `${mx}, ${my}`);
});

test("2spirals: arms are point reflections (mean ≈ 0), radius ≤ π + noise", () => {
  const x = getToy("2spirals").sample(20000, new Rng(5));
  const [mx, my] = mean2(x);
  assert.ok(Math.abs(mx) < 0.005 && Math.abs(my) < 0.005, `${mx}, ${my}`);
  assert.ok(Math.max(...radii(x)) < Math.PI + 0.3 + 0.6);
});

test("pinwheel: radial coordinate ≈ 2·N(1, 0.3²) mean in radius", () => {
  // |x| = 2·sqrt(r² + s²); E ≈ 2·E|r| ≈ 2 (r ~ N(1, 0.09), s tiny).
  const r = radii(getToy("pinwheel").sample(20000, new Rng(6)));
  const m = r.reduce((s, v) => s + v, 0) / r.length;
  assert.ok(Math.abs(m - 2.01) < 0.02, `${m}`);
});
