/** Exact assignment: brute force over all permutations, LP duality certificates, and a large run. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { solveAssignment } from "../../src/pairing/assignment.js";
import { Rng } from "../../src/engine/index.js";
import { DataError, ShapeError } from "../../src/errors.js";

/** Minimum over all n! permutations (Heap's algorithm). */
function bruteForce(cost: Float64Array, n: number): number {
  const p = Array.from({ length: n }, (_, i) => i);
  const c = new Array<number>(n).fill(0);
  const total = () => p.reduce((s, j, i) => s + cost[i * n + j], 0);
  let best = total();
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 === 0 ? 0 : c[i];
      [p[k], p[i]] = [p[i], p[k]];
      best = Math.min(best, total());
      c[i]++;
      i = 0;
    } else {
      c[i] = 0;
      i++;
    }
  }
  return best;
}

function assertPermutation(perm: Int32Array, n: number): void {
  assert.equal(perm.length, n);
  const seen = new Uint8Array(n);
  for (const j of perm) {
    assert.ok(j >= 0 && j < n, `column ${j} out of range`);
    assert.equal(seen[j], 0, `column ${j} used twice`);
    seen[j] = 1;
  }
}

/** u_i + v_j ≤ c_ij everywhere, equality on the matching, and Σu + Σv = cost (strong duality ⇒ optimal). */
function assertDualCertificate(cost: Float64Array, n: number, r: ReturnType<typeof solveAssignment>, tol: number) {
  let dual = 0;
  for (let i = 0; i < n; i++) dual += r.u[i] + r.v[i];
  assert.ok(Math.abs(dual - r.cost) <= tol * Math.max(1, Math.abs(r.cost)), `duality gap ${dual} vs ${r.cost}`);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const red = cost[i * n + j] - r.u[i] - r.v[j];
      assert.ok(red >= -tol, `reduced cost ${red} at (${i}, ${j})`);
      if (r.perm[i] === j) assert.ok(Math.abs(red) <= tol, `matched reduced cost ${red} at (${i}, ${j})`);
    }
  }
}

test("matches brute force over all permutations for n ≤ 7 (real, integer-with-ties and negative costs)", () => {
  for (let n = 1; n <= 7; n++) {
    const seeds = n <= 5 ? 60 : n === 6 ? 25 : 8;
    for (let seed = 0; seed < seeds; seed++) {
      const rng = new Rng(1000 * n + seed);
      const kind = seed % 3;
      const cost = new Float64Array(n * n);
      for (let k = 0; k < n * n; k++) {
        cost[k] = kind === 0 ? rng.uniform() : kind === 1 ? rng.int(4) : 10 * rng.normal();
      }
      const r = solveAssignment(cost, n);
      assertPermutation(r.perm, n);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += cost[i * n + r.perm[i]];
      assert.equal(r.cost, sum, "reported cost is the matched sum");
      const best = bruteForce(cost, n);
      assert.ok(Math.abs(r.cost - best) <= 1e-9 * Math.max(1, Math.abs(best)), `n=${n} seed=${seed}: ${r.cost} vs ${best}`);
      assertDualCertificate(cost, n, r, 1e-9);
    }
  }
});

test("n = 50: duality certificate holds and the cost beats greedy and random permutations", () => {
  const n = 50;
  for (let seed = 0; seed < 5; seed++) {
    const rng = new Rng(seed);
    const cost = new Float64Array(n * n);
    for (let k = 0; k < n * n; k++) cost[k] = rng.uniform() * 10;
    const r = solveAssignment(cost, n);
    assertPermutation(r.perm, n);
    assertDualCertificate(cost, n, r, 1e-9);
    // Greedy: each row takes its cheapest free column.
    const used = new Uint8Array(n);
    let greedy = 0;
    for (let i = 0; i < n; i++) {
      let bj = -1;
      for (let j = 0; j < n; j++) if (!used[j] && (bj < 0 || cost[i * n + j] < cost[i * n + bj])) bj = j;
      used[bj] = 1;
      greedy += cost[i * n + bj];
    }
    assert.ok(r.cost <= greedy + 1e-12, `optimal ${r.cost} > greedy ${greedy}`);
    for (let t = 0; t < 200; t++) {
      const p = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const k = rng.int(i + 1);
        [p[i], p[k]] = [p[k], p[i]];
      }
      const c = p.reduce((s, j, i) => s + cost[i * n + j], 0);
      assert.ok(r.cost <= c + 1e-12);
    }
  }
});

test("identity is optimal for a matrix with a zero diagonal and positive off-diagonal costs; ties are deterministic", () => {
  const n = 30;
  const rng = new Rng(7);
  const cost = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cost[i * n + j] = i === j ? 0 : 0.1 + rng.uniform();
  const r = solveAssignment(cost, n);
  assert.deepEqual(Array.from(r.perm), Array.from({ length: n }, (_, i) => i));
  assert.equal(r.cost, 0);
  const flat = new Float64Array(n * n).fill(3);
  const a = solveAssignment(flat, n);
  const b = solveAssignment(flat, n);
  assertPermutation(a.perm, n);
  assert.deepEqual(a.perm, b.perm);
  assert.equal(a.cost, 3 * n);
});

test("n = 2000 squared-Euclidean costs: returns a permutation with a valid duality certificate", () => {
  const n = 2000;
  const rng = new Rng(42);
  const a = rng.normals(2 * n);
  const b = rng.normals(2 * n);
  const cost = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) cost[i * n + j] = (a[2 * i] - b[2 * j]) ** 2 + (a[2 * i + 1] - b[2 * j + 1]) ** 2;
  }
  const r = solveAssignment(cost, n);
  assertPermutation(r.perm, n);
  assertDualCertificate(cost, n, r, 1e-8);
});

test("edge cases and errors: n = 0, n = 1, wrong length, non-finite cost", () => {
  const z = solveAssignment(new Float64Array(0), 0);
  assert.equal(z.perm.length, 0);
  assert.equal(z.cost, 0);
  const one = solveAssignment(Float64Array.of(-2.5), 1);
  assert.deepEqual(Array.from(one.perm), [0]);
  assert.equal(one.cost, -2.5);
  assert.throws(() => solveAssignment(new Float64Array(5), 2), ShapeError);
  assert.throws(() => solveAssignment(new Float64Array(4), 1.5), ShapeError);
  assert.throws(() => solveAssignment(Float64Array.of(0, 1, NaN, 2), 2), DataError);
  assert.throws(() => solveAssignment(Float64Array.of(0, Infinity, 1, 2), 2), /finite/);
});
