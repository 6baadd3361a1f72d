/** Sliced and exact W2: sorting in 1-D, translations (closed form), quantile matching, errors. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/index.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { slicedWasserstein2, unitDirections, w2sq1dSorted, wasserstein2 } from "../../src/metrics/index.js";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);
const sorted = (a: Float64Array) => Float64Array.from(a).sort();

/** 1-D W2 of equal-size sets by sorting both and matching in order. */
function w2SortEqual(a: Float64Array, b: Float64Array): number {
  const sa = sorted(a);
  const sb = sorted(b);
  let s = 0;
  for (let i = 0; i < sa.length; i++) s += (sa[i] - sb[i]) ** 2;
  return Math.sqrt(s / sa.length);
}

test("1-D: sliced W2 = exact W2 by sorting = exact W2 by assignment", () => {
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const a = rng.normals(150);
    const b = rng.normals(150).map((v) => 0.5 * v * v - 1);
    const bySort = w2SortEqual(a, b);
    close(slicedWasserstein2(a, b, 1, { projections: 5, seed }), bySort, 1e-12, "sliced");
    close(wasserstein2(a, b, 1), bySort, 1e-12, "assignment");
  }
});

test("1-D unequal sizes: quantile matching equals sorting the sets replicated to a common size", () => {
  for (const [na, nb, seed] of [[3, 5, 1], [7, 4, 2], [6, 9, 3], [1, 4, 4]]) {
    const rng = new Rng(seed);
    const a = rng.normals(na);
    const b = rng.normals(nb).map((v) => 2 * v + 1);
    // each a point repeated nb times and each b point na times: equal uniform masses of 1/(na·nb).
    const ra = new Float64Array(na * nb).map((_, k) => a[Math.floor(k / nb)]);
    const rb = new Float64Array(na * nb).map((_, k) => b[Math.floor(k / na)]);
    const expect = w2SortEqual(ra, rb);
    close(Math.sqrt(w2sq1dSorted(sorted(a), sorted(b))), expect, 1e-12, `${na}x${nb}`);
    close(slicedWasserstein2(a, b, 1), expect, 1e-12, `sliced ${na}x${nb}`);
  }
});

test("translation y = x + c: exact W2 = ‖c‖ and sliced W2 = sqrt(mean_θ (θ·c)²) with the same directions", () => {
  const rng = new Rng(5);
  const dim = 3;
  const n = 200;
  const x = rng.normals(n * dim);
  const c = [0.7, -1.2, 0.4];
  const y = x.map((v, k) => v + c[k % dim]);
  const norm = Math.hypot(...c);
  close(wasserstein2(x, y, dim), norm, 1e-12, "exact");
  const projections = 64;
  const seed = 9;
  const dirs = unitDirections(dim, projections, seed);
  let m = 0;
  for (let p = 0; p < projections; p++) {
    let dot = 0;
    let len = 0;
    for (let k = 0; k < dim; k++) {
      dot += dirs[p * dim + k] * c[k];
      len += dirs[p * dim + k] ** 2;
    }
    close(len, 1, 1e-14, "unit direction");
    m += (dot * dot) / projections;
  }
  close(slicedWasserstein2(x, y, dim, { projections, seed }), Math.sqrt(m), 1e-12, "sliced");
  // Many directions: mean cos² → 1/dim.
  close(slicedWasserstein2(x, y, dim, { projections: 4000, seed: 1 }), norm / Math.sqrt(dim), 0.03 * norm, "1/√dim");
});

test("exact W2: permuted copy gives 0; ≥ sliced W2; ≤ the identity matching; deterministic sliced per seed", () => {
  const rng = new Rng(8);
  const dim = 2;
  const n = 120;
  const x = rng.normals(n * dim);
  const perm = Array.from({ length: n }, (_, i) => i).reverse();
  const xp = new Float64Array(n * dim).map((_, k) => x[perm[Math.floor(k / dim)] * dim + (k % dim)]);
  assert.equal(wasserstein2(x, xp, dim), 0);
  const y = rng.normals(n * dim).map((v, k) => (k % 2 === 0 ? 2 * v : v + 1));
  const w = wasserstein2(x, y, dim);
  let ident = 0;
  for (let k = 0; k < n * dim; k++) ident += (x[k] - y[k]) ** 2;
  assert.ok(w <= Math.sqrt(ident / n));
  const sw = slicedWasserstein2(x, y, dim, { projections: 256, seed: 3 });
  assert.ok(sw <= w + 1e-12, `sliced ${sw} > exact ${w}`);
  assert.ok(sw > 0.2 * w, "sliced is not degenerate");
  assert.equal(slicedWasserstein2(x, y, dim, { seed: 4 }), slicedWasserstein2(x, y, dim, { seed: 4 }));
  assert.notEqual(slicedWasserstein2(x, y, dim, { seed: 4 }), slicedWasserstein2(x, y, dim, { seed: 5 }));
});

test("errors: unequal or oversized sets for exact W2 say to subsample; bad projections; bad dim", () => {
  assert.throws(() => wasserstein2(new Float64Array(6), new Float64Array(8), 2), (e: Error) =>
    e instanceof OptionError && /equal size/.test(e.message) && /subsample/.test(e.message));
  assert.throws(() => wasserstein2(new Float64Array(2001), new Float64Array(2001), 1), (e: Error) =>
    e instanceof OptionError && /2000/.test(e.message) && /subsample/.test(e.message));
  assert.throws(() => wasserstein2(new Float64Array(0), new Float64Array(0), 1), OptionError);
  assert.throws(() => slicedWasserstein2(Float64Array.of(1, 2), Float64Array.of(1), 1, { projections: 0 }), OptionError);
  assert.throws(() => slicedWasserstein2(Float64Array.of(1, 2, 3), Float64Array.of(1, 2), 2), ShapeError);
  assert.throws(() => slicedWasserstein2(Float64Array.of(1), Float64Array.of(1), 0), ShapeError);
  assert.throws(() => slicedWasserstein2(new Float64Array(0), Float64Array.of(1), 1), ShapeError);
});
