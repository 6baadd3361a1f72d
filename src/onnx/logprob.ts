/**
 * Exact log-likelihoods on ONNX Runtime: `logProb(model, x, { method, steps })` with a fixed-step method, the
 * augmented dynamics [v, div v] (exact divergence by one batched jvp, or Hutchinson with the same probes as wasm)
 * integrated from t = 1 to 0 by K solver steps per graph call (a Loop over one traced step: loop.ts). The step
 * times and sizes are graph inputs (float64 grid rounded to float32, as the wasm solver's constants are), so one
 * compiled graph serves every K-step segment of the grid; a remainder (steps not a multiple of K) gets a second
 * graph. Chunks of `batchSize` rows are solved independently as in `logProb`, at most ROWS_PER_CALL rows per graph
 * call; a short last call is padded to the compiled batch (rows do not interact). The
 * compiled graphs stay with the model (session-cache.ts; `releaseOnnxSessions` frees them). With dopri5 (an
 * embedded pair) each chunk is one adaptive solve instead, a graph call per step (logprob-adaptive.ts).
 * Conditional models take each row's label or context (and the guidance weight) as `logProb` does
 * (`LogProbOptions.cond`), fed per graph call (conditional.ts).
 * Node-only: loads the optional `onnxruntime-node`.
 */
import { np, treeAstype, treeDispose, treeRef, type Array, type Tree } from "../engine/index.js";
import type { ModelParams, VelocityModel } from "../fm/velocity-model.js";
import { augmentedDynamics } from "../likelihood/dynamics.js";
import { drawProbes } from "../likelihood/divergence.js";
import { standardNormalLogProb, type LogProbOptions, type LogProbResult } from "../likelihood/logprob.js";
import { getTableau, rkStepArrayTime, timeGrid } from "../solvers/index.js";
import { solutionStages } from "../solvers/runge-kutta.js";
import { checkFinite, type NumericContext } from "../model/numerics.js";
import { OptionError, ShapeError } from "../errors.js";
import { compileToGraph, OPSET, type GraphInput } from "./compile.js";
import { DataType, encodeModel, tensorBytes, type GraphProto } from "./proto.js";
import { asLoopBody } from "./loop.js";
import { loadOrt, type OrtModule } from "./runtime.js";
import { cachedSession, type Session } from "./session-cache.js";
import { ROWS_PER_CALL } from "./sample.js";
import { logProbAdaptiveOnnx } from "./logprob-adaptive.js";
import { logProbInputs, rowConditions, type RowConditions } from "../likelihood/logprob-inputs.js";
import { condFeeds, fixedCondInputs, tracedField } from "./conditional.js";

/** Solver steps per graph call: long enough that call overhead vanishes, short enough to compile in a moment. */
export const STEPS_PER_CALL = 10;

/**
 * The graph of `k` steps: inputs `s` [B, D + 1] (state [x, a]), `t` [k] and `h` [k] (step start times and signed
 * sizes), `probes` [P, B, D] for Hutchinson, and a conditional model's `label`/`context` [B(, C)] and, when
 * `guided`, `guidance` [B] (conditional.ts); output `s_next`.
 */
export function logDensityStepsOnnx(model: VelocityModel, method: string, k: number, B: number, o: { divergence: "exact" | "hutchinson"; probes: number; guided?: boolean }): Uint8Array {
  const tab = getTableau(method);
  const D = model.dim;
  const hutch = o.divergence === "hutchinson";
  const params = treeAstype(treeRef(model.params as Tree), np.float32);
  try {
    // One step, its time and size read from t[i] and h[i]; the k steps are a Loop over it (loop.ts).
    const outer: GraphInput[] = [{ name: "t", shape: [k], outer: true }, { name: "h", shape: [k], outer: true }];
    if (hutch) outer.push({ name: "probes", shape: [o.probes, B, D], outer: true });
    outer.push(...fixedCondInputs(model, B, o.guided ?? false).map((c) => ({ ...c, outer: true })));
    const body = compileToGraph((p, i, s, t, h, ...rest) => {
      const probes = hutch ? rest[0] : undefined;
      const cin = rest.slice(hutch ? 1 : 0);
      const f = tracedField(model, p as ModelParams, cin, B, o.guided ?? false);
      const dyn = augmentedDynamics(f.field, D, { sign: 1, divergence: o.divergence, probes });
      const at = i!.astype(np.int32);
      const next = rkStepArrayTime(tab, (tt: Array, z: Array) => dyn(z, tt), np.take(t!, at.ref, 0), np.take(h!, at, 0), s!);
      probes?.dispose();
      f.dispose();
      cin.forEach((a) => a!.dispose());
      return next;
    }, { params, inputs: [{ name: "ld_i", shape: [], type: "int64" }, { name: "ld_s", shape: [B, D + 1] }, ...outer], outputs: ["ld_s_next"], name: `${method}_step` });
    const inputs = [{ name: "s", shape: [B, D + 1] } as GraphInput, ...outer].map((g) => ({ name: g.name, dataType: g.type === "int64" ? DataType.INT64 : DataType.FLOAT, shape: g.shape as number[] }));
    const graph: GraphProto = {
      name: `log_density_${method}_${k}`,
      nodes: [{ opType: "Loop", inputs: ["ld_steps", "", "s"], outputs: ["s_next"], name: "LogDensityLoop", attrs: { body: { g: asLoopBody(body, "ld") } } }],
      initializers: [{ name: "ld_steps", dataType: DataType.INT64, dims: [], raw: tensorBytes([k], DataType.INT64) }],
      inputs,
      outputs: [{ name: "s_next", dataType: DataType.FLOAT, shape: [B, D + 1] }],
    };
    return encodeModel({ graph, opset: OPSET, docString: `flowmatch augmented dynamics [v, div v], ${k} ${method} steps` });
  } finally {
    treeDispose(params);
  }
}

/**
 * log q(x) per row of x (row-major [n, D], data units), as `logProb(model, x, o)` computes it: dopri5 by default
 * (rtol/atol as `logProb`'s), or a fixed-step method (`steps`, default 100): the same grid or steps, chunks, probes
 * and units, to float32 rounding. The defaults are `logProb`'s, so `logProbOnnx(m, x)` answers what `logProb(m, x)` does.
 */
export async function logProbOnnx(model: VelocityModel, x: Float64Array, o: LogProbOptions = {}): Promise<LogProbResult> {
  const method = o.method ?? "dopri5";
  const tab = getTableau(method);
  const divergence = o.divergence ?? "exact";
  if (divergence !== "exact" && divergence !== "hutchinson") throw new OptionError(`divergence must be "exact" or "hutchinson", got "${divergence}"`);
  const probes = o.probes ?? 1;
  const D = model.dim;
  if (x.length % D !== 0) throw new ShapeError(`data has ${x.length} values, not a multiple of the model dimension ${D}`);
  const n = x.length / D;
  const rc = onnxRowConditions(model, n, o.cond);
  const batch = o.batchSize ?? 4096;
  if (!Number.isInteger(batch) || batch < 1) throw new OptionError(`batchSize must be a positive integer, got ${batch}`);
  // dopri5: one adaptive solve per chunk, a graph call per step (logprob-adaptive.ts).
  if (tab.bHat !== undefined) return logProbAdaptiveOnnx(model, x, { ...o, method }, divergence, probes, batch, rc);
  const steps = o.steps ?? 100;
  const grid = timeGrid({ t0: 1, t1: 0, steps });
  const K = Math.min(STEPS_PER_CALL, steps);
  const rest = steps % K;
  const B = Math.max(1, Math.min(batch, n));
  const { std, xs, logJac, rng, logp, z } = logProbInputs(model, x, o.seed);
  const nfe = steps * solutionStages(tab);
  if (n === 0) return { logp, z, nfe: 0 };
  const ort = await loadOrt();
  const guided = (rc?.guidance ?? 0) !== 0;
  const dopts = { divergence, probes, guided } as const;
  // Rows are independent: each chunk of B rows is solved ROWS_PER_CALL rows per graph call (cache-sized
  // activations; on the bench's 5,000 points 15–20% less CPU time than one 5,000-row graph).
  const Bc = Math.min(B, ROWS_PER_CALL);
  const sessions = new Map<number, Session>();
  for (const k of rest ? [K, rest] : [K]) {
    sessions.set(k, await cachedSession(model, `logp:${method}:${k}:${Bc}:${divergence}:${probes}:${guided}`, () => logDensityStepsOnnx(model, method, k, Bc, dopts)));
  }
  for (let start = 0; start < n; start += B) {
    const m = Math.min(B, n - start);
    // The same probe draws as logProb's (drawProbes over this chunk's m rows).
    const pv = divergence === "hutchinson" ? (drawProbes(rng, probes, m, D, o.probeKind ?? "rademacher", np.float32).dataSync() as Float32Array) : undefined;
    for (let r0 = 0; r0 < m; r0 += Bc) {
      const mc = Math.min(Bc, m - r0);
      const s0 = new Float32Array(Bc * (D + 1)); // padded rows stay 0
      for (let i = 0; i < mc; i++) for (let d = 0; d < D; d++) s0[i * (D + 1) + d] = xs[(start + r0 + i) * D + d]!;
      const feeds: Record<string, InstanceType<OrtModule["Tensor"]>> = { s: new ort.Tensor("float32", s0, [Bc, D + 1]) };
      if (pv) {
        const padded = new Float32Array(probes * Bc * D).fill(1); // padded rows get +1
        for (let j = 0; j < probes; j++) padded.set(pv.subarray((j * m + r0) * D, (j * m + r0 + mc) * D), j * Bc * D);
        feeds.probes = new ort.Tensor("float32", padded, [probes, Bc, D]);
      }
      if (rc) Object.assign(feeds, condFeeds(ort, rc, start + r0, mc, Bc, guided));
      for (let i = 0; i < steps; ) {
        const k = steps - i >= K ? K : rest;
        const t = Float32Array.from({ length: k }, (_, j) => grid[i + j]!);
        const h = Float32Array.from({ length: k }, (_, j) => grid[i + j + 1]! - grid[i + j]!);
        feeds.t = new ort.Tensor("float32", t, [k]);
        feeds.h = new ort.Tensor("float32", h, [k]);
        feeds.s = (await sessions.get(k)!.run(feeds)).s_next!;
        i += k;
      }
      const s = feeds.s.data as Float32Array;
      const zc = new Float64Array(mc * D);
      for (let i = 0; i < mc; i++) for (let d = 0; d < D; d++) zc[i * D + d] = s[i * (D + 1) + d]!;
      const base = standardNormalLogProb(zc, D);
      z.set(zc, (start + r0) * D);
      for (let i = 0; i < mc; i++) logp[start + r0 + i] = base[i]! + s[i * (D + 1) + D]! + logJac;
    }
    const ctx: NumericContext = { params: model.params, dim: D, inputs: x.subarray(start * D, (start + m) * D), rowOffset: start, standardizer: std, dataScale: model.config.dataScale, solver: o };
    checkFinite(logp.subarray(start, start + m), 1, "log-likelihood", ctx, true);
    o.onProgress?.(start + m, n);
  }
  return { logp, z, nfe: nfe * Math.ceil(n / B) };
}

/**
 * `rowConditions` (the checks `logProb` makes), and the one case ONNX Runtime's graphs cannot take: a
 * context-conditional model scored under ∅ (no context given), as a graph's context row always carries the
 * presence flag.
 */
export function onnxRowConditions(model: VelocityModel, n: number, cond: LogProbOptions["cond"]): RowConditions | undefined {
  const rc = rowConditions(model, n, cond);
  if (rc?.kind === "context" && !rc.context) throw new OptionError(`the onnx backend scores a context-conditional model given each point's context (cond.context, [n, ${rc.dim}]); leave the backend at wasm for ∅`);
  return rc;
}
