import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, jit, Rng, type Array } from "../../src/engine/index.js";
import {
  getScheduler, schedulerNames, polynomialScheduler, convertPrediction, velocityFromX1, x1FromVelocity,
  PREDICTION_KINDS, type PredictionKind, type Scheduler,
} from "../../src/paths/index.js";
import { OptionError } from "../../src/errors.js";

await initEngine();

const B = 6, D = 3;
const TS = [0.03, 0.2, 0.45, 0.5, 0.8, 0.97];
const arr = (xs: Float64Array, shape: number[]) => np.array(xs, { dtype: np.float64 }).reshape(shape);

/** Ground truth built on the host from the scheduler's own α, σ, dα, dσ: x1, ε, x_t and v for B rows. */
function truth(s: Scheduler, seed: number) {
  const rng = new Rng(seed);
  const x1 = rng.normals(B * D), eps = rng.normals(B * D);
  const o = s(np.array(TS, { dtype: np.float64 }));
  const [a, sg, da, ds] = [o.alpha, o.sigma, o.dAlpha, o.dSigma].map((x) => x.dataSync() as Float64Array);
  const xt = new Float64Array(B * D), v = new Float64Array(B * D);
  for (let i = 0; i < B; i++) for (let j = 0; j < D; j++) {
    const k = i * D + j;
    xt[k] = a[i] * x1[k] + sg[i] * eps[k];
    v[k] = da[i] * x1[k] + ds[i] * eps[k];
  }
  return { x1, eps, xt, velocity: v } as Record<string, Float64Array> & { x1: Float64Array; eps: Float64Array };
}

function close(got: ArrayLike<number>, want: Float64Array, tol: number, msg: string) {
  for (let k = 0; k < want.length; k++) {
    assert.ok(Math.abs(got[k] - want[k]) <= tol * Math.max(1, Math.abs(want[k])), `${msg}[${k}]: ${got[k]} vs ${want[k]}`);
  }
}

const schedulers = () => [...schedulerNames().map(getScheduler), polynomialScheduler(3)];

test("every conversion recovers the true x1, ε and v of the affine path (all schedulers, float64, 1e-9)", () => {
  for (const s of schedulers()) {
    const g = truth(s, 7);
    for (const from of PREDICTION_KINDS) for (const to of PREDICTION_KINDS) {
      const out = convertPrediction(s, from, to, arr(g.xt, [B, D]), arr(g[from], [B, D]), np.array(TS, { dtype: np.float64 }));
      assert.deepEqual(out.shape, [B, D]);
      close(out.dataSync(), g[to], 1e-9, `${s.name} ${from}→${to}`);
    }
  }
});

test("round trips from → to → from return the input to 1e-6 (arbitrary predictions, all schedulers)", () => {
  const rng = new Rng(3);
  for (const s of schedulers()) {
    const xt = rng.normals(B * D), pred = rng.normals(B * D);
    for (const from of PREDICTION_KINDS) for (const to of PREDICTION_KINDS) {
      const t = () => np.array(TS, { dtype: np.float64 });
      const mid = convertPrediction(s, from, to, arr(xt, [B, D]), arr(pred, [B, D]), t());
      const back = convertPrediction(s, to, from, arr(xt, [B, D]), mid, t());
      close(back.dataSync(), pred, 1e-6, `${s.name} ${from}→${to}→${from}`);
    }
  }
});

test("conversions trace under jit and keep float64 accuracy", () => {
  const s = getScheduler("cosine");
  const g = truth(s, 11);
  const f = jit((xt: Array, v: Array, t: Array) => x1FromVelocity(s, xt, v, t));
  close(f(arr(g.xt, [B, D]), arr(g.velocity, [B, D]), np.array(TS, { dtype: np.float64 })).dataSync(), g.x1, 1e-12, "jit x1FromVelocity");
});

test("scalar t broadcasts; float32 works", () => {
  const s = getScheduler("condot");
  // CondOT at t = 0.25: v = (x1 − x_t)/(1 − t) from an x1 prediction.
  const xt = [[1, 2], [-1, 0.5]], x1 = [[3, -2], [0, 1]];
  const v = velocityFromX1(s, np.array(xt), np.array(x1), np.array(0.25)).js() as number[][];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
    assert.ok(Math.abs(v[i][j] - (x1[i][j] - xt[i][j]) / 0.75) < 1e-5);
  }
});

test("identity conversion returns the prediction; unknown kinds throw OptionError naming the valid ones", () => {
  const s = getScheduler("condot");
  const p = convertPrediction(s, "x1", "x1", np.array([[1, 2]]), np.array([[3, 4]]), np.array([0.5]));
  assert.deepEqual(p.js(), [[3, 4]]);
  assert.throws(
    () => convertPrediction(s, "score" as PredictionKind, "x1", np.array([[1]]), np.array([[1]]), np.array([0.5])),
    (e: Error) => e instanceof OptionError && /velocity, x1, eps/.test(e.message),
  );
});

test("documented endpoints: ε→x1 divides by α(0) = 0, x1→ε by σ(1) = 0 (CondOT)", () => {
  const s = getScheduler("condot");
  const a = convertPrediction(s, "eps", "x1", np.array([[1]]), np.array([[0.5]]), np.array([0])).dataSync()[0];
  const b = convertPrediction(s, "x1", "eps", np.array([[1]]), np.array([[0.5]]), np.array([1])).dataSync()[0];
  assert.ok(!Number.isFinite(a) && !Number.isFinite(b));
  // v ↔ x1 stays finite at both ends for CondOT (det = −1).
  const c = convertPrediction(s, "velocity", "x1", np.array([[1]]), np.array([[0.5]]), np.array([0])).dataSync()[0];
  assert.equal(c, 1.5);
});
