/**
 * `logProbOnnx` with dopri5 (the library's default method for exact log p): every chunk of `batchSize` rows is one
 * adaptive solve of the augmented dynamics [v, div v] from t = 1 to 0, as `logProb` solves it — the same chunks,
 * probes, tolerances and error norm over the whole chunk — with each step one ONNX Runtime call per block of
 * ROWS_PER_CALL rows (dopri.ts) and the step-size control on the host. A conditional model's per-row labels or
 * context (and guidance) are each block's extra feeds, beside the probes (conditional.ts).
 */
import { np, type Array, type Tree } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import { augmentedDynamics } from "../likelihood/dynamics.js";
import { drawProbes } from "../likelihood/divergence.js";
import { standardNormalLogProb, type LogProbOptions, type LogProbResult } from "../likelihood/logprob.js";
import { getTableau } from "../solvers/index.js";
import { checkFinite, withCause, type NumericContext } from "../model/numerics.js";
import type { GraphInput } from "./compile.js";
import { adaptiveSolveOnnx, embeddedStepGraph, fieldGraph, type RowBlock, type TracedField } from "./dopri.js";
import { loadOrt, type OrtModule } from "./runtime.js";
import { cachedSession } from "./session-cache.js";
import { ROWS_PER_CALL } from "./sample.js";
import { logProbInputs, type RowConditions } from "../likelihood/logprob-inputs.js";
import { condFeeds, fixedCondInputs, tracedField } from "./conditional.js";

/**
 * The traced augmented field (sign +1: density evaluation) and its extra graph inputs: the Hutchinson probes, then
 * a conditional model's label/context and, when `guided`, guidance.
 */
function augmentedField(model: VelocityModel, divergence: "exact" | "hutchinson", probes: number, B: number, guided: boolean): { g: TracedField; extra: GraphInput[] } {
  const D = model.dim;
  const hutch = divergence === "hutchinson";
  const g: TracedField = (p, s, t, ex) => {
    const f = tracedField(model, p as ModelParams, ex.slice(hutch ? 1 : 0), B, guided);
    const out = augmentedDynamics(f.field, D, { sign: 1, divergence, probes: hutch ? ex[0] : undefined })(s, t);
    f.dispose();
    return out;
  };
  const extra: GraphInput[] = hutch ? [{ name: "probes", shape: [probes, B, D] }] : [];
  return { g, extra: [...extra, ...fixedCondInputs(model, B, guided)] };
}

/** logProbOnnx for an embedded pair (dopri5); the options are checked by the caller. */
export async function logProbAdaptiveOnnx(model: VelocityModel, x: Float64Array, o: LogProbOptions, divergence: "exact" | "hutchinson", probes: number, batch: number, rc: RowConditions | undefined): Promise<LogProbResult> {
  const method = o.method ?? "dopri5";
  const tab = getTableau(method);
  const D = model.dim;
  const W = D + 1;
  const { n, std, xs, logJac, rng, logp, z } = logProbInputs(model, x, o.seed);
  if (n === 0) return { logp, z, nfe: 0 };
  const ort: OrtModule = await loadOrt();
  // One compiled batch for every block: min(batch, n, ROWS_PER_CALL) rows, a short block padded with zero rows.
  const Bc = Math.min(batch, n, ROWS_PER_CALL);
  const guided = (rc?.guidance ?? 0) !== 0;
  const { g, extra } = augmentedField(model, divergence, probes, Bc, guided);
  const key = `${Bc}:${divergence}:${probes}:${guided}`;
  const field = await cachedSession(model, `logp-field:${key}`, () => fieldGraph(model.params as Tree, g, Bc, W, extra));
  const step = await cachedSession(model, `logp-step:${method}:${key}`, () => embeddedStepGraph(model.params as Tree, g, tab, Bc, W, extra));
  let nfe = 0;
  for (let start = 0; start < n; start += batch) {
    const m = Math.min(batch, n - start);
    const ctx: NumericContext = { params: model.params, dim: D, inputs: x.subarray(start * D, (start + m) * D), rowOffset: start, standardizer: std, dataScale: model.config.dataScale, solver: o };
    // The same probe draws as logProb's (drawProbes over this chunk's m rows).
    const pv = divergence === "hutchinson" ? (drawProbes(rng, probes, m, D, o.probeKind ?? "rademacher", np.float32).dataSync() as Float32Array) : undefined;
    const blocks: RowBlock[] = [];
    for (let r0 = 0; r0 < m; r0 += Bc) {
      const mc = Math.min(Bc, m - r0);
      const s0 = new Float32Array(Bc * W);
      for (let i = 0; i < mc; i++) for (let d = 0; d < D; d++) s0[i * W + d] = xs[(start + r0 + i) * D + d]!;
      const block: RowBlock = { s: new ort.Tensor("float32", s0, [Bc, W]), rows: mc, extra: {} };
      if (pv) {
        const pb = new Float32Array(probes * Bc * D).fill(1); // padded rows get +1
        for (let j = 0; j < probes; j++) pb.set(pv.subarray((j * m + r0) * D, (j * m + r0 + mc) * D), j * Bc * D);
        block.extra.probes = new ort.Tensor("float32", pb, [probes, Bc, D]);
      }
      if (rc) Object.assign(block.extra, condFeeds(ort, rc, start + r0, mc, Bc, guided));
      blocks.push(block);
    }
    try {
      nfe += (await adaptiveSolveOnnx(ort, tab, field, step, blocks, { t0: 1, t1: 0, rtol: o.rtol, atol: o.atol })).nfe;
    } catch (e) {
      throw withCause(e, "log-likelihood", ctx);
    }
    let r0 = 0;
    for (const b of blocks) {
      const s = b.s.data as Float32Array;
      const mc = b.rows;
      const zc = new Float64Array(mc * D);
      for (let i = 0; i < mc; i++) for (let d = 0; d < D; d++) zc[i * D + d] = s[i * W + d]!;
      const base = standardNormalLogProb(zc, D);
      z.set(zc, (start + r0) * D);
      for (let i = 0; i < mc; i++) logp[start + r0 + i] = base[i]! + s[i * W + D]! + logJac;
      r0 += mc;
    }
    checkFinite(logp.subarray(start, start + m), 1, "log-likelihood", ctx, true);
    o.onProgress?.(start + m, n);
  }
  return { logp, z, nfe };
}
