/**
 * ms per training step of the default 2-D normalizing flows (realnvp: 8 affine couplings, nsf: 4 spline couplings +
 * LU linear; hidden 64,64; batch 256, the CLI's defaults) on moons, wasm (`trainFlow`) against ONNX Runtime
 * (`trainFlowOnnx`), interleaved, `--repeats` rounds. Each run trains 40 + `--steps` steps; the figure is the wall
 * and the process CPU time (all threads) between the progress reports at step 40 and at the end, so compilation and
 * session setup are left out. ONNX Runtime uses every core unless FLOWMATCH_ORT_THREADS says otherwise.
 *
 *   node --import tsx bench/flow-train-step.ts [--steps 160] [--repeats 3]
 */
import { parseArgs } from "node:util";
import { initEngine } from "../src/engine/index.js";
import { createFlowTrainState, trainFlow, type FlowTrainState } from "../src/train/flow-trainer.js";
import { trainFlowOnnx } from "../src/onnx/train-flow.js";
import { openDataSource } from "../src/data/data-source.js";
import type { FlowArch } from "../src/flows/architectures.js";

const { values } = parseArgs({ options: { steps: { type: "string", default: "160" }, repeats: { type: "string", default: "3" } } });
const timed = Number(values.steps);
const WARM = 40;
await initEngine();

async function run(arch: FlowArch, backend: "wasm" | "onnx"): Promise<{ wall: number; cpu: number }> {
  using s = createFlowTrainState({ arch, eventShape: [2] }, { steps: WARM + timed, batch: 256, checkpointEvery: 0 });
  const marks: { step: number; t: number; cpu: number }[] = [];
  const onProgress = (p: { step: number }) => {
    const u = process.cpuUsage();
    if (p.step === WARM || p.step === WARM + timed) marks.push({ step: p.step, t: performance.now(), cpu: (u.user + u.system) / 1000 });
  };
  const data = openDataSource("moons");
  const opts = { progressEvery: 8, onProgress };
  if (backend === "wasm") trainFlow(s as FlowTrainState, data, opts);
  else await trainFlowOnnx(s as FlowTrainState, data, opts);
  const [a, b] = marks as [(typeof marks)[0], (typeof marks)[0]];
  return { wall: (b.t - a.t) / (b.step - a.step), cpu: (b.cpu - a.cpu) / (b.step - a.step) };
}

const rows: Record<string, { wall: number[]; cpu: number[] }> = {};
for (let r = 0; r < Number(values.repeats); r++) {
  for (const arch of ["realnvp", "nsf"] as const) {
    for (const backend of ["wasm", "onnx"] as const) {
      const m = await run(arch, backend);
      const k = `${arch} ${backend}`;
      (rows[k] ??= { wall: [], cpu: [] }).wall.push(m.wall);
      rows[k].cpu.push(m.cpu);
      process.stderr.write(`${k}: ${m.wall.toFixed(2)} ms/step wall, ${m.cpu.toFixed(2)} ms/step CPU\n`);
    }
  }
}
process.stdout.write(JSON.stringify(rows, (_, v) => (typeof v === "number" ? Math.round(v * 100) / 100 : v)) + "\n");
