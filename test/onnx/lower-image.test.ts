/**
 * The lowering rules that image networks need (the U-Net's im2col convolutions, the imported ONNX graphs' Conv,
 * Resize and label embeddings), each compiled and run in onnxruntime-node at batch sizes it was not traced at
 * (6 and 1) against jax-js on the same inputs (float32, ≤ 1e-5 relative): batch dimensions scaled by a factor
 * (rows B·k) and the im2col → Conv fusion, gather in its three forms, conv with padding, strides, dilation, groups and the transposed
 * (lhs-dilated) form, flip and scatter-add (what the gradients of conv and gather trace to, for training imported
 * networks on ONNX Runtime), and weakly typed literals next to int32 operands.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, lax, grad, fromHost, toHostF64, Rng, type Array } from "../../src/engine/index.js";
import { vmap } from "@jax-js/jax";
import { compileToOnnx, type GraphInput } from "../../src/onnx/compile.js";
import { runOnnx, maxRelDiff } from "../../src/onnx/verify.js";
import { decodeModel } from "../../src/onnx/import/decode.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const D = 16; // a 4×4 one-channel image per row
const params = {
  k: fromHost(new Rng(3).normals(3 * 1 * 3 * 3), [3, 1, 3, 3], np.float32), // conv kernel [C_out, C_in, 3, 3]
  table: fromHost(new Rng(4).normals(5 * 3), [5, 3], np.float32), // an embedding table, 5 rows
};
type P = typeof params;
type Fn = (p: P, x: Array, t: Array) => Array;

/** Compiles f(params, x [B, D], t [B]) and compares ONNX Runtime with jax-js at batch 6 and 1. */
async function check(f: Fn, tol = 1e-5): Promise<Uint8Array> {
  const inputs: GraphInput[] = [{ name: "x", shape: ["B", D] }, { name: "t", shape: ["B"] }];
  const bytes = compileToOnnx((p, x, t) => f(p as P, x!, t!), { params, inputs, outputs: ["y"] });
  for (const n of [6, 1]) {
    const xs = new Rng(n + 10).normals(n * D);
    const ts = Float64Array.from({ length: n }, (_, i) => (i + 0.5) / n);
    const got = await runOnnx(bytes, { x: { data: xs, dims: [n, D] }, t: { data: ts, dims: [n] } });
    const want = toHostF64(f(params, fromHost(xs, [n, D], np.float32), fromHost(ts, [n], np.float32)));
    assert.equal(got.length, want.length, `batch ${n}: output size`);
    const err = maxRelDiff(got, want);
    assert.ok(err <= tol, `batch ${n}: relative difference ${err}`);
  }
  return bytes;
}

const ops = (bytes: Uint8Array) => new TextDecoder("latin1").decode(bytes);
const opTypes = (bytes: Uint8Array) => decodeModel(bytes).graph.nodes.map((n) => n.opType);

/** conv3x3's im2col on [B, 4, 4, 1] images: pad, nine shifted slices, concatenate → patch rows [16B, 9]. */
function patches(x: Array): Array {
  const B = x.shape[0]!;
  const padded = np.pad(x.reshape([B, 4, 4, 1]), [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const cols: Array[] = [];
  for (let dy = 0; dy < 3; dy++) for (let dx = 0; dx < 3; dx++) cols.push(padded.ref.slice([], [dy, dy + 4], [dx, dx + 4], []));
  padded.dispose();
  return np.concatenate(cols, 3).reshape([B * 16, 9]);
}

test("rows B·k: im2col's patch rows [B·H·W, k²·C] times the weights become one Conv (no Concat left)", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    return np.matmul(patches(x), p.k.ref.reshape([3, 9]).transpose([1, 0])).reshape([B, 48]);
  });
  const nodes = opTypes(bytes);
  assert.ok(nodes.includes("Conv") && !nodes.includes("MatMul") && !nodes.includes("Slice"), nodes.join(" "));
});

test("patch rows also read elsewhere (as a training step's weight gradient does) stay a MatMul on the rows", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const rows = patches(x);
    const y = np.matmul(rows.ref, p.k.ref.reshape([3, 9]).transpose([1, 0])).reshape([B, 48]);
    return y.add(rows.reshape([B, 144]).sum(1, { keepdims: true }));
  });
  const nodes = opTypes(bytes);
  assert.ok(nodes.includes("MatMul") && !nodes.includes("Conv"), nodes.join(" "));
});

test("gather: np.take with constant indices (nearest upsampling) and with data-dependent ones (a label lookup)", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    const B = x.shape[0]!;
    const up = np.take(x.reshape([B, 4, 4]), fromHost([0, 0, 1, 1, 2, 2, 3, 3], [8], np.int32), 2).reshape([B, 32]);
    const label = np.floor(t.mul(4.99)).astype(np.int32); // 0…4 from t ∈ (0, 1)
    const emb = np.take(p.table.ref, label, 0); // [B, 3]
    return np.concatenate([up, emb], 1);
  });
  assert.match(ops(bytes), /Gather/);
});

test("gather over several axes (advanced indexing around the batch axis) → GatherND", { skip: ORT_SKIP }, async () => {
  const bytes = await check((_p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const y = x.reshape([B, 8, 2]).transpose([1, 0, 2]); // [8, B, 2]
    return y.slice(np.array([5, 0, 7], { dtype: np.int32 }), [], np.array([1, 0, 1], { dtype: np.int32 })).transpose([1, 0]); // [B, 3]
  });
  assert.match(ops(bytes), /GatherND/);
});

test("gather with index dims elsewhere than the axis (outDim ≠ axis, from vmap); takeAlongAxis; fixed shapes", { skip: ORT_SKIP }, async () => {
  // takeAlongAxis closes over arange(rows), so it compiles at fixed shapes only (a batch-sized constant must be uniform).
  const f = (x: Array) => {
    const v = vmap((r: Array) => np.take(r, np.array([2, 0, 2, 1], { dtype: np.int32 }), 0), 1)(x.ref) as Array; // [5, 4]
    const along = np.takeAlongAxis(x, np.array([[3, 0], [1, 1], [4, 2]], { dtype: np.int32 }), 1); // [3, 2]
    return np.concatenate([v.reshape([-1]), along.reshape([-1])], 0);
  };
  const bytes = compileToOnnx((_p, x) => f(x!), { params: {}, inputs: [{ name: "x", shape: [3, 5] }], outputs: ["y"] });
  const xs = new Rng(7).normals(15);
  const got = await runOnnx(bytes, { x: { data: xs, dims: [3, 5] } });
  const want = toHostF64(f(fromHost(xs, [3, 5], np.float32)));
  assert.equal(got.length, 26);
  assert.ok(maxRelDiff(got, want) <= 1e-6, `relative difference ${maxRelDiff(got, want)}`);
});

test("conv: padding, strides and kernel dilation → Conv; a negative padding (a crop) too", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const img = x.reshape([B, 1, 4, 4]); // NCHW
    const same = lax.convGeneralDilated(img.ref, p.k.ref, [1, 1], [[1, 1], [1, 1]]); // [B, 3, 4, 4]
    const strided = lax.convGeneralDilated(img.ref, p.k.ref, [2, 1], [[1, 2], [2, 0]], { rhsDilation: [1, 2] });
    const cropped = lax.convGeneralDilated(img, p.k.ref, [1, 1], [[-1, 1], [0, -1]]);
    return np.concatenate([same.reshape([B, -1]), strided.reshape([B, -1]), cropped.reshape([B, -1])], 1);
  });
  assert.match(ops(bytes), /Conv/);
});

test("transposed conv (lhsDilation: zeros between the input's pixels), as ONNX ConvTranspose imports", { skip: ORT_SKIP }, async () => {
  await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const img = x.reshape([B, 1, 4, 4]);
    return lax.convGeneralDilated(img, p.k.ref, [1, 1], [[2, 2], [1, 2]], { lhsDilation: [2, 3] }).reshape([B, -1]);
  });
});

test("grouped conv (featureGroupCount 2: conv with vmapDims 1) → Conv with group 2", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const img = x.reshape([B, 2, 2, 4]); // two channels of 2×4
    const w = np.concatenate([p.k.ref, p.k.ref.mul(-0.5)], 0).reshape([6, 1, 3, 3]); // 3 outputs per group
    return lax.convGeneralDilated(img, w, [1, 1], [[1, 1], [0, 2]], { featureGroupCount: 2 }).reshape([B, -1]);
  });
  assert.match(ops(bytes), /group/);
});

test("flip (the conv gradient's flipped kernel) → Slice with step −1", { skip: ORT_SKIP }, async () => {
  await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const k = np.flip(p.k.ref, [2, 3]).reshape([1, 27]); // a constant flip, as in the transpose rule
    return np.concatenate([np.flip(x.ref.reshape([B, 4, 4]), [1]).reshape([B, 16]), np.flip(x, [0, 1]).mul(0.5), k.mul(np.ones([B, 1]))], 1);
  });
});

test("conv's gradients (input: flipped kernel, strided → lhs-dilated; kernel: a conv over the batch)", { skip: ORT_SKIP }, async () => {
  await check((p, x, t) => {
    t.dispose();
    const B = x.shape[0]!;
    const img = x.reshape([B, 1, 4, 4]);
    const loss = (a: Array, k: Array) => np.square(lax.convGeneralDilated(a, k, [2, 1], [[1, 1], [1, 0]])).sum();
    const [gx, gk] = grad(loss, { argnums: [0, 1] })(img, p.k.ref) as unknown as [Array, Array];
    return np.concatenate([gx.reshape([B, 16]), gk.reshape([1, 27]).mul(np.ones([B, 1]))], 1);
  });
});

test("scatter-add (gather's gradient: an embedding table's, an advanced index's) → ScatterND", { skip: ORT_SKIP }, async () => {
  const bytes = await check((p, x, t) => {
    const B = x.shape[0]!;
    const label = np.floor(t.mul(4.99)).astype(np.int32); // repeats rows for B = 6: the updates must add up
    const cot = x.ref.slice([], [0, 3]);
    const dTable = grad((tab: Array) => np.take(tab, label.ref, 0).mul(cot.ref).sum())(p.table.ref); // [5, 3]
    const idxA = np.array([5, 0, 5], { dtype: np.int32 });
    const idxB = np.array([1, 0, 1], { dtype: np.int32 });
    const dx = grad((y: Array) => y.slice(idxA.ref, [], idxB.ref).mul(np.array([1, 2, 3], { dtype: np.float32 }).reshape([3, 1])).sum())(x.reshape([B, 8, 2]).transpose([1, 0, 2])); // [8, B, 2]
    [label, cot, idxA, idxB].forEach((a) => a.dispose());
    return np.concatenate([dx.transpose([1, 0, 2]).reshape([B, 16]), dTable.reshape([1, 15]).mul(np.ones([B, 1]))], 1);
  });
  assert.match(ops(bytes), /ScatterND/);
});

test("weak literals take their operand's type: equal(int32, 3), where with an int32 branch", { skip: ORT_SKIP }, async () => {
  await check((_p, x, t) => {
    const k = np.floor(t.mul(4.99)).astype(np.int32);
    const hit = np.equal(k.ref, 3).astype(np.float32).reshape([-1, 1]);
    const shifted = np.where(np.less(k.ref, 2), k.add(10), 7).astype(np.float32).reshape([-1, 1]);
    return x.mul(hit).add(shifted);
  });
});
