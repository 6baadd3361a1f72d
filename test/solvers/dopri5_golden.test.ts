/**
 * dopri5 against the shared golden solution (SciPy DOP853 at 1e-12) of a fixed tanh-MLP velocity field, float64:
 * forwards 0 -> 1 at the golden output times, and backwards from the golden x(1) to recover x0.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { initEngine, np, type Array as JArray } from "../../src/engine/index.js";
import { odeint, type OdeFunc } from "../../src/solvers/index.js";

await initEngine();

interface Golden {
  dim: number;
  W: number[][][];
  b: number[][];
  forward: { x0: number[][]; t: number[]; x_t: number[][][] };
}
const golden = JSON.parse(
  readFileSync(new URL("../fixtures/golden_mlp_tanh.json", import.meta.url), "utf8"),
) as Golden;

const f64 = (rows: number[][]): JArray =>
  np.array(new Float64Array(rows.flat()), { dtype: np.float64 }).reshape([rows.length, rows[0]!.length]);

/** v(x, t) = tanh(tanh([x, t] W1 + b1) W2 + b2) W3 + b3, with [x, t] W1 split as x W1[:d] + t W1[d]. */
function mlpField(g: Golden): { f: OdeFunc; dispose: () => void } {
  const d = g.dim;
  const w1x = f64(g.W[0]!.slice(0, d));
  const w1t = f64([g.W[0]![d]!]);
  const [w2, w3] = [f64(g.W[1]!), f64(g.W[2]!)];
  const [b1, b2, b3] = g.b.map((b) => f64([b]));
  const f: OdeFunc = (t, x) => {
    const h1 = np.tanh(np.matmul(x, w1x.ref).add(w1t.ref.mul(t)).add(b1!.ref));
    const h2 = np.tanh(np.matmul(h1, w2.ref).add(b2!.ref));
    return np.matmul(h2, w3.ref).add(b3!.ref);
  };
  return { f, dispose: () => [w1x, w1t, w2, w3, b1!, b2!, b3!].forEach((a) => a.dispose()) };
}

function maxDiff(a: JArray, want: number[][]): number {
  const got = Array.from(a.dataSync() as Float64Array);
  const flat = want.flat();
  assert.equal(got.length, flat.length);
  return Math.max(...got.map((v, i) => Math.abs(v - flat[i]!)));
}

test("dopri5 (rtol = atol = 1e-8, float64) matches the golden forward solution at every output time", () => {
  const { f, dispose } = mlpField(golden);
  const { t, x_t, x0 } = golden.forward;
  const r = odeint(f, f64(x0), { method: "dopri5", times: t, rtol: 1e-8, atol: 1e-8, trajectory: true });
  assert.deepEqual(r.ts, t);
  assert.equal(r.trajectory!.length, t.length);
  assert.equal(r.x.dtype, np.float64);
  r.trajectory!.forEach((xt, i) => {
    const e = maxDiff(xt, x_t[i]!);
    assert.ok(e < 1e-6, `t = ${t[i]}: max |error| ${e}`);
  });
  assert.ok(maxDiff(r.x, x_t[x_t.length - 1]!) < 1e-6);
  assert.ok(r.stats!.accepted > 0);
  dispose();
});

test("dopri5 without `times` lands on the golden x(1); backwards from x(1) recovers x0", () => {
  const { f, dispose } = mlpField(golden);
  const { x_t, x0 } = golden.forward;
  const x1 = x_t[x_t.length - 1]!;
  const fwd = odeint(f, f64(x0), { rtol: 1e-8, atol: 1e-8 });
  assert.ok(maxDiff(fwd.x, x1) < 1e-6);
  const back = odeint(f, f64(x1), { method: "dopri5", t0: 1, t1: 0, rtol: 1e-8, atol: 1e-8 });
  const e = maxDiff(back.x, x0);
  assert.ok(e < 1e-6, `recovered x0: max |error| ${e}`);
  // The mid-point golden state is also reached backwards from x(1) via a descending `times` grid.
  const back2 = odeint(f, f64(x1), { times: [1, 0.75, 0.5], rtol: 1e-8, atol: 1e-8 });
  assert.ok(maxDiff(back2.x, x_t[2]!) < 1e-6);
  dispose();
});
