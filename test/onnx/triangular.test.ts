/**
 * triangular_solve → ONNX (src/onnx/triangular.ts, an unrolled back substitution): upper and lower, unit and
 * general diagonals, right- and left-side solves, batched matrices, against jax-js (float32, ≤ 1e-5 relative;
 * diagonals ≥ 2 in size keep the systems well conditioned). The matrices are full: both must read only their
 * triangle. Run at a batch size that was not traced.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, lax, fromHost, toHostF64, Rng, type Array } from "../../src/engine/index.js";
import { compileToOnnx } from "../../src/onnx/compile.js";
import { runOnnx, maxRelDiff } from "../../src/onnx/verify.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const N = 5;
/** A full N×N matrix (batched: [k, N, N]) with diagonal entries of size ≥ 2. */
function matrix(k?: number): Array {
  const m = k ?? 1;
  const v = new Rng(5).normals(m * N * N);
  for (let b = 0; b < m; b++) for (let i = 0; i < N; i++) v[b * N * N + i * N + i] = (i % 2 ? -1 : 1) * (2 + Math.abs(v[b * N * N + i * N + i]!));
  return fromHost(v, k === undefined ? [N, N] : [k, N, N], np.float32);
}

async function check(f: (a: Array, x: Array) => Array, shape: (string | number)[], a: Array): Promise<void> {
  try {
    await compare(f, shape, a);
  } finally {
    a.dispose();
  }
}

async function compare(f: (a: Array, x: Array) => Array, shape: (string | number)[], a: Array): Promise<void> {
  const bytes = compileToOnnx((p, x) => f((p as { a: Array }).a.ref, x!), { params: { a }, inputs: [{ name: "x", shape: shape as ("B" | number)[] }], outputs: ["y"] });
  const dims = shape.map((d) => (d === "B" ? 7 : (d as number)));
  const xs = new Rng(6).normals(dims.reduce((x, y) => x * y, 1));
  const got = await runOnnx(bytes, { x: { data: xs, dims } });
  const want = toHostF64(f(a.ref, fromHost(xs, dims, np.float32)));
  assert.ok(maxRelDiff(got, want) <= 1e-5, `relative difference ${maxRelDiff(got, want)}`);
}

for (const lower of [false, true]) {
  for (const unitDiagonal of [false, true]) {
    test(`right-side solve x·aᵀ = b, ${lower ? "lower" : "upper"}, ${unitDiagonal ? "unit" : "general"} diagonal, b [B, N]`, { skip: ORT_SKIP }, async () => {
      await check((m, x) => lax.linalg.triangularSolve(m, x, { leftSide: false, lower, unitDiagonal }), ["B", N], matrix());
    });
  }
}

test("left-side solve a·x = b with b [N, B] (the batch on the last axis), and a batch of matrices", { skip: ORT_SKIP }, async () => {
  await check((m, x) => lax.linalg.triangularSolve(m, x.transpose(), { leftSide: true, lower: true }).transpose(), ["B", N], matrix());
  await check((m, x) => lax.linalg.triangularSolve(m, x, { leftSide: false, lower: false }), [3, 6, N], matrix(3));
});
