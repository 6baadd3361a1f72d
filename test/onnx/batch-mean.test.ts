/**
 * Means over the dynamic batch axis. jax-js lowers `mean` to a sum times the literal 1/B of the traced batch size;
 * the compiled graph must compute 1/B from the input it is given instead (batch-consts.ts). Each function is
 * compiled (traced at other sizes), run in onnxruntime-node at batch 7 and 2, and compared with jax-js at that size
 * (float32, ≤ 1e-5 relative): a graph that kept the traced 1/3 or 1/5 would be off by a factor of 7/3 or more.
 * A number that is neither c·B nor c/B (an unbiased variance's 1/(B − 1)) is refused with one clear error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost, toHostF64, Rng, type Array } from "../../src/engine/index.js";
import { compileToOnnx } from "../../src/onnx/compile.js";
import { runOnnx, maxRelDiff } from "../../src/onnx/verify.js";
import { OptionError } from "../../src/errors.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const D = 4;
const params = { w: fromHost(new Rng(1).normals(D), [D], np.float32) };
type Fn = (p: typeof params, x: Array) => Array;

const compile = (f: Fn) =>
  compileToOnnx((p, x) => f(p as typeof params, x!), { params, inputs: [{ name: "x", shape: ["B", D] }], outputs: ["y"] });

async function check(f: Fn): Promise<void> {
  const bytes = compile(f);
  for (const n of [7, 2]) {
    const xs = new Rng(n).normals(n * D).map((v) => 1 + 2 * v);
    const got = await runOnnx(bytes, { x: { data: xs, dims: [n, D] } });
    const want = toHostF64(f(params, fromHost(xs, [n, D], np.float32)));
    assert.equal(got.length, want.length, `batch ${n}: output size`);
    const err = maxRelDiff(got, want);
    assert.ok(err <= 1e-5, `batch ${n}: relative difference ${err}`);
  }
}

test("a mean over the batch axis is right at any batch size", { skip: ORT_SKIP }, async () => {
  await check((p, x) => x.mean(0).mul(p.w.ref));
});

test("a mean over a non-batch axis keeps working", { skip: ORT_SKIP }, async () => {
  await check((p, x) => x.mul(p.w.ref).mean(1));
});

test("batch statistics: standardizing by the rows' mean and (biased) variance, and a scalar mean of everything", { skip: ORT_SKIP }, async () => {
  await check((_p, x) => {
    const mu = x.ref.mean(0);
    const v = np.var_(x.ref, 0);
    const m2 = np.mean(x.ref.mul(x.ref));
    return x.sub(mu).div(np.sqrt(v.add(1e-3))).add(m2);
  });
  await check((_p, x) => np.mean(x.ref.mul(x)).reshape([1]));
});

test("a count of rows (c·B) and a closed-over array holding 1/B", { skip: ORT_SKIP }, async () => {
  await check((_p, x) => x.ref.sum(0).add(x.shape[0] * 2));
  await check((_p, x) => {
    const inv = np.array([1 / x.shape[0]!, 3 / x.shape[0]!, 0.5, 1]);
    return x.sum(0).mul(inv);
  });
});

test("a number that is neither c·B nor c/B of the batch is refused in one line", async () => {
  assert.throws(() => compile((_p, x) => x.sum(0).mul(1 / (x.shape[0]! - 1))), (e: unknown) => {
    assert.ok(e instanceof OptionError);
    assert.match(e.message, /depends on the batch size/);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
});
