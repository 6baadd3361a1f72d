/**
 * `flowmatch import`: a velocity field trained elsewhere (PyTorch → torch.onnx.export) as a flowmatch checkpoint.
 * The graph goes into config.json (network kind "onnx", src/onnx/import/net.ts), its float weights into
 * weights.safetensors as the parameters, so `sample`, `plot`, `eval`, `export`, `reflow` and `train --resume`
 * (fine-tuning: --lr sets the rate it will use) treat it like a native model. The graph is run once on a small
 * batch before anything is written, so an unsupported op, attribute or shape is one line (exit 2) and no checkpoint.
 */
import { readFileSync } from "node:fs";
import { initEngine, np, fromHost, treeCopy, treeZerosLike } from "../../engine/index.js";
import { saveTrainState } from "../../node/index.js";
import { claimCheckpointOut, isIoError, ioReason } from "../../node/output-path.js";
import { importOnnx, type ImportOnnxOptions } from "../../onnx/import/model.js";
import { VelocityModel } from "../../fm/velocity-model.js";
import { resolveTrainOptions } from "../../train/options.js";
import { runRng } from "../../train/trainer.js";
import { disposableState } from "../../train/disposable.js";
import { NumericalError, OptionError } from "../../errors.js";
import { parseCommand, num, intList, type CommandSpec } from "../args.js";

export const importSpec: CommandSpec = {
  name: "import",
  summary: "Import a velocity field from an ONNX file (e.g. trained in PyTorch) as a checkpoint to sample, evaluate and fine-tune.",
  usage: "flowmatch import --onnx FILE --out DIR [--dim D | --image H,W,C] [--inputs x=…,t=…,label=…] [--path condot] [--classes K --null-label L]",
  options: {
    onnx: { type: "string", help: "the .onnx file: v(x, t[, label]), t = 0 noise, t = 1 data" },
    out: { type: "string", help: "checkpoint directory to write" },
    dim: { type: "string", help: "data dimension D (default: from the graph's x input)" },
    image: { type: "string", help: "image event shape H,W,C (default: from a [B, C, H, W] x input); rows are flattened HWC" },
    inputs: { type: "string", help: "graph input names, e.g. x=state,t=time,label=y (default: matched by name)" },
    path: { type: "string", help: "the probability path the network was trained on", default: "condot" },
    classes: { type: "string", help: "classes K of a label input (default: rows of its embedding table − 1)" },
    "null-label": { type: "string", help: "the graph's label for ∅, classifier-free guidance's unconditional pass (default K)" },
    lr: { type: "string", help: "learning rate that train --resume (fine-tuning) uses", default: "1e-4" },
    overwrite: { type: "boolean", help: "replace a checkpoint already in --out" },
    quiet: { type: "boolean", short: "q", help: "no summary line" },
  },
  examples: [
    "flowmatch import --onnx velocity.onnx --out runs/imported",
    "flowmatch import --onnx unet.onnx --out runs/unet --classes 10 --null-label 10",
    "flowmatch import --onnx model.onnx --out runs/m --inputs x=state,t=time --dim 2",
  ],
};

function parseInputs(raw: string | undefined): ImportOnnxOptions["inputs"] {
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const part of raw.split(",")) {
    const m = /^\s*(x|t|label)\s*=\s*(\S+)\s*$/.exec(part);
    if (!m) throw new OptionError(`--inputs must be comma-separated x=NAME, t=NAME, label=NAME, got "${raw}"`);
    if (out[m[1]!]) throw new OptionError(`--inputs names ${m[1]} twice`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export async function importCommand(argv: string[]): Promise<void> {
  const v = parseCommand(importSpec, argv);
  if (!v) return;
  if (!v.onnx) throw new OptionError("--onnx FILE is required");
  if (!v.out) throw new OptionError("--out DIR is required");
  const dim = num(v, "dim", { int: true, min: 1 });
  const image = intList(v, "image");
  if (image && image.length !== 3) throw new OptionError(`--image must be H,W,C (three sizes), got "${String(v.image)}"`);
  if (dim !== undefined && image) throw new OptionError("give --dim or --image, not both");
  const classes = num(v, "classes", { int: true, min: 1 });
  const nullLabel = num(v, "null-label", { int: true });
  const lr = num(v, "lr", { min: 0 })!;
  const options: ImportOnnxOptions = { dim, image, inputs: parseInputs(v.inputs as string | undefined), path: String(v.path), classes, nullLabel };
  const file = String(v.onnx);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    if (isIoError(e)) throw new OptionError(`--onnx ${file}: cannot read it: ${ioReason(e)}`);
    throw e;
  }
  const out = String(v.out);
  const lock = claimCheckpointOut(out, { overwrite: !!v.overwrite, hint: "pass --overwrite to replace it" });
  try {
    await initEngine();
    let imported: ReturnType<typeof importOnnx>;
    try {
      imported = importOnnx(bytes, options);
    } catch (e) {
      if (e instanceof OptionError) throw new OptionError(`--onnx ${file}: ${e.message}`);
      throw e;
    }
    const { config, params } = imported;
    const model = new VelocityModel(config, params);
    try {
      smokeTest(model, file);
    } catch (e) {
      model.dispose();
      throw e;
    }
    // Fine-tuning defaults: a gentle constant rate, no EMA (its 0.999 decay would hide a short fine-tune), 1,000 steps unless train --resume gives --steps.
    const o = resolveTrainOptions({ steps: 1000, lr, schedule: "constant", warmupSteps: 0, emaDecay: 0 });
    using state = disposableState({ config, options: o, params: model.params, ema: treeCopy(model.params), m: treeZerosLike(model.params), v: treeZerosLike(model.params), step: 0, rng: runRng(o.seed), losses: [] as number[] });
    saveTrainState(out, state);
    if (!v.quiet) {
      const n = config.net.graph as { nodes: unknown[]; params: unknown[]; opset: number };
      const what = config.cond?.kind === "class" ? `, ${config.cond.classes.length} classes (∅ = label ${String(config.net.nullLabel)})` : "";
      const shape = config.net.image ? `images ${(config.net.image as number[]).join("×")}` : `dim ${config.net.dim}`;
      process.stderr.write(`imported ${file} (opset ${n.opset}, ${n.nodes.length} nodes, ${n.params.length} weight tensors; ${shape}${what}) → ${out}\n`);
    }
  } finally {
    lock.release();
  }
}

/** One forward pass on two points: an op, attribute or shape the importer cannot run fails here, before writing. */
function smokeTest(model: VelocityModel, file: string): void {
  const D = model.dim;
  // float32, as imported (a graph without weights has no parameter to take the dtype from).
  const x = fromHost(Float64Array.from({ length: 2 * D }, (_, i) => Math.sin(i + 1)), [2, D], np.float32);
  const t = fromHost([0.25, 0.75], [2], np.float32);
  let v;
  try {
    v = model.velocity(x, t);
  } catch (e) {
    if (e instanceof OptionError) throw new OptionError(`--onnx ${file}: ${e.message}`);
    throw e;
  } finally {
    x.dispose();
    t.dispose();
  }
  const vals = v.dataSync();
  if (!Array.from(vals).every(Number.isFinite)) throw new NumericalError(`--onnx ${file}: the imported network gives non-finite velocities on a test batch`);
}
