/**
 * Training on ONNX Runtime: `train(state, data, run)` with every STEPS_PER_CALL steps one call of the compiled
 * training-step graph (train-step.ts; single steps where a checkpoint or the end comes sooner). What stays on the host is what the wasm trainer also does on the host: the objective draws each
 * batch from the run's rng (so the stream, and the loss curve, equal the wasm backend's to float32 rounding), the
 * learning-rate schedule, Adam's bias corrections and the EMA decay. Weights, EMA and Adam moments live in ONNX
 * Runtime tensors between steps — each step's outputs are the next one's inputs — and are copied back into the
 * state's jax-js arrays only when the state is looked at: for a checkpoint, on a diverged loss, and at the end.
 * Flow matching and fixed-step CNF maximum likelihood (`trainOnnx`), and any other objective of the one loop —
 * discrete normalizing flows' maximum likelihood (train-flow.ts) — through `trainOnnxWith`; float32, in one process
 * (ONNX Runtime's intra-op threads use the cores; `workers` > 1 is refused). Node-only: loads the optional
 * `onnxruntime-node`.
 */
import { adamScalars, emaDecayAt, fromHost, makeSchedule, np, treeDispose, treeOps, type Array, type Tree } from "../engine/index.js";
import { makeObjective } from "../fm/objectives.js";
import { treeDtype, recentLoss, type TrainState, type TrainRunOptions, type TrainObjective } from "../train/loop.js";
import { divergenceError } from "../train/divergence.js";
import type { DataSource } from "../data/data-source.js";
import { OptionError } from "../errors.js";
import { loadOrt, sessionOptions, type OrtModule } from "./runtime.js";
import { trainStepOnnx, flattenState, splitState, STATE_NAMES, SCALARS, type TrainStepGraph } from "./train-step.js";

type Tensor = InstanceType<OrtModule["Tensor"]>;
type Session = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;

/**
 * Steps per graph call: each call copies the four state vectors out of ONNX Runtime once (train-step.ts), so more
 * steps per call spread that copy thinner; 8 leaves it at a few percent of a step and keeps the graph small.
 */
export const STEPS_PER_CALL = 8;
/**
 * Steps of graphs larger than this (in nodes, one step) run one per call: there the step's work dwarfs the copy
 * (a U-Net's convolutions reuse each weight at every pixel), and an 8-fold graph would only cost compile time and
 * memory. The MLPs' steps have ~120–140 nodes, the digits U-Net's ~2,200.
 */
const MULTI_STEP_MAX_NODES = 1000;
const STATE_KEYS = ["params", "ema", "m", "v"] as const;

/** Why the ONNX trainer cannot run `state` (undefined when it can): checked before anything is compiled. */
export function onnxTrainRefusal(state: TrainState<unknown, Tree>): string | undefined {
  const o = state.options;
  if (o.workers > 1) return "the onnx backend trains in one process on ONNX Runtime's threads: leave out --workers (or use 1)";
  if (o.objective === "mle" && o.mle.method === "dopri5") return "the onnx backend trains with fixed-step solvers; MLE with dopri5 changes its grid every step (use --backend wasm)";
  if (String(treeDtype(state.params)) !== "float32") return "the onnx backend trains in float32";
  return undefined;
}

function checkSupported(state: TrainState<unknown, Tree>): void {
  const why = onnxTrainRefusal(state);
  if (why) throw new OptionError(why);
}

/** The ONNX Runtime tensor of a state tree: its leaves as one flat vector (a copy of the values; train-step.ts). */
function toTensor(ort: OrtModule, t: Tree): Tensor {
  const flat = flattenState(t);
  return new ort.Tensor("float32", flat, [flat.length]);
}

/** Replaces the state's four trees by the values of the graph's state tensors (the old arrays are freed). */
function writeBack(state: TrainState<unknown, Tree>, feeds: Record<string, Tensor>): void {
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
 * Mutates and returns `state` like `train`; the same progress, checkpoint and divergence behaviour. Steps run
 * STEPS_PER_CALL to a call where no checkpoint or end falls inside (for one-step graphs of at most
 * MULTI_STEP_MAX_NODES nodes); a call whose losses are not all finite is discarded and its batches are replayed
 * one step per call, so a divergence is reported at its step, on that step's weights, as by the wasm trainer.
 */
export async function trainOnnx(state: TrainState, data: DataSource, run: TrainRunOptions = {}): Promise<TrainState> {
  checkSupported(state);
  return trainOnnxWith(state, makeObjective(state.config, state.options, np.float32), data, run);
}

/**
 * `trainOnnx` with the objective given (taken over and disposed, as `fit` does): the same loop for any objective
 * whose loss traces to the compiler's primitives and whose inputs are float32 arrays of a fixed shape per step.
 */
export async function trainOnnxWith<P extends Tree, I extends (Array | undefined)[], S extends TrainState<unknown, P>>(
  state: S, objective: TrainObjective<P, I>, data: DataSource, run: TrainRunOptions<S> = {},
): Promise<S> {
  try {
    checkSupported(state);
  } catch (e) {
    objective.dispose();
    throw e;
  }
  const ort = await loadOrt().catch((e: unknown) => {
    objective.dispose();
    throw e;
  });
  const o = state.options;
  const sessions = new Map<number, Session>();
  const feeds: Record<string, Tensor> = {};
  let stale = false; // the state's jax-js trees are behind the tensors in `feeds`
  try {
    objective.check?.(data);
    objective.prepare?.(state, data);
    const last = Math.min(o.steps, run.stopAt ?? o.steps);
    if (state.step >= last) return state;
    const lrAt = makeSchedule({ kind: o.schedule, lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLr: o.minLr });
    const every = run.progressEvery ?? 10;
    const checkpoints = run.onCheckpoint && o.checkpointEvery > 0 ? o.checkpointEvery : 0;
    const t0 = performance.now();
    const startStep = state.step;
    STATE_KEYS.forEach((key, j) => (feeds[STATE_NAMES[j]!] = toTensor(ort, state[key])));
    // Double buffering: each call writes the new state into preallocated tensors (`fetches`), and the two sets
    // swap roles after a call that is kept; a discarded call leaves `feeds` as they were.
    const fetches: Record<string, Tensor | null> = { loss: null };
    for (const n of STATE_NAMES) fetches[`${n}_next`] = new ort.Tensor("float32", new Float32Array(feeds[n]!.size), feeds[n]!.dims.slice());
    let shapes: number[][] = [];
    const graphs = new Map<number, TrainStepGraph>();
    const graph = (K: number): TrainStepGraph => {
      let g = graphs.get(K);
      if (!g) {
        const like = shapes.map((sh) => np.zeros(sh, { dtype: np.float32 }));
        try {
          g = trainStepOnnx(objective.loss as unknown as (p: P, inputs: Array[]) => Array, o, state.params, like, K);
        } finally {
          for (const a of like) a.dispose();
        }
        graphs.set(K, g);
      }
      return g;
    };
    const session = async (K: number): Promise<Session> => {
      let s = sessions.get(K);
      if (!s) sessions.set(K, (s = await ort.InferenceSession.create(graph(K).bytes, sessionOptions())));
      return s;
    };
    let perCall = 0; // steps per call where no checkpoint or end intervenes (known once the shapes are)
    /** Host values of step k's batch (drawn from the run's rng) and scalars [lr, bc1, bc2, decay]. */
    const draw = (k: number): { batch: Float32Array[]; scalars: number[]; lr: number } => {
      // `params` may be behind the tensors here: only MLE with dopri5 reads them while drawing, and that is refused.
      const inputs = objective.draw(state.rng, data, state.params).filter((a): a is Array => a !== undefined);
      shapes = inputs.map((a) => a.shape.slice());
      const lr = lrAt(k);
      const s = adamScalars(k, lr, {}, np.float32);
      const scalars = [s.lr, s.bc1, s.bc2].map((a) => (a.dataSync() as Float32Array)[0]!);
      scalars.push(o.emaDecay > 0 ? emaDecayAt(k, o.emaDecay) : 0);
      return { batch: inputs.map((a) => a.dataSync() as Float32Array), scalars, lr };
    };
    /** Runs steps k0 … k0 + K − 1 on `steps` in one call; their losses (the new state is in `fetches`). */
    const call = async (steps: ReturnType<typeof draw>[]): Promise<Float32Array> => {
      const K = steps.length;
      const s = await session(K);
      shapes.forEach((sh, i) => {
        const flat = new Float32Array(K * steps[0]!.batch[i]!.length);
        steps.forEach((st, j) => flat.set(st.batch[i]!, j * st.batch[i]!.length));
        feeds[`in_${i}`] = new ort.Tensor("float32", flat, K > 1 ? [K, ...sh] : sh);
      });
      SCALARS.forEach((name, i) => (feeds[name] = new ort.Tensor("float32", Float32Array.from(steps, (st) => st.scalars[i]!), K > 1 ? [K] : [])));
      const out = await s.run(feeds, fetches as Record<string, Tensor>);
      return out.loss!.data as Float32Array;
    };
    const swap = () => {
      for (const n of STATE_NAMES) [feeds[n], fetches[`${n}_next`]] = [fetches[`${n}_next`]!, feeds[n]!];
      stale = true;
    };
    /** Records step k's loss (the state for it is in `feeds`): divergence, progress and checkpoints. */
    const after = (k: number, loss: number, lr: number) => {
      state.losses.push(loss);
      state.step = k;
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
      if (k === last || (checkpoints && k % checkpoints === 0)) {
        writeBack(state, feeds);
        stale = false;
        run.onCheckpoint?.(state);
      }
    };
    while (state.step < last) {
      const k0 = state.step + 1;
      const boundary = Math.min(last, checkpoints ? Math.ceil(k0 / checkpoints) * checkpoints : Infinity);
      const first = draw(k0);
      perCall ||= graph(1).nodes <= MULTI_STEP_MAX_NODES ? STEPS_PER_CALL : 1;
      const K = boundary - k0 + 1 >= perCall ? perCall : 1;
      const steps = [first, ...globalThis.Array.from({ length: K - 1 }, (_, j) => draw(k0 + 1 + j))];
      const losses = await call(steps);
      if (losses.every(Number.isFinite)) {
        swap();
        let j = 0;
        try {
          for (; j < K; j++) after(k0 + j, losses[j]!, steps[j]!.lr);
        } finally {
          // A callback that threw mid-call: the rest of the call's steps are recorded too, so that the state
          // written back (the call's last) matches the step count.
          for (j++; j < K; j++) state.losses.push(losses[j]!), (state.step = k0 + j);
        }
        continue;
      }
      // Replayed one step per call (K = 1 lands here directly). As `fit`: a diverged first step is diagnosed on
      // the weights it started from (still in `feeds`), later ones on the updated weights.
      for (const [j, st] of steps.entries()) {
        const loss = K === 1 ? losses[0]! : (await call([st]))[0]!;
        if (Number.isFinite(loss) || k0 + j !== startStep + 1) swap();
        after(k0 + j, loss, st.lr);
      }
    }
  } finally {
    if (stale) writeBack(state, feeds); // an exception between checkpoints: the state matches its step count
    for (const s of sessions.values()) await s.release();
    objective.dispose();
  }
  return state;
}
