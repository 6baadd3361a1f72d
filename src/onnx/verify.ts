/**
 * Runs an exported graph in onnxruntime-node and compares it with the library on a few fixed points: the check
 * behind `flowmatch export --verify`, and what the tests call. Node-only (loads the optional native addon).
 */
import { fromHost, toHostF64, Rng } from "../engine/index.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { sample } from "../fm/sample.js";
import { conditionInput } from "../fm/conditioning.js";
import { loadOrt } from "./runtime.js";
import { NumericalError } from "../errors.js";
import type { ExportSampler } from "./export.js";

/** Rows compared (an odd size, unlike the traced ones, so a batch baked into the graph would show). */
const ROWS = 13;
/** Largest accepted difference, relative to max(|reference|, 1). */
export const VERIFY_TOLERANCE = 1e-4;

/** max |a − b| / max(|b|, 1) over the entries. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let e = 0;
  for (let i = 0; i < b.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1));
  return a.length === b.length ? e : Infinity;
}

/** A graph input: values, shape and element type (float32 unless "int64", e.g. class labels). */
export type OnnxFeed = { data: ArrayLike<number>; dims: number[]; type?: "float32" | "int64" };

/** Runs a graph on the given inputs; returns its first output as float64 values. */
export async function runOnnx(bytes: Uint8Array, inputs: Record<string, OnnxFeed>): Promise<Float64Array> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [k, x] of Object.entries(inputs)) {
      feeds[k] = x.type === "int64"
        ? new ort.Tensor("int64", BigInt64Array.from(Array.from(x.data, (v) => BigInt(v))), x.dims)
        : new ort.Tensor("float32", Float32Array.from(x.data), x.dims);
    }
    const out = await session.run(feeds);
    return Float64Array.from(out[session.outputNames[0]!]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** Test conditions for `rows` rows: labels cycling through the classes (and ∅ where allowed) or random contexts. */
function testConditions(model: VelocityModel, rows: number, withNull: boolean) {
  const c = model.config.cond;
  if (!c) return undefined;
  const guidance = 1.5;
  if (c.kind === "class") {
    const K = c.classes.length;
    const labels = Array.from({ length: rows }, (_, i) => (withNull ? (i % (K + 1)) - 1 : i % K));
    return { feeds: { label: { data: labels, dims: [rows], type: "int64" } as OnnxFeed }, labels, guidance };
  }
  const context = new Rng(777).normals(rows * c.dim);
  return { feeds: { context: { data: context, dims: [rows, c.dim] } }, context, guidance };
}

/**
 * The largest relative difference between the graph and the library: v(x, t) on random points for a velocity
 * graph, `sample` on the same noise for a sampler (conditional models: cycling labels or random contexts, w = 1.5).
 * Throws NumericalError above VERIFY_TOLERANCE.
 */
export async function verifyExport(model: VelocityModel, bytes: Uint8Array, sampler?: { method: ExportSampler; steps: number }): Promise<number> {
  const D = model.dim;
  const noise = new Rng(12345).normals(ROWS * D);
  const cond = testConditions(model, ROWS, !sampler);
  const condFeeds = cond ? { ...cond.feeds, guidance: { data: new Array(ROWS).fill(cond.guidance), dims: [ROWS] } } : {};
  let got: Float64Array;
  let want: Float64Array;
  if (sampler) {
    got = await runOnnx(bytes, { noise: { data: noise, dims: [ROWS, D] }, ...condFeeds });
    const c = model.config.cond;
    const labels = cond?.labels?.map((k) => c!.kind === "class" ? c!.classes[k]! : k);
    want = sample(model, ROWS, { ...sampler, noise, label: labels, context: cond?.context, guidance: cond?.guidance }).samples;
  } else {
    const t = Float64Array.from({ length: ROWS }, (_, i) => i / (ROWS - 1));
    got = await runOnnx(bytes, { x: { data: noise, dims: [ROWS, D] }, t: { data: t, dims: [ROWS] }, ...condFeeds });
    const x = fromHost(noise, [ROWS, D], model.dtype);
    const tt = fromHost(t, [ROWS], model.dtype);
    const c = model.config.cond;
    const ci = c && cond ? { cond: conditionInput(c, ROWS, { labels: cond.labels, context: cond.context }, model.dtype), nullCond: conditionInput(c, ROWS, null, model.dtype), guidance: cond.guidance } : undefined;
    want = toHostF64(model.velocity(x, tt, ci));
    for (const a of [x, tt, ci?.cond, ci?.nullCond]) a?.dispose();
  }
  const err = maxRelDiff(got, want);
  if (!(err <= VERIFY_TOLERANCE)) throw new NumericalError(`the ONNX graph differs from the library by ${err.toExponential(2)} (relative; tolerance ${VERIFY_TOLERANCE})`);
  return err;
}
