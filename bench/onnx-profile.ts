// `node --import tsx bench/onnx-profile.ts [train|euler|logp|all] [--nodes]`: where ONNX Runtime spends the three
// `npm run bench -- --backend onnx` workloads' time, on one intra-op thread. Each graph is compiled as the bench
// compiles it and run with ONNX Runtime's profiler on; the report sums kernel time per op type (each node's fastest
// run; after ORT's own graph optimizations, i.e. what actually runs) and counts the nodes, largest first. Smaller workloads than the bench
// (a few steps, fewer points: PROFILE_N sampled rows, default 2000; PROFILE_B log-p rows, default 1000) are enough:
// the per-call mix is the same. --nodes adds the time per (op type, output shape).
process.env.FLOWMATCH_ORT_THREADS = "1";
import { readFileSync, readdirSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initEngine, np, Rng } from "../src/engine/index.js";
import { createTrainState, disposeTrainState } from "../src/train/trainer.js";
import { openDataSource } from "../src/data/data-source.js";
import { makeObjective } from "../src/fm/objectives.js";
import { VelocityModel } from "../src/fm/velocity-model.js";
import { defaultMlpConfig, type MlpConfig } from "../src/nets/mlp.js";
import { trainStepOnnx, flattenState } from "../src/onnx/train-step.js";
import { samplerOnnx } from "../src/onnx/export.js";
import { logDensityStepsOnnx } from "../src/onnx/logprob.js";
import { loadOrt, sessionOptions } from "../src/onnx/runtime.js";

await initEngine();
const ort = await loadOrt();
const which = process.argv[2] ?? "all";
const ref: MlpConfig = { kind: "mlp", dim: 2, hidden: [256, 256, 256], activation: "silu", time: { kind: "none" } };
type Feeds = Record<string, InstanceType<typeof ort.Tensor>>;

/** Runs `bytes` `reps` times on `feeds` with profiling; per-op-type kernel µs per run and node count. */
async function profile(label: string, bytes: Uint8Array, feeds: Feeds, reps: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ortprof-"));
  const s = await ort.InferenceSession.create(bytes, { ...sessionOptions(), enableProfiling: true, profileFilePrefix: join(dir, "p") });
  await s.run(feeds); // warm-up (in the profile too; the per-node minimum leaves it out)
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await s.run(feeds);
  const wall = (performance.now() - t0) / reps;
  (s as unknown as { endProfiling(): void }).endProfiling();
  await s.release();
  const path = join(dir, readdirSync(dir)[0]!);
  const ev = JSON.parse(readFileSync(path, "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(dir, { recursive: true, force: true });
  const runs = ev.filter((e) => e.cat === "Session" && e.name === "model_run");
  // Per node, the fastest of its runs: on a loaded machine a kernel's mean includes the time its thread waited
  // for a core, its minimum much less so.
  const nodes = ev.filter((e) => e.cat === "Node" && e.name.endsWith("_kernel_time"));
  const best = new Map<string, { us: number; op: string; shape: string }>();
  for (const e of nodes) {
    const r = best.get(e.name);
    if (!r) best.set(e.name, { us: e.dur, op: e.args?.op_name ?? "?", shape: JSON.stringify((e.args as { output_type_shape?: unknown })?.output_type_shape ?? "") });
    else r.us = Math.min(r.us, e.dur);
  }
  const byOp = new Map<string, { us: number; n: number }>();
  for (const r of best.values()) {
    const x = byOp.get(r.op) ?? { us: 0, n: 0 };
    x.us += r.us;
    x.n += 1;
    byOp.set(r.op, x);
  }
  const calls = runs.length; // includes the warm-up
  const total = [...byOp.values()].reduce((a, r) => a + r.us, 0);
  console.log(`\n## ${label}: ${wall.toFixed(2)} ms wall per call (mean), ${(total / 1000).toFixed(2)} ms kernel time (sum of per-node minima over ${calls} calls), ${best.size} nodes`);
  for (const [op, r] of [...byOp].sort((a, b) => b[1].us - a[1].us)) {
    console.log(`${op.padEnd(22)} ${(r.us / 1000).toFixed(3).padStart(9)} ms  ${(100 * r.us / total).toFixed(1).padStart(5)}%  ${String(r.n).padStart(5)} nodes`);
  }
  if (process.argv.includes("--nodes")) {
    // Time per (op type, output shape): which tensors the time goes to.
    const byShape = new Map<string, { us: number; n: number }>();
    for (const r of best.values()) {
      const k = `${r.op} ${r.shape}`;
      const x = byShape.get(k) ?? { us: 0, n: 0 };
      x.us += r.us;
      x.n += 1;
      byShape.set(k, x);
    }
    for (const [k, r] of [...byShape].sort((a, b) => b[1].us - a[1].us).slice(0, 25)) {
      console.log(`  ${(r.us / 1000).toFixed(3).padStart(8)} ms  ${String(r.n).padStart(4)} nodes  ${k}`);
    }
  }
}

if (which === "train" || which === "all") {
  const state = createTrainState({ kind: "flow-matching", net: ref, path: "condot" }, { steps: 10, batch: 512, clipNorm: 0, checkpointEvery: 0 });
  const data = openDataSource("8gaussians");
  const objective = makeObjective(state.config, state.options, np.float32);
  const inputs = objective.draw(state.rng, data, state.params);
  // PROFILE_K steps per call (the trainer's STEPS_PER_CALL; default 1): the same batch K times.
  const K = Number(process.env.PROFILE_K ?? 1);
  const g = trainStepOnnx(objective.loss, state.options, state.params, inputs, K);
  const feeds: Feeds = {};
  const keys = ["params", "ema", "m", "v"] as const;
  keys.forEach((k, j) => (feeds["pemv"[j]!] = new ort.Tensor("float32", flattenState(state[k]), [g.size])));
  const stack = (x: Float32Array) => { const out = new Float32Array(K * x.length); for (let j = 0; j < K; j++) out.set(x, j * x.length); return out; };
  inputs.forEach((a, i) => (feeds[`in_${i}`] = new ort.Tensor("float32", stack(a.ref.dataSync() as Float32Array), K > 1 ? [K, ...a.shape] : a.shape.slice())));
  for (const a of inputs) a.dispose();
  for (const [k, v] of [["lr", 1e-3], ["bc1", 0.1], ["bc2", 0.001], ["decay", 0.99]] as const) feeds[k] = new ort.Tensor("float32", new Float32Array(K).fill(v), K > 1 ? [K] : []);
  await profile(`train step (batch 512${K > 1 ? `, ${K} steps per call: totals are per call` : ""})`, g.bytes, feeds, 30);
  objective.dispose();
  disposeTrainState(state);
}
if (which === "euler" || which === "all") {
  const model = VelocityModel.init({ kind: "flow-matching", net: ref, path: "condot" }, 0);
  const n = Number(process.env.PROFILE_N ?? 2000);
  const feeds: Feeds = { noise: new ort.Tensor("float32", Float32Array.from(new Rng(1).normals(n * 2)), [n, 2]) };
  await profile(`Euler-100 sampler (${n} points)`, samplerOnnx(model, "euler", 100), feeds, 3);
  model.dispose();
}
if (which === "logp" || which === "all") {
  const model = VelocityModel.init({ kind: "flow-matching", net: { ...defaultMlpConfig(2), hidden: [256, 256, 256] }, path: "condot" }, 0);
  const B = Number(process.env.PROFILE_B ?? 1000), k = 10;
  const bytes = logDensityStepsOnnx(model, "rk4", k, B, { divergence: "exact", probes: 1 });
  const s0 = new Float32Array(B * 3);
  s0.set(new Rng(3).normals(B * 3).map((v, i) => (i % 3 === 2 ? 0 : v)));
  const feeds: Feeds = {
    s: new ort.Tensor("float32", s0, [B, 3]),
    t: new ort.Tensor("float32", Float32Array.from({ length: k }, (_, j) => 1 - j / 100), [k]),
    h: new ort.Tensor("float32", new Float32Array(k).fill(-0.01), [k]),
  };
  await profile(`log p, ${k} RK4 steps, exact divergence (${B} points, ${defaultMlpConfig(2).activation})`, bytes, feeds, 3);
  model.dispose();
}
