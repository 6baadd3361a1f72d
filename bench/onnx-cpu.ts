// `node --import tsx bench/onnx-cpu.ts`: CPU time (process.cpuUsage) of the three `npm run bench` workloads on ONNX
// Runtime with ONE intra-op thread. On a loaded machine wall time includes waiting for a core; one thread's CPU time
// is what the work costs when it has one (the figure held against PyTorch's 1-thread numbers in bench/README.md).
process.env.FLOWMATCH_ORT_THREADS = "1";
import { initEngine, Rng } from "../src/engine/index.js";
import { createTrainState } from "../src/train/trainer.js";
import { openDataSource } from "../src/data/data-source.js";
import { VelocityModel } from "../src/fm/velocity-model.js";
import { trainOnnx } from "../src/onnx/train.js";
import { sampleOnnx } from "../src/onnx/sample.js";
import { logProbOnnx } from "../src/onnx/logprob.js";
await initEngine();
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const ref = { kind: "mlp", dim: 2, hidden: [256, 256, 256], activation: "silu", time: { kind: "none" } } as any;
// warm: a multiple of the trainer's STEPS_PER_CALL (8): progress for step `warm` comes when the call holding it returns.
const warm = 24, timed = 150;
const st = createTrainState({ kind: "flow-matching", net: ref, path: "condot" }, { steps: warm + timed, batch: 512, clipNorm: 0, checkpointEvery: 0 });
let c0 = 0, w0 = 0;
await trainOnnx(st, openDataSource("8gaussians"), { progressEvery: warm, onProgress: (p) => { if (p.step === warm) { c0 = cpu(); w0 = performance.now(); } } });
const train = { cpu_ms: (cpu() - c0) / timed, wall_ms: (performance.now() - w0) / timed };
const model = VelocityModel.init({ kind: "flow-matching", net: ref, path: "condot" }, 0);
await sampleOnnx(model, 100, { method: "euler", steps: 100, seed: 0 });
c0 = cpu(); w0 = performance.now();
await sampleOnnx(model, 10000, { method: "euler", steps: 100, seed: 1 });
const euler = { cpu_s: (cpu() - c0) / 1000, wall_s: (performance.now() - w0) / 1000 };
const lpModel = VelocityModel.init({ kind: "flow-matching", net: ref, path: "condot" }, 0); // the bench's log-p net (the reference net, as PyTorch's)
const pts = new Rng(3).normals(5000 * 2);
await logProbOnnx(lpModel, pts, { method: "rk4", batchSize: 5000, steps: 10 });
c0 = cpu(); w0 = performance.now();
await logProbOnnx(lpModel, pts, { method: "rk4", batchSize: 5000, steps: 100 });
const logp = { cpu_s: (cpu() - c0) / 1000, wall_s: (performance.now() - w0) / 1000 };
console.log(JSON.stringify({ threads: 1, train_step: train, sample_euler100: euler, logprob_exact_rk4_100: logp }));
