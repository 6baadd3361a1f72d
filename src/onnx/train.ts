/**
 * Training on ONNX Runtime: `train(state, data, run)` with every step one call of the compiled training-step graph
 * (train-step.ts). What stays on the host is what the wasm trainer also does on the host: the objective draws each
 * batch from the run's rng (so the stream, and the loss curve, equal the wasm backend's to float32 rounding), the
 * learning-rate schedule, Adam's bias corrections and the EMA decay. Weights, EMA and Adam moments live in ONNX
 * Runtime tensors between steps — each step's outputs are the next one's inputs — and are copied back into the
 * state's jax-js arrays only when the state is looked at: for a checkpoint, on a diverged loss, and at the end.
 * Flow matching and fixed-step CNF maximum likelihood, float32, in one process (ONNX Runtime's intra-op threads
 * use the cores; `workers` > 1 is refused). Node-only: loads the optional `onnxruntime-node`.
 */
import { adamScalars, emaDecayAt, fromHost, makeSchedule, np, treeDispose, treeOps, type Tree } from "../engine/index.js";
import { makeObjective } from "../fm/objectives.js";
import { treeDtype, recentLoss, type TrainState, type TrainRunOptions } from "../train/loop.js";
import { divergenceError } from "../train/divergence.js";
import type { DataSource } from "../data/data-source.js";
import { OptionError } from "../errors.js";
import { loadOrt, sessionOptions, type OrtModule } from "./runtime.js";
import { trainStepOnnx, flattenState, splitState, STATE_NAMES } from "./train-step.js";

type Tensor = InstanceType<OrtModule["Tensor"]>;
const STATE_KEYS = ["params", "ema", "m", "v"] as const;

/** Why the ONNX trainer cannot run `state` (undefined when it can): checked before anything is compiled. */
export function onnxTrainRefusal(state: TrainState): string | undefined {
  const o = state.options;
  if (o.workers > 1) return "the onnx backend trains in one process on ONNX Runtime's threads: leave out --workers (or use 1)";
  if (o.objective === "mle" && o.mle.method === "dopri5") return "the onnx backend trains with fixed-step solvers; MLE with dopri5 changes its grid every step (use --backend wasm)";
  if (String(treeDtype(state.params)) !== "float32") return "the onnx backend trains in float32";
  return undefined;
}

function checkSupported(state: TrainState): void {
  const why = onnxTrainRefusal(state);
  if (why) throw new OptionError(why);
}

/** The ONNX Runtime tensor of a state tree: its leaves as one flat vector (a copy of the values; train-step.ts). */
function toTensor(ort: OrtModule, t: Tree): Tensor {
  const flat = flattenState(t);
  return new ort.Tensor("float32", flat, [flat.length]);
}

/** Replaces the state's four trees by the values of the graph's state tensors (the old arrays are freed). */
function writeBack(state: TrainState, feeds: Record<string, Tensor>): void {
  STATE_KEYS.forEach((key, j) => {
    const [leaves, def] = treeOps.flatten(state[key] as Tree);
    const pieces = splitState(feeds[STATE_NAMES[j]]!.data as Float32Array, state[key] as Tree);
    const fresh = leaves.map((a, i) => fromHost(pieces[i]!, a.shape.slice(), np.float32));
    treeDispose(state[key] as Tree);
    (state as unknown as Record<string, Tree>)[key] = treeOps.unflatten(def, fresh) as Tree;
  });
}

/**
 * Runs (or continues) training of `state` on `data` until `options.steps` (or `run.stopAt`), on ONNX Runtime.
 * Mutates and returns `state` like `train`; the same progress, checkpoint and divergence behaviour.
 */
export async function trainOnnx(state: TrainState, data: DataSource, run: TrainRunOptions = {}): Promise<TrainState> {
  checkSupported(state);
  const ort = await loadOrt();
  const o = state.options;
  const objective = makeObjective(state.config, o, np.float32);
  let session: Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>> | undefined;
  const feeds: Record<string, Tensor> = {};
  let stale = false; // the state's jax-js trees are behind the tensors in `feeds`
  try {
    objective.check?.(data);
    objective.prepare?.(state, data);
    const last = Math.min(o.steps, run.stopAt ?? o.steps);
    if (state.step >= last) return state;
    const lrAt = makeSchedule({ kind: o.schedule, lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLr: o.minLr });
    const every = run.progressEvery ?? 10;
    const t0 = performance.now();
    const startStep = state.step;
    STATE_KEYS.forEach((key, j) => (feeds[STATE_NAMES[j]!] = toTensor(ort, state[key])));
    // Double buffering: each step writes its new state into preallocated tensors (`fetches`) and the two sets swap
    // roles. ONNX Runtime then writes straight into memory that JavaScript already holds, instead of allocating
    // four fresh state-sized outputs per step and copying each into a new JavaScript buffer.
    const fetches: Record<string, Tensor> = { loss: new ort.Tensor("float32", new Float32Array(1), []) };
    for (const n of STATE_NAMES) fetches[`${n}_next`] = new ort.Tensor("float32", new Float32Array(feeds[n]!.size), feeds[n]!.dims.slice());
    const scalar = (v: number) => new ort.Tensor("float32", Float32Array.of(v), []);
    while (state.step < last) {
      const k = state.step + 1;
      // `params` may be behind the tensors here: only MLE with dopri5 reads them while drawing, and that is refused.
      const inputs = objective.draw(state.rng, data, state.params);
      if (!session) {
        const g = trainStepOnnx(objective.loss, o, state.params, inputs);
        session = await ort.InferenceSession.create(g.bytes, sessionOptions());
      }
      inputs.forEach((a, i) => (feeds[`in_${i}`] = new ort.Tensor("float32", a.dataSync() as Float32Array, a.shape.slice())));
      const lr = lrAt(k);
      const s = adamScalars(k, lr, {}, np.float32);
      const decay = o.emaDecay > 0 ? emaDecayAt(k, o.emaDecay) : 0;
      feeds.lr = new ort.Tensor("float32", s.lr.dataSync() as Float32Array, []);
      feeds.bc1 = new ort.Tensor("float32", s.bc1.dataSync() as Float32Array, []);
      feeds.bc2 = new ort.Tensor("float32", s.bc2.dataSync() as Float32Array, []);
      feeds.decay = scalar(decay);
      const out = await session.run(feeds, fetches);
      const loss = (out.loss!.data as Float32Array)[0]!;
      state.losses.push(loss);
      state.step = k;
      // As `fit`: a diverged first step is diagnosed on the weights it started from (still in `feeds`), later ones
      // on the updated weights.
      if (Number.isFinite(loss) || k !== startStep + 1) {
        for (const n of STATE_NAMES) [feeds[n], fetches[`${n}_next`]] = [fetches[`${n}_next`]!, feeds[n]!];
        stale = true;
      }
      if (!Number.isFinite(loss)) {
        if (stale) writeBack(state, feeds);
        stale = false;
        throw divergenceError({ loss, step: k, firstStep: startStep + 1, options: o, params: state.params, data });
      }
      if (run.onProgress && (k % every === 0 || k === last)) {
        const elapsed = (performance.now() - t0) / 1000;
        const rate = (k - startStep) / Math.max(elapsed, 1e-9);
        run.onProgress({ step: k, steps: o.steps, loss, avgLoss: recentLoss(state), lr, stepsPerSec: rate, etaSec: (last - k) / rate });
      }
      if (k === last || (run.onCheckpoint && o.checkpointEvery > 0 && k % o.checkpointEvery === 0)) {
        writeBack(state, feeds);
        stale = false;
        run.onCheckpoint?.(state);
      }
    }
  } finally {
    if (stale) writeBack(state, feeds); // an exception between checkpoints: the state matches its step count
    await session?.release();
    objective.dispose();
  }
  return state;
}
