import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, toHostF64, grad, fromHost, type Array } from "../../src/engine/index.js";
import { SplineCoupling } from "../../src/flows/spline-coupling.js";
import { alternatingMask } from "../../src/flows/masks.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { perturb, normals, checkBijector } from "../util/perturb-params.js";

await initEngine();

test("spline coupling: round trip, logDets vs autodiff, kept coordinates unchanged (vector, with context)", () => {
  const rng = new Rng(21);
  const D = 3 + rng.int(3);
  const mask = alternatingMask(D, 1);
  const bij = new SplineCoupling([D], { hidden: [12], activation: "relu", mask, ctxDim: 2, bins: 5, bound: 2.5 });
  const params = perturb(bij.init(rng, np.float64), rng, 0.5);
  const x = normals(rng, [3, D], 1.5);
  const ctx = normals(rng, [3, 2]);
  const y = checkBijector(bij, params, x, ctx);
  const xs = toHostF64(x);
  let moved = 0;
  for (let i = 0; i < xs.length; i++) {
    if (mask[i % D] === 1) assert.equal(y[i], xs[i]);
    else if (Math.abs(y[i]! - xs[i]!) > 1e-3) moved++;
  }
  assert.ok(moved > 0, "the transformed half moved");
});

test("spline coupling on an image event [B, H, W, C], default half mask; zero init is the identity", () => {
  const rng = new Rng(22);
  const ev = [2, 2, 2];
  const bij = new SplineCoupling(ev, { hidden: [8], bins: 4 });
  const p0 = bij.init(rng, np.float64);
  const x = normals(rng, [2, ...ev]);
  const id = bij.forward(p0, x.ref);
  assert.deepEqual(globalThis.Array.from(toHostF64(id.y)).map((v) => +v.toFixed(12)), globalThis.Array.from(toHostF64(x.ref)).map((v) => +v.toFixed(12)));
  assert.ok(toHostF64(id.logDet).every((v) => Math.abs(v) < 1e-12));
  checkBijector(bij, perturb(p0, rng, 0.5), x);
});

test("spline coupling: finite values and parameter gradients at |x| = 1e3 and on the bounds", () => {
  const rng = new Rng(23);
  const bij = new SplineCoupling([2], { hidden: [6], activation: "tanh", mask: [1, 0], bins: 3, bound: 3 });
  const params = perturb(bij.init(rng, np.float64), rng, 1);
  const x = fromHost(Float64Array.from([1e3, 1e3, -1e3, -3, 0.5, 3, -2, -1e3]), [4, 2], np.float64);
  for (const dir of ["forward", "inverse"] as const) {
    const loss = (p: typeof params) => {
      const r = dir === "forward" ? bij.forward(p, x.ref) : bij.inverse(p, x.ref);
      const out = "y" in r ? r.y : r.x;
      return out.sum().add(r.logDet.sum());
    };
    const g = grad(loss)(params) as typeof params;
    for (const l of g.net.layers) assert.ok([...toHostF64(l.w), ...toHostF64(l.b)].every(Number.isFinite), dir);
  }
});

test("spline coupling: rejects bad masks and shapes", () => {
  assert.throws(() => new SplineCoupling([3], { mask: [1, 1, 1] }), OptionError);
  assert.throws(() => new SplineCoupling([3], { mask: [1, 0] }), OptionError);
  const bij = new SplineCoupling([3], { hidden: [4] });
  const p = bij.init(new Rng(0), np.float64);
  assert.throws(() => bij.forward(p, np.zeros([2, 4], { dtype: np.float64 })), ShapeError);
  assert.throws(() => bij.forward(p, np.zeros([2, 3], { dtype: np.float64 }), np.zeros([2, 1], { dtype: np.float64 })), ShapeError);
});
