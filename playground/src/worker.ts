/**
 * The training worker (a module Web Worker): it owns the engine, the train state and the data, trains in chunks of
 * about a tenth of a second, and between chunks answers the page's requests (views, velocity, checkpoints), so the
 * page never waits on a training step and pause takes effect within one chunk.
 */
import * as F from "flowmatch";
import type { FromWorker, ToWorker } from "./protocol.ts";
import { classesOf, createSession, describe, isFlowState, loadSession, modelOf, trainChunk, type Session } from "./worker-model.ts";
import { computeViews, velocityField } from "./worker-views.ts";

const scope = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };
const post = (m: FromWorker, transfer: Transferable[] = []) => scope.postMessage(m, transfer);

/** Target wall time of one training chunk (ms): long enough to amortize messages, short enough to stay responsive. */
const CHUNK_MS = 100;

let device = "";
let sess: Session | undefined;
let running = false;
let chunk = 5;
/** Losses already sent to the page. */
let sent = 0;
let rate = { stepsPerSec: 0, msPerStep: 0 };
let totals = { trainMs: 0, trainedSteps: 0 };

function ready(): void {
  const s = sess!;
  const preview = s.data ? previewOf(s.data) : new Float64Array();
  sent = s.state.losses.length;
  totals = { trainMs: 0, trainedSteps: 0 };
  post({
    type: "ready", device, kind: isFlowState(s.state) ? "normalizing-flow" : "flow-matching", describe: describe(s), data: preview,
    step: s.state.step, steps: s.state.options.steps, losses: [...s.state.losses], classes: classesOf(s.state), spec: s.spec, trainable: !!s.data, toys: [...F.data.toyNames],
  });
}

/** 2000 training points in data units (toys are in data units already; tables are standardized). */
function previewOf(d: F.DataSource): Float64Array {
  const x = d.sample(2000, new F.Rng(12345));
  return d.standardizer ? F.data.unstandardize(x, d.standardizer) : x;
}

function progress(): void {
  const s = sess!.state;
  post({ type: "progress", step: s.step, steps: s.options.steps, losses: s.losses.slice(sent), running, ...rate, ...totals });
  sent = s.losses.length;
}

async function loop(): Promise<void> {
  while (running && sess) {
    const s = sess.state;
    if (s.step >= s.options.steps) {
      running = false;
      progress();
      break;
    }
    const t0 = performance.now();
    const before = s.step;
    trainChunk(sess, Math.min(s.options.steps, s.step + chunk));
    const ms = performance.now() - t0;
    const done = s.step - before;
    totals = { trainMs: totals.trainMs + ms, trainedSteps: totals.trainedSteps + done };
    rate = { stepsPerSec: (1000 * done) / Math.max(ms, 1e-3), msPerStep: ms / Math.max(done, 1) };
    chunk = Math.max(1, Math.min(500, Math.round((chunk * CHUNK_MS) / Math.max(ms, 1))));
    progress();
    await new Promise((r) => setTimeout(r, 0)); // let the page's messages in
  }
}

function handle(m: ToWorker): void {
  switch (m.type) {
    case "configure":
      running = false;
      sess?.state && F.disposeTrainState(sess.state);
      sess = undefined;
      sess = createSession(m.settings, m.table);
      rate = { stepsPerSec: 0, msPerStep: 0 };
      ready();
      return;
    case "load": {
      running = false;
      const next = loadSession({ configJson: m.configJson, weights: m.weights }, m.steps);
      if (sess) F.disposeTrainState(sess.state);
      sess = next;
      ready();
      return;
    }
    case "run":
      if (!sess || running) return;
      if (!sess.data) throw new F.OptionError(`this checkpoint was trained on ${sess.spec}, which the page does not have: it can be viewed, not trained`);
      running = true;
      void loop().catch(fail);
      return;
    case "pause":
      running = false;
      if (sess) progress();
      return;
    case "views": {
      if (!sess) return;
      const t0 = performance.now();
      const model = modelOf(sess.state);
      let v;
      try {
        v = computeViews(model, m.req);
      } finally {
        model.dispose();
      }
      const transfer = [v.samples.buffer, ...(v.trajectory ?? []).map((a) => a.buffer), ...(v.heat ? [v.heat.logp.buffer] : [])];
      post({ type: "views", id: m.id, step: sess.state.step, ...v, ms: performance.now() - t0 }, transfer as ArrayBuffer[]);
      return;
    }
    case "velocity": {
      if (!sess || isFlowState(sess.state)) return;
      const model = F.modelFromState(sess.state);
      let field;
      try {
        field = velocityField(model, m.t, m.extent, m.res, m.label, m.guidance);
      } finally {
        model.dispose();
      }
      const { points, v } = field;
      post({ type: "velocity", id: m.id, t: m.t, extent: m.extent, res: m.res, points, v }, [points.buffer, v.buffer] as ArrayBuffer[]);
      return;
    }
    case "save": {
      if (!sess) return;
      const b = F.trainStateToBytes(sess.state);
      post({ type: "checkpoint", configJson: b.configJson, weights: b.weights, step: sess.state.step });
      return;
    }
  }
}

function fail(e: unknown): void {
  running = false;
  post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  if (sess) progress();
}

// Messages wait for the engine; the first one (a configure, from the page) starts it with the backend it names.
let engine: Promise<unknown> | undefined;
scope.onmessage = (e) => {
  const m = e.data;
  if (!engine) {
    const wanted = m.type === "configure" ? (m.engine ?? m.settings.engine) : "auto";
    engine = F.initEngine(wanted === "auto" ? undefined : wanted).then((d) => (device = d));
  }
  void engine.then(() => handle(m)).catch(fail);
};
