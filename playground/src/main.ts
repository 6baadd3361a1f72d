/**
 * The page: settings (from the URL), the training worker, and the views it draws from the worker's answers. The
 * page never computes with the model itself; it asks the worker for samples, log-densities and velocities at a
 * modest rate while training runs (one request in flight at a time), so drawing never competes with training for
 * more than one chunk.
 */
import type { Extent, FromWorker, ReadyInfo, ToWorker, ViewRequest } from "./protocol.ts";
import { readSettings, writeSettings, type Settings } from "./url-state.ts";
import { buildControls, readControls, type Controls } from "./controls.ts";
import { download, pointsCsv, readCheckpointFiles } from "./files.ts";
import { Plot, extentOf } from "./views/plot.ts";
import { drawSamples } from "./views/samples.ts";
import { drawHeatmap } from "./views/heatmap.ts";
import { drawTrajectories, type Trajectories } from "./views/trajectories.ts";
import { drawVelocity } from "./views/velocity.ts";
import { drawLoss } from "./views/loss.ts";
import { setupBrush } from "./brush.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let worker = startWorker();
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);
/** Set once WebGPU failed: later workers start on wasm. */
let wasmFallback = false;

function startWorker(): Worker {
  const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  w.onmessage = onWorkerMessage;
  w.onerror = (e) => message(`worker failed: ${e.message}`);
  return w;
}

/**
 * WebGPU can fail where wasm works (a driver's limits, a lost device): unless the URL asked for WebGPU, the page
 * starts a fresh worker on wasm and the run begins again there.
 */
function fallBackToWasm(why: string): boolean {
  if (wasmFallback || settings.engine === "webgpu" || (info && info.device !== "webgpu")) return false;
  wasmFallback = true;
  const wasRunning = running;
  worker.terminate();
  worker = startWorker();
  viewsInFlight = 0;
  velocityInFlight = false;
  exports.clear();
  configure();
  if (wasRunning) {
    send({ type: "run" });
    running = true;
  }
  message(`WebGPU failed (${why}); training on wasm instead`);
  return true;
}

let settings: Settings = readSettings(location.search);
let table: { csv: string; name: string } | undefined;
let controls: Controls | undefined;
let info: ReadyInfo | undefined;
let extent: Extent = { x0: -4, x1: 4, y0: -4, y1: 4 };
let losses: number[] = [];
let running = false;
let samples: Float64Array | undefined;
let samplesStep = 0;
let traj: Trajectories | undefined;
let heat: { extent: Extent; res: number; logp: Float64Array } | undefined;
let field: { points: Float64Array; v: Float64Array; res: number } | undefined;
let t = 1;

const plots = {
  samples: new Plot($("samples"), extent),
  heatmap: new Plot($("heatmap"), extent),
  trajectories: new Plot($("trajectories"), extent),
  velocity: new Plot($("velocity"), extent),
};
const brush = setupBrush(plots.samples, () => redrawSamples());

// ---- worker requests ------------------------------------------------------------------------------------------

let nextId = 1;
let viewsInFlight = 0;
let lastViewsDone = 0;
let lastHeat = 0;
let viewsMs = 0;
let heatMs = 0;
const exports = new Set<number>();
let velocityInFlight = false;
let velocityDirty = false;

function viewRequest(withHeat: boolean): ViewRequest {
  const label = controls ? controls.label.selectedIndex - 1 : -1;
  return {
    n: settings.n, method: settings.solver, steps: settings.nsteps, label, guidance: controls ? Number(controls.guidance.value) : 0,
    ...(withHeat ? { heat: { extent, res: settings.res } } : {}),
  };
}

function requestViews(withHeat: boolean): number {
  const id = nextId++;
  viewsInFlight++;
  if (withHeat) lastHeat = performance.now();
  send({ type: "views", id, req: viewRequest(withHeat) });
  return id;
}

function requestVelocity(): void {
  if (!info || info.kind !== "flow-matching") return;
  if (velocityInFlight) {
    velocityDirty = true;
    return;
  }
  velocityInFlight = true;
  velocityDirty = false;
  const label = controls ? controls.label.selectedIndex - 1 : -1;
  send({ type: "velocity", id: nextId++, t, extent, res: 20, label, guidance: controls ? Number(controls.guidance.value) : 0 });
}

function configure(): void {
  running = false;
  losses = [];
  samples = traj = heat = field = undefined;
  message("");
  if (!table && (settings.data === "csv" || settings.data === "brush")) settings = { ...settings, data: "8gaussians" };
  history.replaceState(null, "", `${location.pathname}${writeSettings(settings)}`);
  send({ type: "configure", settings, ...(table ? { table } : {}), ...(wasmFallback ? { engine: "wasm" as const } : {}) });
}

// ---- worker answers --------------------------------------------------------------------------------------------

function onWorkerMessage(e: MessageEvent<FromWorker>): void {
  const m = e.data;
  switch (m.type) {
    case "ready":
      onReady(m);
      break;
    case "progress":
      losses.push(...m.losses);
      running = m.running;
      // What the worker confirms (the button's label changes at once on a click): a test hook for "paused now".
      if (controls) controls.train.dataset.running = String(m.running);
      Object.assign($("engine").dataset, { trainMs: m.trainMs.toFixed(1), trainedSteps: String(m.trainedSteps) });
      $("step").textContent = String(m.step);
      $("total-steps").textContent = String(m.steps);
      $("rate").textContent = m.stepsPerSec > 0 ? `${m.stepsPerSec.toFixed(0)} steps/s` : "";
      engineLine(m.msPerStep);
      drawLoss($("loss"), losses);
      updateTrainButton();
      if (!running) requestViews(true);
      else if (viewsInFlight === 0 && performance.now() - lastViewsDone > Math.max(500, 3 * viewsMs))
        requestViews(performance.now() - lastHeat > Math.max(8000, 6 * heatMs));
      break;
    case "views":
      viewsInFlight = Math.max(0, viewsInFlight - 1);
      // Views take turns with training: the next automatic request waits a few times as long as this one took.
      lastViewsDone = performance.now();
      if (m.heat) heatMs = m.ms;
      else viewsMs = m.ms;
      samples = m.samples;
      samplesStep = m.step;
      traj = m.trajectory && m.ts ? { states: m.trajectory, ts: m.ts } : undefined;
      if (m.heat) heat = m.heat;
      if (controls) controls.nfe.textContent = info?.kind === "flow-matching" ? String(m.nfe) : "1 pass (discrete flow)";
      redrawAll(m.step, !!m.heat);
      if (exports.delete(m.id)) download(`samples-step${m.step}.csv`, pointsCsv(m.samples), "text/csv");
      requestVelocity();
      break;
    case "velocity":
      velocityInFlight = false;
      field = { points: m.points, v: m.v, res: m.res };
      drawVelocity(plots.velocity, field, `v(x, t = ${m.t.toFixed(2)})`);
      plots.velocity.canvas.dataset.step = String(samplesStep);
      if (velocityDirty) requestVelocity();
      break;
    case "checkpoint":
      download("config.json", m.configJson, "application/json");
      download("weights.safetensors", m.weights as BlobPart, "application/octet-stream");
      message(`checkpoint of step ${m.step} downloaded: put config.json and weights.safetensors in one folder for the CLI`);
      break;
    case "error":
      if (fallBackToWasm(m.message)) break;
      viewsInFlight = 0;
      velocityInFlight = false;
      exports.clear();
      message(m.message);
      updateTrainButton();
      break;
  }
}

function onReady(m: ReadyInfo): void {
  info = m;
  losses = [...m.losses];
  if (!controls) {
    controls = buildControls($("controls"), settings, m.toys);
    wire(controls);
  }
  const c = controls;
  c.label.replaceChildren(...["none (unconditional)", ...m.classes.map(String)].map((v) => Object.assign(document.createElement("option"), { textContent: v })));
  c.label.disabled = m.classes.length === 0;
  c.guidance.disabled = m.classes.length === 0;
  extent = extentOf(m.data);
  for (const p of Object.values(plots)) p.extent = extent;
  $("step").textContent = String(m.step);
  $("total-steps").textContent = String(m.steps);
  $("model-line").textContent = `${m.describe} · data ${m.spec}`;
  engineLine(0);
  drawLoss($("loss"), losses);
  updateTrainButton();
  redrawAll(m.step, false);
  requestViews(true);
  if (!m.trainable) message(`trained on ${m.spec}, which this page does not have: the model can be viewed and sampled, not trained further`);
}

function engineLine(msPerStep: number): void {
  if (!info) return;
  const isolation = globalThis.crossOriginIsolated ? "cross-origin isolated" : "not isolated";
  $("engine").textContent = `engine: ${info.device}${msPerStep > 0 ? ` · ${msPerStep.toFixed(2)} ms/step` : ""} · ${isolation}`;
}

function message(text: string): void {
  $("message").textContent = text;
  if (text) console.warn(text);
}

// ---- drawing ---------------------------------------------------------------------------------------------------

function redrawSamples(): void {
  drawSamples(plots.samples, info?.data ?? new Float64Array(), samples, samples ? `samples · step ${samplesStep}` : "data");
  brush.draw();
}

function redrawAll(step: number, heatNew: boolean): void {
  redrawSamples();
  drawHeatmap(plots.heatmap, heat, heat ? "log p(x)" : "log p(x) · pending");
  if (heatNew) plots.heatmap.canvas.dataset.step = String(step);
  drawTrajectories(plots.trajectories, traj, t, `t = ${t.toFixed(2)}`);
  if (traj) plots.trajectories.canvas.dataset.step = String(step);
  drawVelocity(plots.velocity, field, `v(x, t = ${t.toFixed(2)})`);
}

function updateTrainButton(): void {
  if (!controls || !info) return;
  const done = Number($("step").textContent) >= Number($("total-steps").textContent);
  controls.train.textContent = running ? "Pause" : done ? "Done" : Number($("step").textContent) > 0 ? "Resume" : "Train";
  controls.train.disabled = !running && (done || !info.trainable);
  controls.train.setAttribute("aria-pressed", String(running));
}

// ---- events ----------------------------------------------------------------------------------------------------

function wire(c: Controls): void {
  c.train.onclick = () => {
    send({ type: running ? "pause" : "run" });
    running = !running;
    updateTrainButton();
  };
  c.reset.onclick = () => configure();
  for (const k of ["data", "model", "path", "pairing", "width", "lr", "batch", "steps", "seed", "cond"] as const) {
    c[k].addEventListener("change", () => {
      if (k === "data") table = undefined;
      settings = readControls(c, settings);
      configure();
    });
  }
  for (const k of ["solver", "nsteps", "n", "label", "guidance"] as const) {
    c[k].addEventListener("change", () => {
      settings = readControls(c, settings);
      history.replaceState(null, "", `${location.pathname}${writeSettings(settings)}`);
      c.guidanceOut.textContent = c.guidance.value;
      requestViews(true);
    });
  }
  c.t.addEventListener("input", () => {
    c.animate.checked = false;
    setTime(Number(c.t.value));
  });
  c.exportSamples.onclick = () => exports.add(requestViews(false));
  c.saveCheckpoint.onclick = () => send({ type: "save" });
  c.openCheckpoint.onchange = async () => {
    try {
      const ck = await readCheckpointFiles(c.openCheckpoint.files ?? []);
      running = false;
      samples = traj = heat = field = undefined;
      send({ type: "load", ...ck, steps: settings.steps }, [ck.weights.buffer]);
      message("");
    } catch (e) {
      message((e as Error).message);
    }
    c.openCheckpoint.value = "";
  };
  c.csvFile.onchange = async () => {
    const f = c.csvFile.files?.[0];
    if (f) useTable(await f.text(), f.name, "csv");
    c.csvFile.value = "";
  };
  c.brush.onchange = () => brush.enable(c.brush.checked);
  c.brushTrain.onclick = () => {
    if (brush.points().length < 20) return message("draw at least 10 points first (brush: tick the box, then drag on the samples view)");
    useTable(pointsCsv(Float64Array.from(brush.points())), "drawn points", "brush");
  };
  c.brushClear.onclick = () => brush.clear();
}

function useTable(csv: string, name: string, kind: "csv" | "brush"): void {
  table = { csv, name };
  const c = controls!;
  if (![...c.data.options].some((o) => o.value === kind)) c.data.append(Object.assign(document.createElement("option"), { value: kind, textContent: kind }));
  c.data.value = kind;
  settings = { ...readControls(c, settings), data: kind };
  configure();
}

// A 2-D CSV dropped anywhere on the page.
document.addEventListener("dragover", (e) => (e.preventDefault(), document.body.classList.add("drop")));
document.addEventListener("dragleave", () => document.body.classList.remove("drop"));
document.addEventListener("drop", async (e) => {
  e.preventDefault();
  document.body.classList.remove("drop");
  const f = e.dataTransfer?.files[0];
  if (f) useTable(await f.text(), f.name, "csv");
});

// ---- time: slider and animation --------------------------------------------------------------------------------

function setTime(v: number): void {
  t = Math.min(1, Math.max(0, v));
  if (controls) {
    controls.t.value = t.toFixed(2);
    controls.tOut.textContent = t.toFixed(2);
  }
  drawTrajectories(plots.trajectories, traj, t, `t = ${t.toFixed(2)}`);
  requestVelocity();
}

let last = performance.now();
function frame(now: number): void {
  const dt = (now - last) / 1000;
  last = now;
  // 3 s from noise to data, then a 1 s hold at t = 1 (the time runs to 1.33 and is clamped).
  if (controls?.animate.checked && traj) setTime(((t >= 1 ? (animHold += dt) > 1 ? ((animHold = 0), 0) : 1 : t + dt / 3)));
  requestAnimationFrame(frame);
}
let animHold = 0;
requestAnimationFrame(frame);

configure();
