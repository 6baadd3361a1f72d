import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, grad, Rng, fromHost, toHostF64, type Array } from "../../src/engine/index.js";
import { rqSpline, splitSplineParams } from "../../src/flows/spline.js";
import { ShapeError } from "../../src/errors.js";
import { maxAbsDiff } from "../util/perturb-params.js";

await initEngine();

const f64 = (data: number[] | Float64Array, shape: number[]) => fromHost(Float64Array.from(data), shape, np.float64);
/** Random raw parameters [...S, 3K−1] with entries of scale `s`. */
function rawParams(rng: Rng, S: number[], K: number, s = 1.5): Array {
  const n = S.reduce((a, b) => a * b, 1) * (3 * K - 1);
  return f64(rng.normals(n).map((v) => v * s), [...S, 3 * K - 1]);
}
function spline(x: Array, raw: Array, K: number, opts: { bound?: number; inverse?: boolean } = {}) {
  const [w, h, d] = splitSplineParams(raw, K);
  return rqSpline(x, w, h, d, opts);
}

test("spline: round trip, inverse logDet = −forward, logDet = log of the autodiff derivative (random shapes)", () => {
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const S = globalThis.Array.from({ length: 1 + rng.int(3) }, () => 1 + rng.int(4));
    const K = 1 + rng.int(9);
    const B = 1 + rng.uniform() * 4;
    const n = S.reduce((a, b) => a * b, 1);
    const raw = rawParams(rng, S, K);
    const xs = rng.normals(n).map((v) => v * B * 1.2); // some inside, some in the tails
    const x = f64(xs, S);
    const fwd = spline(x.ref, raw.ref, K, { bound: B });
    const ld = toHostF64(fwd.logDet);
    const inv = spline(fwd.out, raw.ref, K, { bound: B, inverse: true });
    assert.ok(maxAbsDiff(toHostF64(inv.out), xs) < 1e-10, `seed ${seed}: round trip`);
    assert.ok(maxAbsDiff(toHostF64(inv.logDet), ld.map((v) => -v)) < 1e-12, `seed ${seed}: inverse logDet`);
    // Elementwise map: d(Σ out)/dx is the vector of derivatives.
    const g = toHostF64(grad((v: Array) => spline(v, raw.ref, K, { bound: B }).out.sum())(x));
    assert.ok(maxAbsDiff(g.map(Math.log), ld) < 1e-8, `seed ${seed}: logDet vs autodiff`);
    assert.ok(ld.some((v) => Math.abs(v) > 1e-3), "non-trivial spline");
  }
});

test("spline: monotone, identity in the tails, zero parameters give the identity", () => {
  const rng = new Rng(11);
  const K = 6, B = 2.5, n = 801;
  const raw = rawParams(rng, [1], K, 2);
  const grid = Float64Array.from({ length: n }, (_, i) => -4 + (8 * i) / (n - 1));
  const rawN = np.broadcastTo(raw.ref, [n, 3 * K - 1]);
  const y = toHostF64(spline(f64(grid, [n]), rawN.ref, K, { bound: B }).out);
  for (let i = 1; i < n; i++) assert.ok(y[i]! > y[i - 1]!, `not increasing at ${grid[i]}`);
  grid.forEach((x, i) => {
    if (Math.abs(x) > B) assert.equal(y[i], x, `tail at ${x}`);
  });
  // Identity with zero parameters.
  const z = toHostF64(spline(f64(grid, [n]), np.zeros([n, 3 * K - 1], { dtype: np.float64 }), K, { bound: B }).out);
  assert.ok(maxAbsDiff(z, grid) < 1e-12);
});

test("spline: continuous at the knots (one-sided limits agree)", () => {
  const rng = new Rng(5);
  const K = 5, B = 3;
  const raw = rawParams(rng, [1], K, 2);
  // Knot x-positions from the same recipe as the module: cumulative softmax widths with the minimum width.
  const w = toHostF64(splitSplineParams(raw.ref, K)[0]);
  const m = Math.max(...w);
  const e = globalThis.Array.from(w, (v) => Math.exp(v - m));
  const sum = e.reduce((a, b) => a + b, 0);
  let c = -B;
  const knots: number[] = [];
  for (let k = 0; k < K - 1; k++) {
    c += 2 * B * (1e-3 + (1 - 1e-3 * K) * (e[k]! / sum));
    knots.push(c);
  }
  const eps = 1e-9;
  const pts = knots.flatMap((k) => [k - eps, k, k + eps]);
  const out = toHostF64(spline(f64(pts, [pts.length]), np.broadcastTo(raw, [pts.length, 3 * K - 1]), K, { bound: B }).out);
  for (let i = 0; i < knots.length; i++) {
    const [a, b, d] = [out[3 * i]!, out[3 * i + 1]!, out[3 * i + 2]!];
    assert.ok(Math.abs(b - a) < 1e-6 && Math.abs(d - b) < 1e-6, `jump at knot ${knots[i]}: ${a} ${b} ${d}`);
  }
});

test("spline: finite values and gradients at ±1e3, exactly ±B, and exactly at the knots, both directions", () => {
  const rng = new Rng(9);
  const K = 4, B = 3;
  const raw1 = rawParams(rng, [1], K, 3);
  const zeros = np.zeros([1, 3 * K - 1], { dtype: np.float64 });
  // With zero parameters the knots are exactly the uniform grid −3, −1.5, 0, 1.5, 3.
  const pts = [-1e3, -B, -1.5, 0, 1.5, B, 1e3, 2.9999999999];
  for (const inverse of [false, true]) {
    for (const raw of [raw1, zeros]) {
      const n = pts.length;
      const rawN = np.broadcastTo(raw.ref, [n, 3 * K - 1]);
      const loss = (x: Array, r: Array) => {
        const s = spline(x, r, K, { bound: B, inverse });
        return s.out.sum().add(s.logDet.sum());
      };
      const r = spline(f64(pts, [n]), rawN.ref, K, { bound: B, inverse });
      const vals = [...toHostF64(r.out), ...toHostF64(r.logDet)];
      assert.ok(vals.every(Number.isFinite), `values ${vals}`);
      const [gx, gp] = grad(loss, { argnums: [0, 1] } as never)(f64(pts, [n]), rawN) as unknown as [Array, Array];
      const gs = [...toHostF64(gx), ...toHostF64(gp)];
      assert.ok(gs.every(Number.isFinite), `gradients ${gs}`);
    }
  }
});

test("spline: rejects parameter shapes that do not match the input", () => {
  const x = np.zeros([2, 3], { dtype: np.float64 });
  assert.throws(
    () => rqSpline(x, np.zeros([2, 3, 4], { dtype: np.float64 }), np.zeros([2, 3, 4], { dtype: np.float64 }), np.zeros([2, 3, 4], { dtype: np.float64 })),
    ShapeError,
  );
});
