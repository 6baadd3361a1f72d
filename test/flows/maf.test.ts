import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, jit, Rng, toHostF64, type Array } from "../../src/engine/index.js";
import { maf, iaf } from "../../src/flows/maf.js";
import { batchJacobians } from "../util/jacobian.js";
import { perturb, normals, checkBijector, maxAbsDiff, shuffle } from "../util/perturb-params.js";

await initEngine();

for (const seed of [1, 2]) {
  test(`MAF (seed ${seed}): round trip, logDet vs autodiff both ways, Jacobian triangular in the order`, () => {
    const rng = new Rng(seed);
    const D = 2 + rng.int(3);
    const ctxDim = seed === 2 ? 2 : 0;
    const order = shuffle(rng, D);
    const bij = maf({ dim: D, hidden: [D + 4, D + 4], activation: "relu", order, ctxDim });
    const params = perturb(bij.init(rng, np.float64), rng, 0.6);
    const B = 2 + rng.int(3);
    const x = normals(rng, [B, D], 1.5);
    const ctx = ctxDim > 0 ? normals(rng, [B, ctxDim]) : undefined;
    const y = checkBijector(bij, params, x, ctx);
    assert.ok(maxAbsDiff(y, toHostF64(x.ref)) > 1e-2, "the transform is not trivial");
    // ∂z_k/∂x_j = 0 when order(j) > order(k); the diagonal is exp(−α_k) ≠ 0.
    for (const J of batchJacobians(jit((v: Array) => bij.forward(params, v, ctx?.ref).y) as unknown as (v: Array) => Array, x)) {
      for (let k = 0; k < D; k++)
        for (let j = 0; j < D; j++) {
          if (order[j]! > order[k]!) assert.equal(J[k * D + j], 0, `∂z${k}/∂x${j} with order ${order}`);
          if (j === k) assert.ok(J[k * D + j]! > 0);
        }
    }
  });
}

test("MAF: the log-scale is soft-clamped (|α| < alphaBound), finite at |x| = 1e3", () => {
  const rng = new Rng(4);
  const D = 3;
  const bij = maf({ dim: D, hidden: [8], activation: "relu", alphaBound: 2 });
  const params = perturb(bij.init(rng, np.float64), rng, 5);
  const x = np.array([[1e3, -1e3, 1e3], [-1e3, 0, 1e3]], { dtype: np.float64 });
  const r = bij.forward(params, x, undefined);
  const ld = toHostF64(r.logDet);
  assert.ok(toHostF64(r.y).every(Number.isFinite));
  ld.forEach((v) => assert.ok(Math.abs(v) < 2 * D, `logDet ${v}`));
});

test("IAF: forward = MAF inverse, inverse = MAF forward, round trip and logDets", () => {
  const rng = new Rng(3);
  const D = 4;
  const cfg = { dim: D, hidden: [10], activation: "silu" as const, order: shuffle(rng, D) };
  const m = maf(cfg);
  const i = iaf(cfg);
  assert.equal(i.fast, "inverse");
  assert.equal(m.fast, "forward");
  const params = perturb(m.init(rng, np.float64), rng, 0.6);
  const x = normals(rng, [3, D]);
  const a = i.forward(params, x.ref);
  const b = m.inverse(params, x.ref);
  assert.deepEqual(toHostF64(a.y), toHostF64(b.x));
  assert.deepEqual(toHostF64(a.logDet), toHostF64(b.logDet));
  const c = i.inverse(params, x.ref);
  const d = m.forward(params, x.ref);
  assert.deepEqual(toHostF64(c.x), toHostF64(d.y));
  checkBijector(i, params, x);
});
