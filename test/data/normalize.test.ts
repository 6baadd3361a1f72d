/** Standardization: closed-form fit, round trip, constant columns, JSON, and the log-det's change of variables. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/engine/rng.js";
import { DataError, ShapeError } from "../../src/errors.js";
import {
  fitStandardizer,
  parseStandardizer,
  standardize,
  standardizerLogDet,
  unstandardize,
} from "../../src/data/index.js";

const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what} ${a} vs ${b}`);

test("fit: column mean and population std (ddof 0) match hand-computed values", () => {
  // columns: [1, 2, 3, 4] → mean 2.5, var 1.25; [10, 10, 10, 14] → mean 11, var 3.
  const s = fitStandardizer([1, 10, 2, 10, 3, 10, 4, 14], 4, 2);
  close(s.mean[0], 2.5, 1e-15);
  close(s.mean[1], 11, 1e-15);
  close(s.std[0], Math.sqrt(1.25), 1e-15);
  close(s.std[1], Math.sqrt(3), 1e-15);
  const z = standardize([1, 10, 2, 10, 3, 10, 4, 14], s);
  // standardized columns have mean 0 and population variance 1.
  for (let j = 0; j < 2; j++) {
    let m = 0, v = 0;
    for (let i = 0; i < 4; i++) m += z[2 * i + j] / 4;
    for (let i = 0; i < 4; i++) v += (z[2 * i + j] - m) ** 2 / 4;
    close(m, 0, 1e-15, "mean");
    close(v, 1, 1e-14, "var");
  }
});

test("round trip: unstandardize(standardize(x)) = x, and the reverse", () => {
  const rng = new Rng(9);
  const rows = 200, cols = 3;
  const x = new Float64Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = 1000 * (i % cols) + (1 + (i % cols)) * rng.normal();
  const s = fitStandardizer(x, rows, cols);
  const back = unstandardize(standardize(x, s), s);
  for (let i = 0; i < x.length; i++) close(back[i], x[i], 1e-12 * Math.max(1, Math.abs(x[i])));
  const z = rng.normals(30);
  const z2 = standardize(unstandardize(z, s), s);
  for (let i = 0; i < z.length; i++) close(z2[i], z[i], 1e-9);
  assert.ok(x instanceof Float64Array && back !== x, "returns new arrays");
});

test("constant columns get std 1 (shift only), even at large magnitude", () => {
  const s = fitStandardizer([5, 1e6 + 0.1, 5, 1e6 + 0.1, 5, 1e6 + 0.1], 3, 2);
  assert.deepEqual(s.std, [1, 1]);
  const z = standardize([5, 1e6 + 0.1], s);
  assert.ok(z.every((v) => Math.abs(v) < 1e-9));
  assert.equal(standardizerLogDet(s), 0);
  const zeros = fitStandardizer([0, 0, 0], 3, 1);
  assert.deepEqual(zeros, { mean: [0], std: [1] });
  // A genuinely small spread is kept.
  close(fitStandardizer([1e-9, 3e-9], 2, 1).std[0], 1e-9, 1e-24);
});

test("logDet = −Σ log std turns a standardized log density into the original-units one", () => {
  // x ~ N(m, diag(s²)) has closed-form log density; in standardized units it is N(0, I).
  const s = { mean: [1.5, -20, 0.3], std: [0.25, 7, 1.1] };
  close(standardizerLogDet(s), -(Math.log(0.25) + Math.log(7) + Math.log(1.1)), 1e-15);
  const x = [1.2, -15, 0.9];
  const z = standardize(x, s);
  let logPz = 0, logPx = 0;
  for (let j = 0; j < 3; j++) {
    logPz += -0.5 * z[j] ** 2 - 0.5 * Math.log(2 * Math.PI);
    logPx += -0.5 * ((x[j] - s.mean[j]) / s.std[j]) ** 2 - 0.5 * Math.log(2 * Math.PI) - Math.log(s.std[j]);
  }
  close(logPz + standardizerLogDet(s), logPx, 1e-12);
  // Finite-difference Jacobian of the (diagonal) map agrees too.
  let fdLogDet = 0;
  for (let j = 0; j < 3; j++) {
    const h = 1e-4;
    const xp = [...x], xm = [...x];
    xp[j] += h; xm[j] -= h;
    fdLogDet += Math.log((standardize(xp, s)[j] - standardize(xm, s)[j]) / (2 * h));
  }
  close(fdLogDet, standardizerLogDet(s), 1e-8);
});

test("JSON round trip and validation", () => {
  const s = fitStandardizer([1, 2, 3, 5, 8, 13], 3, 2);
  const back = parseStandardizer(JSON.parse(JSON.stringify(s)));
  assert.deepEqual(back, s);
  assert.throws(() => parseStandardizer({ mean: [0], std: [0] }), DataError);
  assert.throws(() => parseStandardizer({ mean: [0, 1], std: [1] }), DataError);
  assert.throws(() => parseStandardizer({ mean: ["a"], std: [1] }), DataError);
  assert.throws(() => parseStandardizer(null, "config.json: normalization"), /config\.json: normalization/);
});

test("shape errors", () => {
  assert.throws(() => fitStandardizer([1, 2, 3], 2, 2), ShapeError);
  assert.throws(() => fitStandardizer([], 0, 2), ShapeError);
  assert.throws(() => standardize([1, 2, 3], { mean: [0, 0], std: [1, 1] }), ShapeError);
  assert.throws(() => fitStandardizer([1, NaN], 2, 1), DataError);
});
