/**
 * `flowmatch export`: a flow-matching checkpoint as a standard ONNX file (opset 17, float32, dynamic batch) that
 * ONNX Runtime runs anywhere — the velocity field v(x, t) alone, or with --sampler a whole K-step sampler from noise
 * to samples in the data's units (conditional models: plus label or context, and guidance inputs). Writing the file
 * needs no ONNX Runtime; --verify loads it in onnxruntime-node (an optional dependency) and compares it with the
 * library on a few points. A normalizing-flow checkpoint exports its log-density (x → logp) or, with
 * --graph sampler, its sampler (noise → samples), both in data units (onnx/flow-export.ts).
 *
 * The file is written atomically, after the same output checks as `sample --out` (an existing file is replaced,
 * the model's own files never).
 */
import { initEngine } from "../../engine/index.js";
import { loadModel, loadFlowModel } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { writeFileAtomic } from "../../node/checkpoint-dir.js";
import { checkOutputFile, writeOutputFile } from "../../node/output-path.js";
import { velocityOnnx, samplerOnnx, type ExportSampler } from "../../onnx/export.js";
import { verifyExport } from "../../onnx/verify.js";
import { flowGraphDescription, flowLogProbExport, flowSamplerExport, verifyFlowExport, type FlowExportGraph } from "../../onnx/flow-export.js";
import { OptionError } from "../../errors.js";
import { parseCommand, num, type CommandSpec } from "../args.js";
import { guardOutput } from "../output-guard.js";
import { givenOptions } from "../resume-check.js";

export const exportSpec: CommandSpec = {
  name: "export",
  summary: "Write a model as an ONNX file: the velocity field or a fixed-step sampler; a normalizing flow's log-density or sampler.",
  usage: "flowmatch export --model DIR --out FILE.onnx [--sampler euler|midpoint|rk4 --steps K | --graph logp|sampler] [--verify]",
  options: {
    model: { type: "string", help: "checkpoint directory (flow matching or normalizing flow)" },
    out: { type: "string", help: "output .onnx file" },
    sampler: { type: "string", help: "export a K-step sampler (euler, midpoint, rk4): input noise [batch, D], output samples [batch, D] in data units" },
    steps: { type: "string", help: "sampler steps K (with --sampler)", default: "50" },
    graph: { type: "string", help: "normalizing flows: logp (input x, output logp; default) or sampler (input noise ~ N(0, I), output samples), data units" },
    verify: { type: "boolean", help: "run the file in onnxruntime-node (optional dependency) and compare it with the library" },
  },
  examples: [
    "flowmatch export --model runs/8g --out velocity.onnx",
    "flowmatch export --model runs/8g --out sampler.onnx --sampler rk4 --steps 50",
    "flowmatch export --model runs/nsf --out flow-sampler.onnx --graph sampler",
  ],
};

export async function exportCommand(argv: string[]): Promise<void> {
  const v = parseCommand(exportSpec, argv);
  if (!v) return;
  if (!v.model) throw new OptionError("--model DIR is required");
  if (v.out === undefined) throw new OptionError("--out FILE.onnx is required");
  const sampler = v.sampler === undefined ? undefined : String(v.sampler); // checked by parseCommand (flag-rules.ts)
  const steps = num(v, "steps", { int: true, min: 1 })!;
  const dir = String(v.model);
  guardOutput("--out", v.out, { "--model": dir });
  const out = checkOutputFile(String(v.out));
  if (isFlowCheckpoint(dir)) return exportFlow(v, dir, out, argv);
  if (sampler === undefined && givenOptions(argv).has("steps")) {
    throw new OptionError("--steps needs --sampler (the velocity field alone has no steps)");
  }
  if (v.graph !== undefined) throw new OptionError(`--graph is for normalizing flows; ${dir} holds a flow-matching model (use --sampler)`);
  await initEngine();
  const model = loadModel(dir);
  try {
    const bytes = sampler ? samplerOnnx(model, sampler as ExportSampler, steps) : velocityOnnx(model);
    if (v.verify) {
      const err = await verifyExport(model, bytes, sampler ? { method: sampler as ExportSampler, steps } : undefined);
      process.stderr.write(`verified with onnxruntime-node: max relative difference ${err.toExponential(2)}\n`);
    }
    writeOutputFile(out, bytes, writeFileAtomic);
    process.stderr.write(`wrote ${out} (${sampler ? `${sampler} sampler, ${steps} steps` : "velocity field"}, ${bytes.length} bytes)\n`);
  } finally {
    model.dispose();
  }
}

/** `export` of a normalizing-flow checkpoint: its log-density or sampler graph. */
async function exportFlow(v: Record<string, unknown>, dir: string, out: string, argv: string[]): Promise<void> {
  const given = givenOptions(argv);
  if (given.has("sampler") || given.has("steps")) throw new OptionError(`${dir} holds a normalizing flow: --sampler and --steps are for flow-matching models (use --graph sampler)`);
  const graph = (v.graph === undefined ? "logp" : String(v.graph)) as FlowExportGraph; // checked by parseCommand
  await initEngine();
  const flow = loadFlowModel(dir);
  try {
    const bytes = graph === "sampler" ? flowSamplerExport(flow) : flowLogProbExport(flow);
    if (v.verify) {
      const err = await verifyFlowExport(flow, bytes, graph);
      process.stderr.write(`verified with onnxruntime-node: max relative difference ${err.toExponential(2)}\n`);
    }
    writeOutputFile(out, bytes, writeFileAtomic);
    process.stderr.write(`wrote ${out} (normalizing flow ${flowGraphDescription(graph)}, ${bytes.length} bytes)\n`);
  } finally {
    flow.dispose();
  }
}
