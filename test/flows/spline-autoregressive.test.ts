import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, jit, Rng, toHostF64, grad, fromHost, type Array } from "../../src/engine/index.js";
import { splineAutoregressive } from "../../src/flows/spline-autoregressive.js";
import { batchJacobians } from "../util/jacobian.js";
import { perturb, normals, checkBijector, maxAbsDiff } from "../util/perturb-params.js";

await initEngine();

test("autoregressive spline: round trip (D passes), logDets vs autodiff, Jacobian triangular in the order", () => {
  const rng = new Rng(31);
  const D = 3;
  const order = [1, 2, 0];
  const bij = splineAutoregressive({ dim: D, hidden: [8], activation: "relu", order, bins: 4, bound: 2, ctxDim: 1 });
  assert.equal(bij.fast, "forward");
  const params = perturb(bij.init(rng, np.float64), rng, 0.7);
  const x = normals(rng, [3, D], 1.5);
  const ctx = normals(rng, [3, 1]);
  const y = checkBijector(bij, params, x, ctx);
  assert.ok(maxAbsDiff(y, toHostF64(x.ref)) > 1e-2, "non-trivial");
  const f = jit((v: Array) => bij.forward(params, v, ctx.ref).y) as unknown as (v: Array) => Array;
  for (const J of batchJacobians(f, x))
    for (let k = 0; k < D; k++)
      for (let j = 0; j < D; j++) if (order[j]! > order[k]!) assert.equal(J[k * D + j], 0, `∂z${k}/∂x${j}`);
});

test("autoregressive spline: zero init is the identity; finite gradients at |x| = 1e3 and on the bounds", () => {
  const rng = new Rng(32);
  const bij = splineAutoregressive({ dim: 2, hidden: [6], bins: 3, bound: 3 });
  const p0 = bij.init(rng, np.float64);
  const x = fromHost(Float64Array.from([1e3, -3, 3, -1e3, 0.25, 2.9]), [3, 2], np.float64);
  const id = bij.forward(p0, x.ref);
  assert.ok(maxAbsDiff(toHostF64(id.y), toHostF64(x.ref)) < 1e-12);
  const params = perturb(p0, rng, 1);
  const g = grad((p: typeof params) => {
    const r = bij.forward(p, x.ref);
    return r.y.sum().add(r.logDet.sum());
  })(params) as typeof params;
  for (const l of g.layers) assert.ok([...toHostF64(l.w), ...toHostF64(l.b)].every(Number.isFinite));
  const inv = bij.inverse(params, x.ref);
  assert.ok([...toHostF64(inv.x), ...toHostF64(inv.logDet)].every(Number.isFinite));
});
