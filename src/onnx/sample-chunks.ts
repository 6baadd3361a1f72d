/**
 * `sampleChunks` (fm/sample-chunks.ts) on ONNX Runtime: the same noise stream drawn in the same order, so the rows
 * equal the wasm backend's to float32 rounding; each chunk is one graph call of the compiled K-step sampler.
 */
import { Rng } from "../engine/index.js";
import { sampleChunkRows, type SampleChunk } from "../fm/sample-chunks.js";
import type { SampleOptions } from "../fm/sample.js";
import type { VelocityModel } from "../fm/velocity-model.js";
import { OptionError } from "../errors.js";
import { sampleOnnx, releaseOnnxSessions } from "./sample.js";

export async function* onnxSampleChunks(model: VelocityModel, n: number, o: SampleOptions = {}): AsyncGenerator<SampleChunk> {
  if (globalThis.Array.isArray(o.label)) throw new OptionError("the onnx backend takes one label for all samples");
  if (model.config.cond?.kind === "context") throw new OptionError("the onnx backend does not sample context-conditional flow-matching models yet (leave --backend out)");
  const D = model.dim;
  const rows = sampleChunkRows(model);
  const rng = new Rng(o.seed ?? 0);
  try {
    for (let start = 0; start < n; start += rows) {
      const m = Math.min(rows, n - start);
      const r = await sampleOnnx(model, m, { method: o.method, steps: o.steps, rtol: o.rtol, atol: o.atol, noise: rng.normals(m * D), label: o.label as string | number | undefined, guidance: o.guidance });
      yield { start, samples: r.samples, noise: r.noise, nfe: r.nfe };
    }
  } finally {
    await releaseOnnxSessions(model);
  }
}
