/**
 * The discrete normalizing flows on ONNX Runtime: for every architecture in FLOW_ARCHS (2-D, small layers), plus
 * nsf's autoregressive variant, a small multi-scale image glow ([4, 4, 1], 2 levels) and conditional flows, the
 * compiled log p(x), the sampling pass z → x (every inverse, also the ones the library runs eagerly: LU / 1×1-conv
 * triangular solves, planar's unrolled Newton) and the gradient of the MLE loss are run in onnxruntime-node at a
 * batch size they were not traced at, with rows at |x| = 100, and compared with jax-js.
 *
 * Tolerance: the reference is the same function in jax-js FLOAT64 (the float32 parameters cast up); ONNX Runtime's
 * float32 result must be within 1e-5 of it, scaled per piece: |got − ref| / max(max |ref| over the piece, 1), where a
 * piece is one row's x, one row's log p, or one parameter tensor's gradient. Float32 rounding is relative to the
 * largest values a computation goes through, so an entry near 0 in a row at |x| = 5000 (a sample from z = 100) is
 * off by ~1e-2 absolutely in jax-js float32 as well. Where jax-js float32 is itself further from float64 than that,
 * ONNX Runtime may be up to twice as far as jax-js float32 is (the MAF gradient: a batch mean of per-row terms up to
 * 100× the mean, from the |x| = 100 rows, is 2e-5 off in both). Not against float32 jax-js at 1e-5: on planar, radial and nsf
 * its own distance to float64 is 5e-6 … 5e-5 (the engine's float32 tanh/log1p are less accurate than ONNX Runtime's
 * kernels). Against float32 jax-js ONNX Runtime must still agree to 1e-4 (a wrong lowering is off by O(1)).
 * Parameters are perturbed away from the init (zero last layers make a fresh coupling the identity, which would
 * hide a wrong lowering).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost, toHostF64, Rng, valueAndGrad, treeLeaves, treeOps, treeDispose, type Array, type Tree } from "../../src/engine/index.js";
import { Flow } from "../../src/flows/model.js";
import { FLOW_ARCHS, type FlowConfigInput } from "../../src/flows/architectures.js";
import { compileToOnnx, type GraphInput } from "../../src/onnx/compile.js";
import { runOnnx, type OnnxFeed } from "../../src/onnx/verify.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

/** Rows run (not a traced batch size: the batch dimension must be dynamic). */
const N = 7;
const TOL64 = 1e-5;
const TOL32 = 1e-4;

type Case = { name: string; config: FlowConfigInput };

const small = { layers: 2, hidden: [8], seed: 1 };
const cases: Case[] = [
  ...FLOW_ARCHS.map((arch) => ({ name: arch, config: { arch, eventShape: [2], ...small } })),
  { name: "nsf autoregressive (3-D)", config: { arch: "nsf", variant: "autoregressive", eventShape: [3], ...small } },
  { name: "image glow [4, 4, 1], 2 levels", config: { arch: "glow", eventShape: [4, 4, 1], levels: 2, layers: 1, hidden: [8], seed: 1 } },
  { name: "conditional realnvp (context 3)", config: { arch: "realnvp", eventShape: [2], ctxDim: 3, ...small } },
  { name: "conditional nsf (context 3)", config: { arch: "nsf", eventShape: [2], ctxDim: 3, ...small } },
  { name: "conditional maf (context 3)", config: { arch: "maf", eventShape: [3], ctxDim: 3, ...small } },
];

/** The flow with its parameters moved off the init by N(0, 0.3²) noise, and a float64 copy of those parameters. */
function perturbed(config: FlowConfigInput): { flow: Flow; p64: Tree } {
  const flow = Flow.init(config);
  const rng = new Rng(9);
  const [leaves, def] = treeOps.flatten(flow.params as Tree);
  flow.setParams(treeOps.unflatten(def, (leaves as Array[]).map((a) => a.ref.add(fromHost(rng.normals(a.size).map((v) => 0.3 * v), a.shape, np.float32)))) as never);
  const p64 = treeOps.unflatten(def, (treeLeaves(flow.params) as Array[]).map((a) => a.ref.astype(np.float64))) as Tree;
  return { flow, p64 };
}

/** Inputs: N rows of N(0, 1) with the first rows at ±100 in every coordinate (finite, no NaN expected). */
function rows(shape: number[], seed: number): Float64Array {
  const D = shape.reduce((a, b) => a * b, 1);
  const x = new Rng(seed).normals(N * D);
  for (let j = 0; j < D; j++) (x[j] = j % 2 ? -100 : 100), (x[D + j] = 100);
  return x;
}

type Fn = (p: Tree, x: Array, ctx?: Array) => Array;

/** max over consecutive pieces of `sizes` entries: max |a − b| / max(max |b| over the piece, 1). */
function scaledDiff(a: Float64Array, b: Float64Array, sizes: number[]): number {
  assert.equal(a.length, b.length);
  assert.equal(sizes.reduce((x, y) => x + y, 0), b.length);
  let e = 0;
  let at = 0;
  for (const n of sizes) {
    let d = 0;
    let m = 1;
    for (let i = at; i < at + n; i++) (d = Math.max(d, Math.abs(a[i]! - b[i]!))), (m = Math.max(m, Math.abs(b[i]!)));
    e = Math.max(e, d / m);
    at += n;
  }
  return e;
}

async function compare(what: string, f: Fn, flow: Flow, p64: Tree, pieces: number[], fixed: boolean): Promise<void> {
  const shape = flow.eventShape;
  const C = flow.config.ctxDim;
  const x = rows(shape, 3);
  const ctx = C ? new Rng(4).normals(N * C) : undefined;
  const B = fixed ? N : "B";
  const inputs: GraphInput[] = [{ name: "x", shape: [B, ...shape] }, ...(C ? [{ name: "ctx", shape: [B, C] }] : [])];
  const bytes = compileToOnnx((p, xx, cc) => f(p, xx!, cc), { params: flow.params, inputs, outputs: ["y"] });
  const feeds: Record<string, OnnxFeed> = { x: { data: x, dims: [N, ...shape] }, ...(ctx ? { ctx: { data: ctx, dims: [N, C] } } : {}) };
  const got = await runOnnx(bytes, feeds);
  const run = (p: Tree, dtype: typeof np.float32) => toHostF64(f(p, fromHost(x, [N, ...shape], dtype), ctx && fromHost(ctx, [N, C], dtype)));
  const want32 = run(flow.params, np.float32);
  const want64 = run(p64, np.float64);
  assert.ok(want64.every(Number.isFinite), `${what}: the float64 reference is finite`);
  assert.ok(got.every(Number.isFinite), `${what}: ONNX Runtime gave a NaN/Inf`);
  const e64 = scaledDiff(got, want64, pieces);
  const e32 = scaledDiff(got, want32, pieces);
  const js = scaledDiff(want32, want64, pieces); // float32 jax-js's own error
  assert.ok(e64 <= Math.max(TOL64, 2 * js), `${what}: ONNX Runtime vs float64 jax-js ${e64.toExponential(2)} (float32 jax-js: ${js.toExponential(2)})`);
  assert.ok(e32 <= TOL32, `${what}: ONNX Runtime vs float32 jax-js ${e32.toExponential(2)}`);
}

for (const c of cases) {
  test(`${c.name}: log p, sampling pass and MLE gradient on ONNX Runtime match jax-js`, { skip: ORT_SKIP }, async () => {
    const { flow, p64 } = perturbed(c.config);
    const D = flow.dim;
    const perRow = globalThis.Array.from({ length: N }, () => [D, 1]).flat();
    const perLeaf = [1, ...treeLeaves(flow.params).map((a) => a.size)];
    try {
      await compare("log p", (p, x, ctx) => flow.logProbModel(p as never, x, ctx), flow, p64, Array(N).fill(1), false);
      await compare("sample", (p, z, ctx) => {
        const [x, lp] = flow.sampleModel(p as never, z, ctx);
        return np.concatenate([x.reshape([x.shape[0]!, -1]), lp.reshape([-1, 1])], 1);
      }, flow, p64, perRow, false);
      // The loss of a training step: the batch is fixed there (the mean's 1/B is a traced constant).
      await compare("gradient", (p, x, ctx) => {
        const [l, g] = valueAndGrad((pp: Tree) => flow.logProbModel(pp as never, x.ref, ctx?.ref).mean().neg())(p);
        x.dispose();
        ctx?.dispose();
        return np.concatenate([l.reshape([1]), ...(treeLeaves(g) as Array[]).map((a) => a.reshape([-1]))], 0);
      }, flow, p64, perLeaf, true);
    } finally {
      flow.dispose();
      treeDispose(p64);
    }
  });
}
