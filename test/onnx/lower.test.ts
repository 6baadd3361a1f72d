/**
 * The jaxpr → ONNX compiler, one primitive or building block at a time: each function is compiled, run in
 * onnxruntime-node at batch sizes it was not traced at (7 and 1: the batch dimension must be dynamic), and compared
 * with jax-js evaluating the same function (float32, ≤ 1e-5 relative). Also checks the dot → MatMul fusion and that
 * compiling borrows the parameters without leaking.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, activations, fromHost, toHostF64, treeLeaves, Rng, type Array, type Tree } from "../../src/engine/index.js";
import { embedTime } from "../../src/nets/time-embedding.js";
import { broadcastTime } from "../../src/nets/registry.js";
import { compileToOnnx } from "../../src/onnx/compile.js";
import { runOnnx, maxRelDiff } from "../../src/onnx/verify.js";
import { assertNoLeaks } from "../util/leaks.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const D = 4;
const params = {
  w: fromHost(new Rng(1).normals(D * 6), [D, 6], np.float32),
  b: fromHost(new Rng(2).normals(6), [6], np.float32),
};

type Fn = (p: typeof params, x: Array, t: Array) => Array;

/** Compiles f(params, x [B, D], t [B]) and compares ONNX Runtime with jax-js at batch 7 and 1. */
async function check(f: Fn, tol = 1e-5): Promise<Uint8Array> {
  const bytes = compileToOnnx((p, x, t) => f(p as typeof params, x!, t!), {
    params, inputs: [{ name: "x", shape: ["B", D] }, { name: "t", shape: ["B"] }], outputs: ["y"],
  });
  for (const n of [7, 1]) {
    const xs = new Rng(n).normals(n * D).map((v) => 2 * v);
    const ts = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const got = await runOnnx(bytes, { x: { data: xs, dims: [n, D] }, t: { data: ts, dims: [n] } });
    const want = toHostF64(f(params, fromHost(xs, [n, D], np.float32), fromHost(ts, [n], np.float32)));
    assert.equal(got.length, want.length, `batch ${n}: output size`);
    const err = maxRelDiff(got, want);
    assert.ok(err <= tol, `batch ${n}: relative difference ${err}`);
  }
  return bytes;
}

const dense = (p: typeof params, x: Array) => np.matmul(x, p.w.ref).add(p.b.ref);

test("elementwise primitives: add, mul, neg, exp, log, sin, cos, max, min, reciprocal, sqrt", { skip: ORT_SKIP }, async () => {
  await check((_p, x, t) => {
    t.dispose();
    const pos = np.abs(x.ref).add(0.5);
    const a = np.exp(x.ref.mul(0.5)).add(np.log(pos.ref)).sub(np.sin(x.ref)).mul(np.cos(x.ref));
    const b = np.maximum(x.ref, 0.1).add(np.minimum(x.ref, -0.2)).add(np.reciprocal(pos.ref)).add(np.sqrt(pos));
    return a.add(b).add(x.neg());
  });
});

test("compare and where (both orders of a literal), and a reduction", { skip: ORT_SKIP }, async () => {
  await check((_p, x, t) => {
    const y = np.where(x.ref.less(0), x.ref.mul(-1), x.ref).add(np.where(np.lessEqual(0.3, x.ref), 1, 2));
    return y.add(np.max(x.ref, 1, { keepdims: true })).add(np.sum(x, 1, { keepdims: true })).add(t.reshape([-1, 1]));
  });
});

test("matmul with bias becomes one MatMul (no Mul/ReduceSum left), for any batch", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    t.dispose();
    return dense(p, x);
  });
  const text = new TextDecoder("latin1").decode(bytes);
  assert.match(text, /MatMul/);
  assert.doesNotMatch(text, /ReduceSum/);
});

test("a general dot (not a matmul pattern) lowers to Mul + ReduceSum", { skip: ORT_SKIP }, async () => {
  const bytes = await check((_p, x, t) => np.vecdot(x.ref, x).reshape([-1, 1]).add(t.reshape([-1, 1])));
  assert.match(new TextDecoder("latin1").decode(bytes), /ReduceSum/);
});

for (const name of Object.keys(activations) as (keyof typeof activations)[]) {
  test(`activation ${name} after a dense layer`, { skip: ORT_SKIP }, async () => {
    const bytes = await check((p, x, t) => {
      t.dispose();
      return activations[name](dense(p, x).mul(3)); // ×3: both branches of the stable forms are exercised
    });
    if (name === "silu" || name === "sigmoid" || name === "gelu") {
      // The stable sigmoid's 10-equation chain is matched to one Sigmoid node; no Where/Exp is left.
      const text = new TextDecoder("latin1").decode(bytes);
      assert.match(text, /Sigmoid/);
      assert.doesNotMatch(text, /Where|Exp(?!and)/);
    }
  });
}

test("sinusoidal time embedding with zero padding (a batch-sized constant), concatenate, transpose", { skip: ORT_SKIP }, async () => {
  await check((_p, x, t) => {
    const e = embedTime(broadcastTime(t, x), { kind: "sinusoidal", size: 10, maxFrequency: 8 }); // 1 + 2·4 + 1 pad
    return np.concatenate([x, e], 1).transpose([1, 0]).mul(2).transpose([1, 0]);
  });
});

test("scalar time broadcast to the batch (what a sampler step does)", { skip: ORT_SKIP }, async () => {
  await check((p, x, t) => {
    t.dispose();
    const e = embedTime(broadcastTime(np.full([], 0.25, { dtype: np.float32 }), x), { kind: "sinusoidal", size: 6 });
    const wts = np.array([1, 2, 3, 4, 5, 6], { dtype: np.float32 }).reshape([1, 6]); // unequal: a swapped sin/cos shows
    return dense(p, x).add(np.sum(e.mul(wts), 1, { keepdims: true }));
  });
});

test("compiling borrows the parameters and leaves no buffers behind", async () => {
  await assertNoLeaks("compileToOnnx", () => {
    compileToOnnx((p, x) => dense(p as typeof params, x!), { params, inputs: [{ name: "x", shape: ["B", D] }], outputs: ["y"] });
  });
  for (const a of treeLeaves(params as Tree)) assert.equal(a.refCount, 1);
});
