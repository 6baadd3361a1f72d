// npm run bench: prints JSON. Train-step time and GFLOP/s of the reference MLP ([x,t] → 256×3 → 2, SiLU, batch
// 512, Adam), and Euler-100 sampling of 10,000 points. FLOPs count a multiply–add as 2; a training step is
// counted as 3× the forward pass (forward + two backward matmuls per layer), the usual convention. The step is
// timed on one thread and data-parallel on this machine's cores (at most 4).
// `npm run bench -- --backend onnx`: the training step, Euler-100 sampling and the exact log-likelihood run on ONNX
// Runtime (src/onnx: the step is one graph call; the 100 Euler steps one call; RK4 10 steps per call; dopri5 one
// call per step and 1,024-row block), with the same JSON keys. There `ms_per_step` is one intra-op thread (against PyTorch's one) and `data_parallel` all cores
// (ONNX Runtime's intra-op threads instead of worker threads); sampling and log p use all cores (or
// FLOWMATCH_ORT_THREADS). The exact-vs-Hutchinson divergence table is jax-js's and runs on wasm either way.
// Ratios (`ratio_vs_pytorch`) are against issue 15's PyTorch 1.13 CPU one-thread figures for the same workloads on
// the same reference net (`pytorch_reference`): 5.30 ms per training step, 2.66 s Euler-100, 19.8 s exact log p.
// `--only train,sample,logp,divergence,unet` runs (and prints) only those parts: for A/B runs of one workload.
import { availableParallelism } from "node:os";
import { initEngine } from "../src/engine/index.js";
import "../src/node/index.js"; // registers the worker threads for the data-parallel step
import { createTrainState, train, disposeTrainState, type TrainState } from "../src/train/trainer.js";
import { openDataSource } from "../src/data/data-source.js";
import { mlpForwardFlops, type MlpConfig } from "../src/nets/mlp.js";
import { VelocityModel, type ModelParams } from "../src/fm/velocity-model.js";
import { sample } from "../src/fm/sample.js";
import { logProb, exactDivergence, hutchinsonDivergence, drawProbes } from "../src/likelihood/index.js";
import { np, jit, Rng, fromHost, treeRef, materialize, type Array } from "../src/engine/index.js";
import { defaultMlpConfig } from "../src/nets/mlp.js";
import { sampleOnnx } from "../src/onnx/sample.js";
import { trainOnnx } from "../src/onnx/train.js";
import { logProbOnnx } from "../src/onnx/logprob.js";
import { unetForwardFlops } from "../src/nets/unet.js";
import { openImageSource } from "../src/node/images.js";
import { unetConfigFor, UNET_TRAIN_DEFAULTS } from "../src/cli/image-train.js";

const backendAt = process.argv.indexOf("--backend");
const backend = backendAt < 0 ? "wasm" : process.argv[backendAt + 1];
if (backend !== "wasm" && backend !== "onnx") throw new Error(`--backend must be wasm or onnx, got "${backend}"`);
const PARTS = ["train", "sample", "logp", "divergence", "unet"] as const;
const onlyAt = process.argv.indexOf("--only");
const only = onlyAt < 0 ? [...PARTS] : process.argv[onlyAt + 1]!.split(",");
for (const p of only) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only takes ${PARTS.join(",")}; got "${p}"`);
const runs = (part: (typeof PARTS)[number]) => only.includes(part);
/** Issue 15's PyTorch 1.13 CPU figures, one thread, idle machine: the reference net's workloads. */
const PYTORCH = { train_step_ms: 5.3, sample_euler100_s: 2.66, logprob_exact_rk4_100_s: 19.8 } as const;
const pytorch = (value: number, ref: number, unit: string) => ({ ratio_vs_pytorch: +(value / ref).toFixed(2), pytorch_reference: `${ref} ${unit}, PyTorch 1.13 CPU, 1 thread (issue 15)` });

const device = await initEngine();
const ref: MlpConfig = { kind: "mlp", dim: 2, hidden: [256, 256, 256], activation: "silu", time: { kind: "none" } };
const batch = 512;
// warm: a multiple of the onnx trainer's STEPS_PER_CALL (8), whose progress for step `warm` comes when the call
// holding it returns.
const warm = 24, timed = Number(process.env.BENCH_STEPS ?? 150);

const data = openDataSource("8gaussians");
/**
 * Steady-state ms per step with `workers` threads (wasm: worker threads; onnx: intra-op threads): the first `warm`
 * steps (compile, thread start) are not timed.
 */
async function stepTime(workers: number): Promise<number> {
  const state = createTrainState({ kind: "flow-matching", net: ref, path: "condot" }, { steps: warm + timed, batch, clipNorm: 0, checkpointEvery: 0, workers: backend === "onnx" ? 1 : workers });
  return timedSteps(state, data, workers, warm, timed);
}

/**
 * Trains `state` (consumed) on `source` and returns the ms per step after the first `warm` steps, on this bench's
 * backend with `workers` threads (onnx: intra-op threads, through FLOWMATCH_ORT_THREADS, restored afterwards).
 */
async function timedSteps(state: TrainState, source: Parameters<typeof train>[1], workers: number, warmSteps: number, timedCount: number): Promise<number> {
  let tWarm = 0;
  const t0 = performance.now();
  const run = { progressEvery: warmSteps, onProgress: (p: { step: number }) => { if (p.step === warmSteps) tWarm = performance.now(); } };
  if (backend === "onnx") {
    const threads = process.env.FLOWMATCH_ORT_THREADS;
    process.env.FLOWMATCH_ORT_THREADS = String(workers);
    await trainOnnx(state, source, run);
    if (threads === undefined) delete process.env.FLOWMATCH_ORT_THREADS;
    else process.env.FLOWMATCH_ORT_THREADS = threads;
  } else train(state, source, run);
  disposeTrainState(state);
  return (performance.now() - (tWarm || t0)) / timedCount;
}
const workers = Math.min(4, availableParallelism());
const report: Record<string, unknown> = {
  device,
  backend: backend === "onnx" ? "onnx (train_step, sample_euler100, logprob_exact_rk4_100, logprob_exact_dopri5, unet_train_step; the divergence table on wasm)" : "wasm",
  node: process.version,
};

if (runs("train")) {
  const stepMs = await stepTime(1);
  const stepMsParallel = workers > 1 ? await stepTime(workers) : stepMs;
  const stepFlops = 3 * mlpForwardFlops(ref, batch);
  console.error(`train_step: ${stepMs.toFixed(2)} ms (1 thread), ${stepMsParallel.toFixed(2)} ms (${workers})`); // progress, in case a later part fails
  report.train_step = {
    model: "[x,t] -> 256 -> 256 -> 256 -> 2, SiLU, Adam", batch, steps_timed: timed,
    ms_per_step: +stepMs.toFixed(2), gflops_per_s: +(stepFlops / stepMs / 1e6).toFixed(2), flops_per_step: stepFlops,
    ...pytorch(stepMs, PYTORCH.train_step_ms, "ms"),
    data_parallel: {
      workers, ms_per_step: +stepMsParallel.toFixed(2), gflops_per_s: +(stepFlops / stepMsParallel / 1e6).toFixed(2),
      speedup: +(stepMs / stepMsParallel).toFixed(2), ...pytorch(stepMsParallel, PYTORCH.train_step_ms, "ms"),
      ...(backend === "onnx" ? { threads: "ONNX Runtime intra-op threads" } : {}),
    },
  };
}

if (runs("sample")) {
  const model = VelocityModel.init({ kind: "flow-matching", net: ref, path: "condot" }, 0);
  if (backend === "onnx") await sampleOnnx(model, 100, { method: "euler", steps: 100, seed: 0 }); // compile the graph
  else sample(model, 10000, { method: "euler", steps: 2, seed: 0 }); // compile for this batch shape
  const t1 = performance.now();
  const s = backend === "onnx" ? await sampleOnnx(model, 10000, { method: "euler", steps: 100, seed: 1 }) : sample(model, 10000, { method: "euler", steps: 100, seed: 1 });
  const sampleSec = (performance.now() - t1) / 1000;
  const evalFlops = mlpForwardFlops(ref, 10000) * s.nfe;
  console.error(`sample_euler100: ${sampleSec.toFixed(2)} s`);
  model.dispose();
  report.sample_euler100 = {
    backend, points: 10000, nfe: s.nfe, seconds: +sampleSec.toFixed(2),
    point_evals_per_s: Math.round((10000 * s.nfe) / sampleSec), gflops_per_s: +(evalFlops / sampleSec / 1e9).toFixed(2),
    ...pytorch(sampleSec, PYTORCH.sample_euler100_s, "s"),
  };
}

if (runs("logp")) {
  // Exact log-likelihood of 5,000 2-D points with RK4-100 on the reference net ([x,t] → 256×3 → 2, SiLU): the
  // workload PyTorch ran in issue 15. (Until 2026-12-05 these rows used the default MLP's activation, Swish-4, at the
  // same 256×3 shape: one more multiply per unit; bench/README.md.)
  const lpModel = VelocityModel.init({ kind: "flow-matching", net: ref, path: "condot" }, 0);
  const pts = new Rng(3).normals(5000 * 2);
  const lpOpts = { method: "rk4", batchSize: 5000 };
  if (backend === "onnx") await logProbOnnx(lpModel, pts, { ...lpOpts, steps: 10 }); // compile the 10-step graph
  else logProb(lpModel, pts.subarray(0, 5000 * 2), { ...lpOpts, steps: 1 }); // compile
  const t2 = performance.now();
  const lp = backend === "onnx" ? await logProbOnnx(lpModel, pts, { ...lpOpts, steps: 100 }) : logProb(lpModel, pts, { ...lpOpts, steps: 100 });
  const logpSec = (performance.now() - t2) / 1000;
  console.error(`logprob_exact_rk4_100: ${logpSec.toFixed(2)} s`);
  // The same with dopri5 (rtol = atol = 1e-5): eval's default method (onnx: a graph call per step, control on the host).
  const dpOpts = { method: "dopri5", batchSize: 5000 };
  if (backend === "onnx") await logProbOnnx(lpModel, pts.subarray(0, 20), dpOpts); // compile the field and step graphs
  else logProb(lpModel, pts.subarray(0, 20), dpOpts);
  const t3 = performance.now();
  const dp = backend === "onnx" ? await logProbOnnx(lpModel, pts, dpOpts) : logProb(lpModel, pts, dpOpts);
  const dopriSec = (performance.now() - t3) / 1000;
  console.error(`logprob_exact_dopri5: ${dopriSec.toFixed(2)} s (NFE ${dp.nfe})`);
  lpModel.dispose();
  report.logprob_exact_rk4_100 = {
    points: 5000, model: "[x,t] -> 256 -> 256 -> 256 -> 2, SiLU (the reference net)", nfe: lp.nfe, seconds: +logpSec.toFixed(2),
    point_evals_per_s: Math.round((5000 * lp.nfe) / logpSec), ...pytorch(logpSec, PYTORCH.logprob_exact_rk4_100_s, "s"),
  };
  report.logprob_exact_dopri5 = {
    points: 5000, model: "[x,t] -> 256 -> 256 -> 256 -> 2, SiLU (the reference net)", rtol: 1e-5, atol: 1e-5, nfe: dp.nfe, seconds: +dopriSec.toFixed(2),
    point_evals_per_s: Math.round((5000 * dp.nfe) / dopriSec),
  };
}

if (runs("divergence")) {
  // Exact (D one-hot jvps) vs Hutchinson (1 probe) divergence as D grows: seconds per evaluation on 512 points.
  // A size that exhausts wasm's 4 GiB (seen at D = 128 after the runs above) is recorded, not fatal to the report.
  const divergence: Record<string, unknown>[] = [];
  for (const D of [2, 8, 32, 128]) try {
    const m = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(D), hidden: [256, 256] }, path: "condot" }, 1);
    const x = fromHost(new Rng(D).normals(512 * D), [512, D], np.float32);
    const eps = drawProbes(new Rng(5), 1, 512, D, "rademacher", np.float32);
    const ex = jit((p: ModelParams, xx: Array, t: Array) => exactDivergence((z, tt) => m.apply(p, z, tt), xx, t).div);
    const hu = jit((p: ModelParams, xx: Array, t: Array, e: Array) => hutchinsonDivergence((z, tt) => m.apply(p, z, tt), xx, t, e).div);
    const time = (f: () => Array, reps: number) => {
      materialize(f());
      const t = performance.now();
      for (let i = 0; i < reps; i++) f().dispose();
      const y = f();
      materialize(y);
      y.dispose();
      return (performance.now() - t) / 1000 / (reps + 1);
    };
    const tt = () => np.full([], 0.5, { dtype: np.float32 });
    const exact = time(() => ex(treeRef(m.params), x.ref, tt()), 5);
    const hutch = time(() => hu(treeRef(m.params), x.ref, tt(), eps.ref), 5);
    divergence.push({ D, exact_ms: +(exact * 1000).toFixed(2), hutchinson_ms: +(hutch * 1000).toFixed(2), ratio: +(exact / hutch).toFixed(2) });
    x.dispose();
    eps.dispose();
    m.dispose();
  } catch (e) {
    divergence.push({ D, error: String((e as Error).message ?? e) });
    break;
}
report.divergence_exact_vs_hutchinson = { points: 512, model: "[x, t] -> 256 -> 256 -> D", per_eval: divergence };
}

if (runs("unet")) {
  // U-Net training step on the 8×8 digits, class-conditional (the default recipe of train --net unet): images per
  // second on one thread and data-parallel (onnx: the whole step as one graph call, intra-op threads as for the MLP).
  const digits = openImageSource("digits", { cond: true, testFraction: 0.1 });
  const unet = unetConfigFor(digits);
  const unetBatch = UNET_TRAIN_DEFAULTS.batch, unetWarm = 3, unetTimed = Number(process.env.BENCH_UNET_STEPS ?? 20);
  async function unetStepTime(workers: number): Promise<number> {
    const state = createTrainState({ kind: "flow-matching", net: unet, path: "condot", standardizer: digits.standardizer, cond: digits.cond }, { steps: unetWarm + unetTimed, batch: unetBatch, checkpointEvery: 0, workers: backend === "onnx" ? 1 : workers });
    return timedSteps(state, digits, workers, unetWarm, unetTimed);
}
const unetMs = await unetStepTime(1);
const unetMsParallel = workers > 1 ? await unetStepTime(workers) : unetMs;
const unetFlops = 3 * unetForwardFlops(unet) * unetBatch;

report.unet_train_step = {
  backend, data: "digits 8x8x1, class-conditional", model: `U-Net width ${unet.width}, mults ${unet.mults.join(",")}, attention ${unet.attention}`,
  batch: unetBatch, steps_timed: unetTimed, ms_per_step: +unetMs.toFixed(1), images_per_s: +((unetBatch * 1000) / unetMs).toFixed(1),
  gflops_per_s: +(unetFlops / unetMs / 1e6).toFixed(2), flops_per_step: unetFlops,
  data_parallel: { workers, ms_per_step: +unetMsParallel.toFixed(1), images_per_s: +((unetBatch * 1000) / unetMsParallel).toFixed(1), ...(backend === "onnx" ? { threads: "ONNX Runtime intra-op threads" } : {}) },
};
}

console.log(JSON.stringify(report, null, 2));
