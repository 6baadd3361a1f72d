/**
 * `flowmatch sample`: draw samples from a saved model and write them as CSV. A flow-matching model carries noise
 * (t = 0) to data (t = 1) with an ODE solver; a normalizing flow (config kind "normalizing-flow") inverts its
 * bijector on base draws, at a temperature and, when conditional, for a label or context.
 *
 * Large n is drawn in chunks and streamed (to stdout as it goes, or to --out through a temporary file renamed into
 * place at the end), so memory stays flat; an --out the disk cannot hold is refused before sampling.
 * `--backend onnx` runs a fixed-step flow-matching sampler on ONNX Runtime (src/onnx/sample.ts): the same noise
 * stream, one graph call per chunk (dopri5: one call per step, the control on the host); for a normalizing flow it
 * runs the compiled inverse on the same base draws (src/onnx/flow-sample.ts). `--backend auto` does so where
 * onnxruntime-node loads and the run fits.
 */
import { initEngine, computeBackend } from "../../engine/index.js";
import { CHUNK_ROWS, csvBytes } from "../../engine/memory.js";
import { sampleChunks } from "../../fm/sample-chunks.js";
import { flowSampleChunks, type FlowChunkOptions } from "../../flows/sample-chunks.js";
import { uniformLabelStream } from "../../flows/context.js";
import type { Flow } from "../../flows/model.js";
import { toCsv } from "../../data/csv.js";
import { loadModel, loadFlowModel } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { checkOutputFile } from "../../node/output-path.js";
import { checkDiskSpace, openOutputStream } from "../../node/stream-out.js";
import { OptionError } from "../../errors.js";
import { parseCommand, num, sampleOptions, solverArgs, flowContextArg, refuseSolverFlags, refuseFlowFlags, type CommandSpec } from "../args.js";
import { givenOptions } from "../resume-check.js";
import { guardOutput } from "../output-guard.js";
import { progressBar } from "../progress.js";
import { onnxSampleChunks } from "../../onnx/sample-chunks.js";
import { flowSampleChunksOnnx } from "../../onnx/flow-sample.js";
import { EXPORT_SAMPLERS } from "../../onnx/export.js";
import { backendOption, backendArg } from "../backend-arg.js";

export const sampleSpec: CommandSpec = {
  name: "sample",
  summary: "Draw samples from a trained model (noise at t = 0 carried to data at t = 1) and write them as CSV.",
  usage: "flowmatch sample --model DIR --n N [--method M] [--steps K] --out samples.csv",
  options: {
    model: { type: "string", help: "checkpoint directory" },
    n: { type: "string", help: "number of samples (any size: drawn and written in chunks)", default: "1000" },
    out: { type: "string", help: "output CSV (default: stdout)" },
    quiet: { type: "boolean", short: "q", help: "no progress output (shown for more than 65536 samples)" },
    backend: backendOption("euler/midpoint/rk4 sampling of flow-matching models, one graph call per chunk; dopri5, one call per step; normalizing flows: the compiled inverse"),
    ...sampleOptions,
  },
  examples: ["flowmatch sample --model runs/8g --n 10000 --method euler --steps 100 --out samples.csv"],
};

/**
 * Writes chunks of samples as one CSV (the header once) to --out or stdout, with progress on stderr for large n.
 * On any failure the temporary file is removed and an existing --out stays as it was.
 */
async function streamCsv(v: Record<string, unknown>, n: number, dim: number, chunks: Iterable<{ start: number; samples: Float64Array }> | AsyncIterable<{ start: number; samples: Float64Array }>): Promise<void> {
  const out = v.out === undefined ? undefined : String(v.out);
  const stream = openOutputStream(out);
  const bar = n > CHUNK_ROWS ? progressBar(n, "sample", { quiet: !!v.quiet, unit: "pts" }) : undefined;
  try {
    for await (const c of chunks) {
      const csv = toCsv(c.samples, dim);
      await stream.write(c.start === 0 ? csv : csv.slice(csv.indexOf("\n") + 1));
      bar?.update(c.start + c.samples.length / dim);
    }
    stream.commit();
  } catch (e) {
    stream.abort();
    throw e;
  }
  bar?.finish();
}

/** The context of a conditional flow's samples: shared values, or uniformly drawn labels streamed per chunk. */
function flowChunkContext(flow: Flow, v: Record<string, unknown>, seed: number): Pick<FlowChunkOptions, "ctx" | "ctxRows"> {
  const cond = flow.config.cond;
  if (flow.config.ctxDim > 0 && cond?.kind === "class" && v.label === undefined && v.context === undefined) {
    const next = uniformLabelStream(cond, seed);
    return { ctxRows: (_start, m) => next(m) };
  }
  return { ctx: flowContextArg(flow, 1, v, seed) };
}

export async function sampleCommand(argv: string[]): Promise<void> {
  const v = parseCommand(sampleSpec, argv);
  if (!v) return;
  if (!v.model) throw new OptionError("sample: --model DIR is required");
  const n = num(v, "n", { int: true, min: 1 })!;
  guardOutput("--out", v.out, { "--model": v.model });
  if (v.out !== undefined) checkOutputFile(String(v.out)); // before any sampling
  const dir = String(v.model);
  const diskCheck = (dim: number) => v.out !== undefined && checkDiskSpace(String(v.out), csvBytes(n, dim));
  const backend = backendArg(v);
  let onnx = backend === "onnx";
  if (isFlowCheckpoint(dir)) {
    refuseSolverFlags(givenOptions(argv), dir);
    await initEngine({ backend }); // onnx where onnxruntime-node cannot load: one line
    const flow = loadFlowModel(dir);
    try {
      const seed = num(v, "seed", { int: true, min: 0 }) ?? 0;
      const temperature = num(v, "temperature", { min: 0 }) ?? 1;
      const ctx = flowChunkContext(flow, v, seed);
      diskCheck(flow.dim);
      // auto: ONNX Runtime where it loaded and the flow is float32 (onnx itself refuses others in one line).
      onnx = computeBackend() === "onnx" && (backend === "onnx" || String(flow.dtype) === "float32");
      const o = { seed, temperature, ...ctx };
      await streamCsv(v, n, flow.dim, onnx ? flowSampleChunksOnnx(flow, n, o) : flowSampleChunks(flow, n, o));
      if (v.out !== undefined) process.stderr.write(`wrote ${n} samples to ${String(v.out)}\n`);
    } finally {
      flow.dispose();
    }
    return;
  }
  if (v.context !== undefined) throw new OptionError("--context is for conditional normalizing flows");
  refuseFlowFlags(givenOptions(argv), dir);
  await initEngine({ backend: backend === "auto" ? "auto" : "wasm" });
  const model = loadModel(dir);
  try {
    const fits = [...EXPORT_SAMPLERS, "dopri5"].includes(String(solverArgs(v).method)) && model.config.cond?.kind !== "context";
    if (backend === "auto") onnx = computeBackend() === "onnx" && fits;
    diskCheck(model.dim);
    let nfe = 0;
    const chunks = onnx ? onnxSampleChunks(model, n, solverArgs(v)) : sampleChunks(model, n, solverArgs(v));
    const counted = (async function* () {
      for await (const c of chunks) {
        nfe = Math.max(nfe, c.nfe);
        yield c;
      }
    })();
    await streamCsv(v, n, model.dim, counted);
    if (v.out !== undefined) process.stderr.write(`wrote ${n} samples to ${String(v.out)} (NFE ${nfe})\n`);
  } finally {
    model.dispose();
  }
}
