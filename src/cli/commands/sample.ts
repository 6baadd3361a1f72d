/**
 * `flowmatch sample`: draw samples from a saved model and write them as CSV. A flow-matching model carries noise
 * (t = 0) to data (t = 1) with an ODE solver; a normalizing flow (config kind "normalizing-flow") inverts its
 * bijector on base draws, at a temperature and, when conditional, for a label or context.
 */
import { initEngine } from "../../engine/index.js";
import { sample } from "../../fm/sample.js";
import { toCsv } from "../../data/csv.js";
import { loadModel, loadFlowModel } from "../../node/index.js";
import { isFlowCheckpoint } from "../../node/train-state.js";
import { writeFileAtomic } from "../../node/checkpoint-dir.js";
import { checkOutputFile, writeOutputFile } from "../../node/output-path.js";
import { OptionError } from "../../errors.js";
import { parseCommand, num, sampleOptions, solverArgs, flowContextArg, refuseSolverFlags, refuseFlowFlags, type CommandSpec } from "../args.js";
import { givenOptions } from "../resume-check.js";
import { guardOutput } from "../output-guard.js";

export const sampleSpec: CommandSpec = {
  name: "sample",
  summary: "Draw samples from a trained model (noise at t = 0 carried to data at t = 1) and write them as CSV.",
  usage: "flowmatch sample --model DIR --n N [--method M] [--steps K] --out samples.csv",
  options: {
    model: { type: "string", help: "checkpoint directory" },
    n: { type: "string", help: "number of samples", default: "1000" },
    out: { type: "string", help: "output CSV (default: stdout)" },
    ...sampleOptions,
  },
  examples: ["flowmatch sample --model runs/8g --n 10000 --method euler --steps 100 --out samples.csv"],
};

/** CSV to --out (with a note on stderr) or to stdout. */
function writeCsv(out: unknown, csv: string, note: string): void {
  if (out !== undefined) {
    writeOutputFile(String(out), csv, writeFileAtomic);
    process.stderr.write(note + "\n");
  } else process.stdout.write(csv);
}

export async function sampleCommand(argv: string[]): Promise<void> {
  const v = parseCommand(sampleSpec, argv);
  if (!v) return;
  if (!v.model) throw new OptionError("sample: --model DIR is required");
  guardOutput("--out", v.out, { "--model": v.model });
  if (v.out !== undefined) checkOutputFile(String(v.out)); // before any sampling
  const dir = String(v.model);
  if (isFlowCheckpoint(dir)) {
    refuseSolverFlags(givenOptions(argv), dir);
    await initEngine();
    const flow = loadFlowModel(dir);
    try {
      const n = num(v, "n", { int: true, min: 1 })!;
      const seed = num(v, "seed", { int: true, min: 0 }) ?? 0;
      const x = flow.sample(n, { seed, temperature: num(v, "temperature", { min: 0 }) ?? 1, ctx: flowContextArg(flow, n, v, seed) });
      writeCsv(v.out, toCsv(x, flow.dim), `wrote ${n} samples to ${String(v.out)}`);
    } finally {
      flow.dispose();
    }
    return;
  }
  if (v.context !== undefined) throw new OptionError("--context is for conditional normalizing flows");
  refuseFlowFlags(givenOptions(argv), dir);
  await initEngine();
  const model = loadModel(dir);
  try {
    const n = num(v, "n", { int: true, min: 1 })!;
    const r = sample(model, n, solverArgs(v));
    writeCsv(v.out, toCsv(r.samples, model.dim), `wrote ${n} samples to ${String(v.out)} (NFE ${r.nfe})`);
  } finally {
    model.dispose();
  }
}
