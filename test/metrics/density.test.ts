/** NLL and the paired KL estimator: hand-computed values and Gaussians with closed-form entropy / KL. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/index.js";
import { ShapeError } from "../../src/errors.js";
import { klFromLogDensities, nll } from "../../src/metrics/index.js";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

/** log N(x; mu, s²) summed over a diagonal Gaussian's coordinates. */
function logNormal(x: Float64Array, mu: number[], s: number[]): number {
  let l = 0;
  for (let k = 0; k < x.length; k++) l += -0.5 * ((x[k] - mu[k]) / s[k]) ** 2 - Math.log(s[k]) - 0.5 * Math.log(2 * Math.PI);
  return l;
}

test("nll: mean of −log p and std/√n on hand-computed values", () => {
  const r = nll(Float64Array.of(-1, -2, -3, -4));
  close(r.mean, 2.5, 1e-15);
  close(r.stderr, Math.sqrt(5 / 3) / 2, 1e-15); // sample var of 1..4 is 5/3
  const one = nll(Float64Array.of(0.5));
  assert.equal(one.mean, -0.5);
  assert.ok(Number.isNaN(one.stderr));
  assert.equal(nll(Float64Array.of(-1, -Infinity)).mean, Infinity);
  assert.throws(() => nll(new Float64Array(0)), ShapeError);
});

test("nll of samples under their own Gaussian density is the entropy, within 3 standard errors", () => {
  const rng = new Rng(3);
  const mu = [1, -2];
  const s = [0.5, 2];
  const n = 5000;
  const logp = new Float64Array(n);
  const x = new Float64Array(2);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 2; k++) x[k] = mu[k] + s[k] * rng.normal();
    logp[i] = logNormal(x, mu, s);
  }
  const entropy = s.reduce((h, sk) => h + 0.5 * Math.log(2 * Math.PI * Math.E * sk * sk), 0);
  const r = nll(logp);
  assert.ok(Math.abs(r.mean - entropy) <= 3 * r.stderr, `${r.mean} ± ${r.stderr} vs ${entropy}`);
  assert.ok(r.stderr > 0 && r.stderr < 0.05);
});

test("klFromLogDensities: two diagonal Gaussians agree with the closed-form KL within 3 standard errors", () => {
  const muP = [0, 1, -1];
  const sP = [1, 0.5, 2];
  const muQ = [0.3, 1.5, -1];
  const sQ = [1.2, 0.6, 1.5];
  let klTrue = 0;
  for (let k = 0; k < 3; k++) {
    klTrue += Math.log(sQ[k] / sP[k]) + (sP[k] ** 2 + (muP[k] - muQ[k]) ** 2) / (2 * sQ[k] ** 2) - 0.5;
  }
  for (const seed of [1, 2, 3]) {
    const rng = new Rng(seed);
    const n = 4000;
    const lp = new Float64Array(n);
    const lq = new Float64Array(n);
    const x = new Float64Array(3);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) x[k] = muP[k] + sP[k] * rng.normal();
      lp[i] = logNormal(x, muP, sP);
      lq[i] = logNormal(x, muQ, sQ);
    }
    const r = klFromLogDensities(lp, lq);
    assert.ok(Math.abs(r.kl - klTrue) <= 3 * r.stderr, `seed ${seed}: ${r.kl} ± ${r.stderr} vs ${klTrue}`);
    assert.ok(r.stderr < 0.1 * klTrue, "the estimate is informative");
    // Identical model: zero KL with zero spread.
    const same = klFromLogDensities(lp, lp);
    assert.equal(same.kl, 0);
    assert.equal(same.stderr, 0);
  }
});

test("klFromLogDensities: hand-computed differences and a length mismatch", () => {
  const r = klFromLogDensities(Float64Array.of(0, 0, 0), Float64Array.of(-1, -2, -3));
  close(r.kl, 2, 1e-15);
  close(r.stderr, 1 / Math.sqrt(3), 1e-15);
  assert.throws(() => klFromLogDensities(new Float64Array(3), new Float64Array(2)), ShapeError);
});
