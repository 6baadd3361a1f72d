import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np } from "../../src/engine/index.js";
import { getScheduler, samplePath, schedulerNames, mseLoss } from "../../src/paths/index.js";
import { OptionError } from "../../src/errors.js";

await initEngine();

test("every registered scheduler: dα, dσ match central finite differences (float64)", () => {
  for (const name of schedulerNames()) {
    const s = getScheduler(name);
    const ts = [0.05, 0.3, 0.5, 0.77, 0.95];
    const h = 1e-6;
    const at = (dt: number) => s(np.array(ts.map((t) => t + dt), { dtype: np.float64 }));
    const p = at(h), m = at(-h), c = at(0);
    const [ap, sp, am, sm] = [p.alpha, p.sigma, m.alpha, m.sigma].map((a) => a.dataSync());
    const [da, ds] = [c.dAlpha.dataSync(), c.dSigma.dataSync()];
    c.alpha.dispose(); c.sigma.dispose(); p.dAlpha.dispose(); p.dSigma.dispose(); m.dAlpha.dispose(); m.dSigma.dispose();
    ts.forEach((_, i) => {
      assert.ok(Math.abs((ap[i] - am[i]) / (2 * h) - da[i]) < 1e-7, `${name} dα at ${ts[i]}`);
      assert.ok(Math.abs((sp[i] - sm[i]) / (2 * h) - ds[i]) < 1e-7, `${name} dσ at ${ts[i]}`);
    });
  }
});

test("CondOT path: x_t = t·x1 + (1−t)·x0, target x1 − x0, endpoints exact", () => {
  const x0 = [[1, 2], [3, -1], [0.5, 0.5]], x1 = [[-2, 4], [0, 0], [7, -3]], ts = [0, 1, 0.25];
  const { xt, ut } = samplePath(getScheduler("condot"), np.array(x0, { dtype: np.float64 }), np.array(x1, { dtype: np.float64 }),
    np.array(ts, { dtype: np.float64 }));
  const X = xt.js() as number[][], U = ut.js() as number[][];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) {
    assert.ok(Math.abs(X[i][j] - (ts[i] * x1[i][j] + (1 - ts[i]) * x0[i][j])) < 1e-15);
    assert.equal(U[i][j], x1[i][j] - x0[i][j]);
  }
  const l = mseLoss(np.array([[1, 1]]), np.array([[0, 3]])).item();
  assert.equal(l, 2.5);
});

test("unknown scheduler names the valid ones", () => {
  assert.throws(() => getScheduler("nope"), (e: Error) => e instanceof OptionError && /condot/.test(e.message));
});
