/**
 * `sampleOnnx` with dopri5: the n rows of one call are one adaptive solve from t = 0 to 1, as `sample(model, n)`
 * solves them (the error norm over all n rows), each step one ONNX Runtime call per block of ROWS_PER_CALL rows
 * (dopri.ts). Unconditional and conditional models: each row's label or context, and guidance, fed per row block
 * (conditional.ts); without guidance (w = 0) the graphs leave the ∅ pass out.
 */
import type { Tree } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import { unstandardize } from "../data/normalize.js";
import { getTableau } from "../solvers/index.js";
import { withCause } from "../model/numerics.js";
import { condFeeds, fixedCondInputs, tracedField } from "./conditional.js";
import type { RowConditions } from "../likelihood/logprob-inputs.js";
import { adaptiveSolveOnnx, embeddedStepGraph, fieldGraph, type RowBlock, type TracedField } from "./dopri.js";
import type { OrtModule } from "./runtime.js";
import { cachedSession } from "./session-cache.js";

export interface AdaptiveSampleInput {
  method: string;
  rtol?: number;
  atol?: number;
  /** Model units, row-major [n, D]. */
  noise: Float64Array;
  /** A conditional model's rows' conditions (labels or context) and guidance. */
  cond?: RowConditions;
}

/** Samples (data units) and the NFE of one dopri5 solve over all rows of `noise`. */
export async function sampleAdaptiveOnnx(ort: OrtModule, model: VelocityModel, rowsPerCall: number, o: AdaptiveSampleInput): Promise<{ samples: Float64Array; nfe: number }> {
  const tab = getTableau(o.method);
  const D = model.dim;
  const n = o.noise.length / D;
  if (n === 0) return { samples: new Float64Array(0), nfe: 0 };
  const Bc = Math.min(n, rowsPerCall);
  const guided = (o.cond?.guidance ?? 0) !== 0;
  const extra = fixedCondInputs(model, Bc, guided);
  const g: TracedField = (p, s, t, ex) => {
    const f = tracedField(model, p as ModelParams, ex, Bc, guided);
    const v = f.field(s, t);
    f.dispose();
    return v;
  };
  const field = await cachedSession(model, `sample-field:${Bc}:${guided}`, () => fieldGraph(model.params as Tree, g, Bc, D, extra));
  const step = await cachedSession(model, `sample-step:${o.method}:${Bc}:${guided}`, () => embeddedStepGraph(model.params as Tree, g, tab, Bc, D, extra));
  const blocks: RowBlock[] = [];
  for (let r0 = 0; r0 < n; r0 += Bc) {
    const mc = Math.min(Bc, n - r0);
    const s0 = new Float32Array(Bc * D); // padded rows stay 0
    s0.set(o.noise.subarray(r0 * D, (r0 + mc) * D));
    const block: RowBlock = { s: new ort.Tensor("float32", s0, [Bc, D]), rows: mc, extra: {} };
    if (o.cond) block.extra = condFeeds(ort, o.cond, r0, mc, Bc, guided);
    blocks.push(block);
  }
  let nfe;
  try {
    nfe = (await adaptiveSolveOnnx(ort, tab, field, step, blocks, { t0: 0, t1: 1, rtol: o.rtol, atol: o.atol })).nfe;
  } catch (e) {
    throw withCause(e, "sampling", { params: model.params, dim: D, solver: o });
  }
  const x = new Float64Array(n * D);
  blocks.forEach((b, i) => x.set((b.s.data as Float32Array).subarray(0, b.rows * D), i * Bc * D));
  const std = model.config.standardizer;
  return { samples: std ? unstandardize(x, std) : x, nfe };
}
