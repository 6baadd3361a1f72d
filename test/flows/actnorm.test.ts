import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64, fromHost } from "../../src/engine/index.js";
import { ActNorm } from "../../src/flows/index.js";
import { OptionError } from "../../src/errors.js";
import { checkBijector, perturb, randn, F64 } from "./check.js";

await initEngine();

/** Per-feature (last axis) mean and std of a [B, ..., C] host array. */
function stats(v: Float64Array, C: number): { mean: number[]; std: number[] } {
  const n = v.length / C;
  const mean = new globalThis.Array<number>(C).fill(0);
  const sq = new globalThis.Array<number>(C).fill(0);
  v.forEach((x, i) => (mean[i % C]! += x / n));
  v.forEach((x, i) => (sq[i % C]! += (x - mean[i % C]!) ** 2 / n));
  return { mean, std: sq.map(Math.sqrt) };
}

test("ActNorm on vectors and images: round trip, logDet = −positions·Σ logScale vs autodiff, extremes", () => {
  const rng = new Rng(5);
  for (const shape of [[3], [2, 2, 3], [7]]) {
    const a = new ActNorm(shape);
    const p = perturb(a.init(rng, F64), rng, 0.8);
    const x = randn(rng, [2 + rng.int(3), ...shape], 2);
    const ld = checkBijector(a, p, x);
    const positions = shape.length === 3 ? shape[0]! * shape[1]! : 1;
    const want = -positions * toHostF64(p.logScale.ref).reduce((s, v) => s + v, 0);
    ld.forEach((v) => assert.ok(Math.abs(v - want) < 1e-12));
    x.dispose();
  }
});

test("ActNorm dataInit: the batch output has mean 0 and std 1 per feature/channel", () => {
  const rng = new Rng(9);
  for (const shape of [[4], [3, 3, 2]]) {
    const a = new ActNorm(shape);
    const C = shape[shape.length - 1]!;
    const x = randn(rng, [16, ...shape], 3).add(7);
    const p = a.dataInit(a.init(rng, F64), x.ref);
    const y = toHostF64(a.forward(p, x).y);
    const { mean, std } = stats(y, C);
    mean.forEach((m) => assert.ok(Math.abs(m) < 1e-12, `mean ${m}`));
    std.forEach((s) => assert.ok(Math.abs(s - 1) < 1e-12, `std ${s}`));
  }
  // A constant feature does not give −∞.
  const a = new ActNorm([2]);
  const x = randn(rng, [8, 2]).mul(fromHost(Float64Array.from([1, 0]), [2], F64));
  const p = a.dataInit(a.init(rng, F64), x);
  assert.ok(toHostF64(p.logScale).every(Number.isFinite));
  assert.throws(() => new ActNorm([2, 3]), OptionError);
});

