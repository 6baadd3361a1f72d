/**
 * Runs an exported graph in onnxruntime-node and compares it with the library on a few fixed points: the check
 * behind `flowmatch export --verify`, and what the tests call. Node-only (loads the optional native addon).
 */
import { fromHost, toHostF64, Rng } from "../engine/index.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { sample } from "../fm/sample.js";
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

/** Runs a graph on float32 inputs; returns its first output as float64 values. */
export async function runOnnx(bytes: Uint8Array, inputs: Record<string, { data: ArrayLike<number>; dims: number[] }>): Promise<Float64Array> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const [k, x] of Object.entries(inputs)) feeds[k] = new ort.Tensor("float32", Float32Array.from(x.data), x.dims);
    const out = await session.run(feeds);
    return Float64Array.from(out[session.outputNames[0]!]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

/**
 * The largest relative difference between the graph and the library: v(x, t) on random points for a velocity
 * graph, `sample` on the same noise for a sampler. Throws NumericalError above VERIFY_TOLERANCE.
 */
export async function verifyExport(model: VelocityModel, bytes: Uint8Array, sampler?: { method: ExportSampler; steps: number }): Promise<number> {
  const D = model.dim;
  const noise = new Rng(12345).normals(ROWS * D);
  let got: Float64Array;
  let want: Float64Array;
  if (sampler) {
    got = await runOnnx(bytes, { noise: { data: noise, dims: [ROWS, D] } });
    want = sample(model, ROWS, { ...sampler, noise }).samples;
  } else {
    const t = Float64Array.from({ length: ROWS }, (_, i) => i / (ROWS - 1));
    got = await runOnnx(bytes, { x: { data: noise, dims: [ROWS, D] }, t: { data: t, dims: [ROWS] } });
    const x = fromHost(noise, [ROWS, D], model.dtype);
    const tt = fromHost(t, [ROWS], model.dtype);
    want = toHostF64(model.velocity(x, tt));
    x.dispose();
    tt.dispose();
  }
  const err = maxRelDiff(got, want);
  if (!(err <= VERIFY_TOLERANCE)) throw new NumericalError(`the ONNX graph differs from the library by ${err.toExponential(2)} (relative; tolerance ${VERIFY_TOLERANCE})`);
  return err;
}
