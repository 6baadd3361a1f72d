import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, toHostF64, type Array } from "../../src/engine/index.js";
import { made } from "../../src/nets/made.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { batchJacobians } from "../util/jacobian.js";
import { perturb, normals, shuffle } from "../util/perturb-params.js";

await initEngine();

for (const seed of [1, 2, 3]) {
  test(`MADE autoregressive property: ∂out_k/∂x_j = 0 iff order(j) ≥ order(k) (seed ${seed})`, () => {
    const rng = new Rng(seed);
    const D = 2 + rng.int(5);
    const P = 1 + rng.int(3);
    const ctxDim = seed === 2 ? 0 : 1 + rng.int(3);
    const order = seed === 1 ? undefined : shuffle(rng, D);
    const hidden = globalThis.Array.from({ length: 1 + rng.int(2) }, () => D + rng.int(8));
    const net = made({ inDim: D, hidden, outPerDim: P, activation: "tanh", order, ctxDim });
    const params = perturb(net.init(rng, np.float64), rng, 0.5);
    const ord = net.order;
    const B = 3;
    const x = normals(rng, [B, D]);
    const ctx = ctxDim > 0 ? normals(rng, [B, ctxDim]) : undefined;
    let nonzero = 0;
    for (let j = 0; j < P; j++) {
      const f = (v: Array) => np.split(net.apply(params, v, ctx?.ref), [j, j + 1], -1)[1]!.reshape([B, D]);
      for (const J of batchJacobians(f, x)) {
        for (let k = 0; k < D; k++)
          for (let i = 0; i < D; i++) {
            const v = J[k * D + i]!;
            if (ord[i]! >= ord[k]!) assert.equal(v, 0, `∂out[${k}][${j}]/∂x[${i}] = ${v} with order ${ord}`);
            else if (v !== 0) nonzero++;
          }
      }
    }
    // The allowed entries are actually used (a fully masked-out network would pass the zero check trivially).
    const allowed = (D * (D - 1)) / 2;
    assert.ok(nonzero >= allowed * P * B * 0.9, `only ${nonzero} nonzero allowed entries`);
  });
}

test("MADE: context reaches every output, even the first in the order; zero output layer gives zeros", () => {
  const rng = new Rng(7);
  const D = 3;
  const net = made({ inDim: D, hidden: [8], outPerDim: 2, activation: "relu", order: [2, 0, 1], ctxDim: 2 });
  const p0 = net.init(rng, np.float64);
  const z = toHostF64(net.apply(p0, normals(rng, [4, D]), normals(rng, [4, 2])));
  assert.ok(z.every((v) => v === 0));
  const params = perturb(p0, rng, 0.5);
  const x = normals(rng, [1, D]);
  const a = toHostF64(net.apply(params, x.ref, np.array([[0, 0]], { dtype: np.float64 })));
  const b = toHostF64(net.apply(params, x, np.array([[1, -1]], { dtype: np.float64 })));
  for (let i = 0; i < a.length; i++) assert.notEqual(a[i], b[i], `output ${i} ignores the context`);
});

test("MADE: rejects a bad order and wrong input shapes", () => {
  assert.throws(() => made({ inDim: 3, hidden: [4], outPerDim: 2, activation: "relu", order: [0, 0, 1] }), OptionError);
  const net = made({ inDim: 3, hidden: [4], outPerDim: 2, activation: "relu" });
  const p = net.init(new Rng(0), np.float64);
  assert.throws(() => net.apply(p, np.zeros([2, 4], { dtype: np.float64 })), ShapeError);
  assert.throws(() => net.apply(p, np.zeros([2, 3], { dtype: np.float64 }), np.zeros([2, 1], { dtype: np.float64 })), ShapeError);
});
