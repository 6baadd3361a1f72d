import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/index.js";
import { exactOt, exactOtPairing, getPairing, pairingNames, independent } from "../../src/pairing/index.js";
import { OptionError, ShapeError } from "../../src/errors.js";

function* permutations(n: number): Generator<number[]> {
  const p = [...globalThis.Array(n).keys()];
  const c = new globalThis.Array(n).fill(0);
  yield p.slice();
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 ? c[i] : 0;
      [p[k], p[i]] = [p[i], p[k]];
      yield p.slice();
      c[i]++;
      i = 0;
    } else c[i++] = 0;
  }
}

const sq = (a: Float64Array, i: number, b: Float64Array, j: number, d: number) => {
  let s = 0;
  for (let k = 0; k < d; k++) s += (a[i * d + k] - b[j * d + k]) ** 2;
  return s;
};

function bruteForce(x0: Float64Array, x1: Float64Array, n: number, d: number): number {
  let best = Infinity;
  for (const p of permutations(n)) {
    let c = 0;
    for (let i = 0; i < n; i++) c += sq(x0, i, x1, p[i], d);
    best = Math.min(best, c);
  }
  return best;
}

test("the brute-force enumerator yields all n! distinct permutations", () => {
  const all = [...permutations(5)].map((p) => p.join(","));
  assert.equal(new Set(all).size, 120);
  assert.equal(all.length, 120);
});

test("exact OT: cost equals brute force over all permutations (n ≤ 8), output is a permutation of x1", () => {
  const rng = new Rng(42);
  for (let trial = 0; trial < 24; trial++) {
    const n = 1 + (trial % 8), d = 1 + (trial % 3);
    const x0 = rng.normals(n * d), x1 = rng.normals(n * d).map((v) => 2 * v + 1);
    // Duplicated rows (ties) in some trials.
    if (trial % 5 === 4 && n > 1) x1.copyWithin(0, d, 2 * d);
    const { perm, cost } = exactOtPairing(x0, x1, d);
    const brute = bruteForce(x0, x1, n, d);
    assert.ok(Math.abs(cost - brute) <= 1e-12 * Math.max(1, brute), `n=${n} d=${d}: ${cost} vs brute ${brute}`);
    assert.deepEqual([...perm].sort((a, b) => a - b), [...globalThis.Array(n).keys()], "perm is a permutation");

    const out = exactOt.pair(x0, x1, d, rng);
    assert.deepEqual(out.x0, x0, "x0 rows kept in place, each once");
    let c = 0;
    const used = new Set<number>();
    for (let i = 0; i < n; i++) {
      c += sq(out.x0, i, out.x1, i, d);
      const j = perm[i];
      used.add(j);
      assert.deepEqual(out.x1.subarray(i * d, i * d + d), x1.subarray(j * d, j * d + d));
    }
    assert.equal(used.size, n, "each x1 used exactly once");
    assert.ok(Math.abs(c - brute) <= 1e-12 * Math.max(1, brute));
  }
});

test("exact OT never does worse than the identity pairing and leaves inputs untouched", () => {
  const rng = new Rng(5);
  const n = 64, d = 2;
  const x0 = rng.normals(n * d), x1 = rng.normals(n * d);
  const copy0 = x0.slice(), copy1 = x1.slice();
  const { cost } = exactOtPairing(x0, x1, d);
  let id = 0;
  for (let i = 0; i < n; i++) id += sq(x0, i, x1, i, d);
  assert.ok(cost <= id);
  exactOt.pair(x0, x1, d, rng);
  assert.deepEqual(x0, copy0);
  assert.deepEqual(x1, copy1);
});

test("registry: names, independent passes through, bad input errors", () => {
  assert.deepEqual(pairingNames(), ["independent", "ot", "sinkhorn", "sb"]);
  for (const name of pairingNames()) assert.equal(getPairing(name).name, name);
  assert.throws(() => getPairing("emd"), (e: Error) => e instanceof OptionError && /independent, ot, sinkhorn, sb/.test(e.message));
  const x0 = new Float64Array([1, 2, 3, 4]), x1 = new Float64Array([5, 6, 7, 8]);
  const p = independent.pair(x0, x1, 2, new Rng(0));
  assert.equal(p.x0, x0);
  assert.equal(p.x1, x1);
  assert.throws(() => exactOt.pair(x0, new Float64Array(6), 2, new Rng(0)), ShapeError);
  assert.throws(() => exactOt.pair(x0, x1, 3, new Rng(0)), ShapeError);
});
