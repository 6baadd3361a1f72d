/**
 * `flowmatch eval`: exact log-likelihood of held-out data under a saved model (NLL in nats and bits/dim; KL when the
 * data's density is known) plus sample metrics (MMD, energy distance, W2). `--logp-out` writes log q per input row.
 * A flow-matching model's likelihood runs through the ODE (solver flags); a normalizing flow's is exact.
 * `--backend onnx` solves that ODE on ONNX Runtime (fixed steps or dopri5; src/onnx/logprob.ts); the sample metrics
 * stay on wasm. A conditional model scores each point under its own label or context (eval-conditional.ts).
 */
import { initEngine, computeBackend, Rng } from "../../engine/index.js";
import { getToy, isToyName } from "../../data/registry.js";
import { evaluate, evaluable, flowEvaluable, type EvalData, type EvalReport } from "../../metrics/evaluate.js";
import type { FlowConds } from "../../data/flow-data.js";
import { dequantize } from "../../data/flow-data.js";
import type { LogProbOptions } from "../../likelihood/index.js";
import { loadModel, loadFlowModel } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { writeFileAtomic } from "../../node/checkpoint-dir.js";
import { checkOutputFile, writeOutputFile } from "../../node/output-path.js";
import { OptionError, ShapeError } from "../../errors.js";
import { parseCommand, num, type CommandSpec } from "../args.js";
import { progressBar } from "../progress.js";
import { guardOutput } from "../output-guard.js";
import { velocityEvalData, flowPoints } from "../data.js";
import { formatNumber as sig } from "../../format.js";
import { evalsInChunks, velocityEvalChunked, flowEvalChunked } from "./eval-chunked.js";
import { backendArg, backendOption, type BackendChoice } from "../backend-arg.js";
import { logProbOnnx } from "../../onnx/logprob.js";
import { openFlowLogProb } from "../../onnx/flow-logprob.js";
import { contextOf } from "../../flows/context.js";
import { modelImage } from "../image-plot.js";
import { imageBitsPerDim, imageTestPoints, formatImageEval } from "../image-eval.js";
import { givenOptions } from "../resume-check.js";
import { conditionalEvalData, conditionalEvaluable, logProbCond } from "./eval-conditional.js";

export const evalSpec: CommandSpec = {
  name: "eval",
  summary: "Evaluate a model: exact NLL (nats, bits/dim), KL to a known density, MMD, energy distance, W2.",
  usage: "flowmatch eval --model DIR --data <toy | file.csv> [--n N] [--divergence exact|hutchinson] [--logp-out logp.csv] [--json]",
  options: {
    model: { type: "string", help: "checkpoint directory" },
    data: { type: "string", help: "toy name (fresh held-out samples) or CSV file (every row, in order)" },
    n: { type: "string", help: "points drawn from a toy (CSV: all rows unless given)", default: "5000" },
    divergence: { type: "string", help: "exact or hutchinson", default: "exact" },
    probes: { type: "string", help: "Hutchinson probes per point", default: "1" },
    method: { type: "string", help: "ODE solver for the likelihood", default: "dopri5" },
    steps: { type: "string", help: "steps for fixed-step solvers", default: "100" },
    rtol: { type: "string", help: "dopri5 relative tolerance", default: "1e-5" },
    atol: { type: "string", help: "dopri5 absolute tolerance", default: "1e-5" },
    samples: { type: "string", help: "model samples for MMD / energy / W2 (≤ 2000; 0: skip)", default: "2000" },
    seed: { type: "string", help: "seed of the toy points, probes and model samples", default: "0" },
    "logp-out": { type: "string", help: "write log q(x) of every input row (original units) to this CSV" },
    json: { type: "boolean", help: "print the report as JSON" },
    backend: backendOption("flow-matching log-likelihoods: K fixed steps per graph call, or one dopri5 step per call; normalizing flows: the compiled log p"),
  },
  examples: ["flowmatch eval --model runs/8g --data 8gaussians", "flowmatch eval --model runs/digits --data digits   (image models: bits/dim of the held-out images)", "flowmatch eval --model runs/table --data test.csv --logp-out logp.csv --json"],
};

/** The text report of a flow-matching model. */
function fmt(r: EvalReport): string {
  const lines = [
    `points        ${r.n} (dim ${r.dim})`,
    `NLL           ${sig(r.nll.mean)} ± ${sig(r.nll.stderr)} nats   (${sig(r.bitsPerDim)} bits/dim)`,
  ];
  if (r.kl) lines.push(`KL(p‖q)       ${sig(r.kl.kl)} ± ${sig(r.kl.stderr)} nats   (entropy of p ${sig(r.entropy!)})`);
  if (r.sampleCount) {
    lines.push(
      `MMD²          ${sig(r.mmd2!)}   (RBF, median-heuristic bandwidths, ${r.sampleCount} vs ${r.sampleCount} points)`,
      `energy dist.  ${sig(r.energy!)}`,
      `W2 (exact)    ${sig(r.w2!)}`,
      `sliced W2     ${sig(r.slicedW2!)}`,
    );
  }
  lines.push(`NFE ${r.nfe ?? "?"}, ${sig(r.seconds, 2)} s`);
  return lines.join("\n");
}

export async function evalCommand(argv: string[]): Promise<void> {
  const v = parseCommand(evalSpec, argv);
  if (!v) return;
  if (!v.model) throw new OptionError("eval: --model DIR is required");
  if (!v.data) throw new OptionError("eval: --data is required (a toy name or a CSV file)");
  const divergence = String(v.divergence);
  if (divergence !== "exact" && divergence !== "hutchinson") throw new OptionError(`--divergence must be exact or hutchinson, got "${divergence}"`);
  const seed = num(v, "seed", { int: true, min: 0 })!;
  guardOutput("--logp-out", v["logp-out"], { "--data": v.data, "--model": v.model });
  if (v["logp-out"] !== undefined) checkOutputFile(String(v["logp-out"]), "--logp-out"); // before the likelihoods
  const spec = String(v.data);
  const nGiven = argv.some((a) => a === "--n" || a.startsWith("--n="));
  const backend = backendArg(v);
  if (isFlowCheckpoint(String(v.model))) return flowEval(v, nGiven, backend);
  await initEngine({ backend });
  const model = loadModel(String(v.model));
  try {
    if (modelImage(model)) {
      // Image models: bits/dim of held-out images (image-eval.ts); Hutchinson unless --divergence exact.
      const { points, split } = imageTestPoints(model, spec, nGiven ? num(v, "n", { int: true, min: 1 }) : undefined);
      const r = imageBitsPerDim(model, points, {
        seed, split, divergence: givenOptions(argv).has("divergence") ? (divergence as "exact" | "hutchinson") : undefined, probes: num(v, "probes", { int: true, min: 1 }),
        method: String(v.method), steps: num(v, "steps", { int: true, min: 1 }), rtol: num(v, "rtol", { min: 0 }), atol: num(v, "atol", { min: 0 }), batchSize: 256,
      });
      process.stdout.write(v.json ? JSON.stringify({ model: String(v.model), data: spec, ...r }, null, 2) + "\n" : formatImageEval(r) + "\n");
      return;
    }
    // A conditional model's points come with their conditions (the toy's modes, the CSV's condition columns).
    const cond = model.config.cond;
    const nArg = isToyName(spec) || nGiven ? num(v, "n", { int: true, min: 1 }) : undefined;
    const chunked = evalsInChunks(isToyName(spec), nArg);
    const data: (EvalData & { conds?: FlowConds }) | undefined = chunked ? undefined : cond ? conditionalEvalData(model, spec, nArg, seed) : velocityEvalData(spec, nArg, seed);
    const dataDim = data?.dim ?? getToy(spec).dim;
    if (dataDim !== model.dim) {
      throw new ShapeError(`${spec} has ${dataDim} columns but the model in ${String(v.model)} has dimension ${model.dim}`);
    }
    const n = data ? data.points.length / data.dim : nArg!;
    const bar = progressBar(n, "log-likelihood", { quiet: !!v.json && !process.stderr.isTTY, unit: "pts" });
    const samples = num(v, "samples", { int: true, min: 0 })!;
    const opts: LogProbOptions & { sampleMethod: string } = {
      divergence: divergence as LogProbOptions["divergence"], probes: num(v, "probes", { int: true, min: 1 }), method: String(v.method),
      steps: num(v, "steps", { int: true, min: 1 }), rtol: num(v, "rtol", { min: 0 }), atol: num(v, "atol", { min: 0 }),
      seed, batchSize: 1000, sampleMethod: "dopri5",
    };
    // ONNX Runtime for --backend onnx, and for auto where it loaded (fixed-step methods and dopri5 alike).
    const onnx = computeBackend() === "onnx";
    if (!data) {
      // A large toy --n: drawn, scored and written a chunk at a time (eval-chunked.ts).
      const logpOut = v["logp-out"] === undefined ? undefined : String(v["logp-out"]);
      let offset = 0;
      const progress = { ...opts, onProgress: (done: number) => bar.update(offset + done) };
      const scorer = evaluable(model, progress);
      // A conditional model's chunks come with their points' conditions: scored (and sampled) with them.
      const withConds = (c: FlowConds | undefined) => (c ? conditionalEvaluable(model, c, progress) : scorer);
      const score = onnx
        ? (x: Float64Array, c?: FlowConds) => logProbOnnx(model, x, { ...progress, cond: c && logProbCond(c) })
        : async (x: Float64Array, c?: FlowConds) => withConds(c).logProb(x);
      const report = await velocityEvalChunked(scorer, { spec, n, seed, samples, logpOut, bar, onChunk: (start) => (offset = start), score, cond, sampler: withConds });
      if (logpOut !== undefined) process.stderr.write(`wrote ${n} log-densities to ${logpOut}\n`);
      return printReport(v, report, fmt(report), { model: String(v.model), data: spec, divergence });
    }
    const conds = data.conds;
    const scoreOpts = { ...opts, onProgress: (done: number) => bar.update(done) };
    const scorer = conds ? conditionalEvaluable(model, conds, scoreOpts) : evaluable(model, scoreOpts);
    const t0 = performance.now();
    // The ONNX log-likelihoods come first (an async solve); evaluate then reads them instead of solving on wasm.
    const lp = onnx ? await logProbOnnx(model, data.points, { ...scoreOpts, cond: conds && logProbCond(conds) }) : undefined;
    const report = evaluate(lp ? { ...scorer, logProb: () => lp } : scorer, data, { sampleCount: samples, skipSamples: samples === 0, seed: seed + 1 });
    if (lp) report.seconds = (performance.now() - t0) / 1000;
    bar.finish();
    if (v["logp-out"] !== undefined) {
      writeOutputFile(String(v["logp-out"]), "logp\n" + Array.from(report.logp, (x) => String(x)).join("\n") + "\n", writeFileAtomic, "--logp-out");
      process.stderr.write(`wrote ${n} log-densities to ${v["logp-out"]}\n`);
    }
    printReport(v, report, fmt(report), { model: String(v.model), data: spec, divergence });
  } finally {
    model.dispose();
  }
}

/** The report on stdout: JSON (`head` first, the per-point logp left out) or the text. */
function printReport(v: Record<string, unknown>, report: EvalReport, text: string, head: Record<string, unknown>): void {
  const { logp: _omit, ...rest } = report;
  if (v.json) process.stdout.write(JSON.stringify({ ...head, ...rest }, null, 2) + "\n");
  else process.stdout.write(text + "\n");
}

/** The text report of a flow (dq: the dequantization levels, when the data were dequantized). */
function fmtFlow(r: EvalReport, dq?: number): string {
  const lines = [
    `points        ${r.n} (dim ${r.dim})${dq ? `, dequantized (${dq} levels, one draw of uniform noise)` : ""}`,
    `NLL           ${sig(r.nll.mean)} ± ${sig(r.nll.stderr)} nats   (${sig(r.bitsPerDim)} bits/dim)`,
  ];
  if (r.kl) lines.push(`KL(p‖q)       ${sig(r.kl.kl)} ± ${sig(r.kl.stderr)} nats   (entropy of p ${sig(r.entropy!)})`);
  if (r.sampleCount)
    lines.push(
      `MMD²          ${sig(r.mmd2!)}   (${r.sampleCount} vs ${r.sampleCount} points)`,
      `energy dist.  ${sig(r.energy!)}`,
      `W2 (exact)    ${sig(r.w2!)}`,
      `sliced W2     ${sig(r.slicedW2!)}`,
    );
  lines.push(`${sig(r.seconds, 2)} s`);
  return lines.join("\n");
}

/**
 * `eval` of a flow checkpoint (v: the parsed options; nGiven: whether --n was passed). On the onnx backend the
 * log-likelihoods come from the flow's compiled log p (onnx/flow-logprob.ts); the sample metrics stay on wasm.
 */
async function flowEval(v: Record<string, unknown>, nGiven: boolean, backend: BackendChoice): Promise<void> {
  await initEngine({ backend });
  const model = loadFlowModel(String(v.model));
  // auto: ONNX Runtime where it loaded and the flow is float32 (onnx itself refuses others in one line), as sample.
  const useOnnx = computeBackend() === "onnx" && (backend === "onnx" || String(model.dtype) === "float32");
  const onnx = useOnnx ? await openFlowLogProb(model) : undefined;
  try {
    const seed = num(v, "seed", { int: true, min: 0 })!;
    const spec = String(v.data);
    const nArg = isToyName(spec) || nGiven ? num(v, "n", { int: true, min: 1 }) : undefined;
    const samples = num(v, "samples", { int: true, min: 0 })!;
    const L = model.config.dequantize?.levels;
    if (evalsInChunks(isToyName(spec), nArg)) {
      // A large toy --n: drawn, scored and written a chunk at a time (eval-chunked.ts).
      if (getToy(spec).dim !== model.dim) throw new ShapeError(`${spec} has ${getToy(spec).dim} columns but the model in ${String(v.model)} has dimension ${model.dim}`);
      const logpOut = v["logp-out"] === undefined ? undefined : String(v["logp-out"]);
      const score = onnx && (async (x: Float64Array, ctx?: Float64Array) => ({ logp: await onnx.logProb(x, ctx) }));
      const report = await flowEvalChunked(model, { spec, n: nArg!, seed, samples, logpOut, ...(score ? { scoreFlow: score } : {}) });
      if (logpOut !== undefined) process.stderr.write(`wrote ${report.n} log-densities to ${logpOut}\n`);
      return printReport(v, report, fmtFlow(report, L), { model: String(v.model), arch: model.config.arch, data: spec });
    }
    const d = flowPoints(model, spec, nArg, seed);
    const points = L ? dequantize(d.points, new Rng((seed + 4242) >>> 0)) : d.points;
    const t0 = performance.now();
    const lp = onnx && (await onnx.logProb(points, model.config.ctxDim ? contextOf(model, points.length / model.dim, d.conds) : undefined));
    const scorer = flowEvaluable(model, d.conds);
    const report = evaluate(lp ? { ...scorer, logProb: () => ({ logp: lp }) } : scorer, { points, dim: model.dim, logProbTrue: d.logProbTrue }, { sampleCount: samples, skipSamples: samples === 0, seed: seed + 1 });
    if (lp) report.seconds = (performance.now() - t0) / 1000;
    if (v["logp-out"] !== undefined) {
      writeOutputFile(String(v["logp-out"]), "logp\n" + Array.from(report.logp, String).join("\n") + "\n", writeFileAtomic, "--logp-out");
      process.stderr.write(`wrote ${report.n} log-densities to ${v["logp-out"]}\n`);
    }
    printReport(v, report, fmtFlow(report, L), { model: String(v.model), arch: model.config.arch, data: spec });
  } finally {
    await onnx?.release();
    model.dispose();
  }
}
