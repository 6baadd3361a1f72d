/**
 * `sampleChunks` (fm/sample-chunks.ts) on ONNX Runtime: the same noise stream drawn in the same order, and per-sample
 * labels and context rows sliced per chunk as there, so the rows equal the wasm backend's to float32 rounding; each
 * chunk is one graph call of the compiled K-step sampler (dopri5: one adaptive solve per chunk).
 */
import { Rng } from "../engine/index.js";
import { sampleChunkRows, type SampleChunk } from "../fm/sample-chunks.js";
import type { SampleOptions } from "../fm/sample.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { OptionError, ShapeError } from "../errors.js";
import { sampleOnnx, releaseOnnxSessions } from "./sample.js";

export async function* onnxSampleChunks(model: VelocityModel, n: number, o: SampleOptions & { chunk?: number } = {}): AsyncGenerator<SampleChunk> {
  const c = model.config.cond;
  // A label for a context model is the caller's mistake, whichever backend: say so first (as sampleOnnx does).
  if (c?.kind === "context" && o.label !== undefined) throw new OptionError("this model is conditioned on a context vector, not class labels");
  // The graphs' context rows always carry the presence flag: ∅ (no context) is the wasm sampler's alone.
  if (c?.kind === "context" && o.context === undefined) throw new OptionError(`the onnx backend samples a context-conditional model given each sample's context ([n, ${c.dim}]); without it (∅) leave --backend out`);
  const C = c?.kind === "context" ? c.dim : 0;
  if (C > 0 && o.context!.length !== n * C) throw new ShapeError(`expected context of shape [${n}, ${C}], got ${o.context!.length} values`);
  if (globalThis.Array.isArray(o.label) && o.label.length !== n) throw new ShapeError(`${o.label.length} labels for ${n} samples`);
  const D = model.dim;
  const rows = o.chunk ?? sampleChunkRows(model);
  if (!Number.isInteger(rows) || rows < 1) throw new OptionError(`chunk must be a positive integer, got ${rows}`);
  const rng = new Rng(o.seed ?? 0);
  try {
    for (let start = 0; start < n; start += rows) {
      const m = Math.min(rows, n - start);
      const label = globalThis.Array.isArray(o.label) ? o.label.slice(start, start + m) : o.label;
      const context = C > 0 ? o.context!.subarray(start * C, (start + m) * C) : o.context;
      const r = await sampleOnnx(model, m, { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, noise: rng.normals(m * D), label, context, guidance: o.guidance });
      yield { start, samples: r.samples, noise: r.noise, nfe: r.nfe };
    }
  } finally {
    await releaseOnnxSessions(model);
  }
}
