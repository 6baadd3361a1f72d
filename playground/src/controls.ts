/**
 * The settings form: plain labelled DOM controls (every control has a <label>; buttons and native inputs work from
 * the keyboard). `buildControls` makes them once; main.ts wires their events.
 */
import { MODELS, PAIRINGS, PATHS, SOLVERS, type Settings } from "./url-state.ts";

export interface Controls {
  data: HTMLSelectElement;
  csvFile: HTMLInputElement;
  brush: HTMLInputElement;
  brushTrain: HTMLButtonElement;
  brushClear: HTMLButtonElement;
  model: HTMLSelectElement;
  path: HTMLSelectElement;
  pairing: HTMLSelectElement;
  width: HTMLInputElement;
  lr: HTMLInputElement;
  batch: HTMLInputElement;
  steps: HTMLInputElement;
  seed: HTMLInputElement;
  cond: HTMLInputElement;
  train: HTMLButtonElement;
  reset: HTMLButtonElement;
  solver: HTMLSelectElement;
  nsteps: HTMLInputElement;
  n: HTMLInputElement;
  nfe: HTMLOutputElement;
  label: HTMLSelectElement;
  guidance: HTMLInputElement;
  guidanceOut: HTMLOutputElement;
  t: HTMLInputElement;
  tOut: HTMLOutputElement;
  animate: HTMLInputElement;
  exportSamples: HTMLButtonElement;
  saveCheckpoint: HTMLButtonElement;
  openCheckpoint: HTMLInputElement;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> & { testid?: string } = {}): HTMLElementTagNameMap[K] {
  const { testid, ...rest } = props;
  const e = Object.assign(document.createElement(tag), rest);
  if (testid) e.dataset.testid = testid;
  return e;
}

function select(id: string, values: readonly string[], value: string): HTMLSelectElement {
  const s = el("select", { id, name: id });
  for (const v of values) s.append(el("option", { value: v, textContent: v }));
  s.value = value;
  return s;
}

function number(id: string, value: number, min: number, max: number, step: number | "any" = 1): HTMLInputElement {
  return el("input", { id, name: id, type: "number", value: String(value), min: String(min), max: String(max), step: String(step) });
}

/** A <label> holding its text and the control (the implicit association screen readers follow). */
function labelled(text: string, control: HTMLElement, ...extra: HTMLElement[]): HTMLLabelElement {
  const l = el("label", control instanceof HTMLInputElement && control.type === "file" ? { className: "file" } : {});
  l.append(el("span", { textContent: text }), control, ...extra);
  return l;
}

function group(legend: string, ...children: HTMLElement[]): HTMLFieldSetElement {
  const f = el("fieldset");
  f.append(el("legend", { textContent: legend }), ...children);
  return f;
}

function buttons(...bs: HTMLElement[]): HTMLDivElement {
  const d = el("div", { className: "buttons" });
  d.append(...bs);
  return d;
}

export function buildControls(form: HTMLFormElement, s: Settings, toys: readonly string[]): Controls {
  const dataChoices = [...toys, ...(toys.includes(s.data) ? [] : [s.data])];
  const c: Controls = {
    data: select("data", dataChoices, s.data),
    csvFile: el("input", { id: "csv-file", type: "file", accept: ".csv,text/csv", testid: "open-csv" }),
    brush: el("input", { id: "brush", type: "checkbox" }),
    brushTrain: el("button", { type: "button", textContent: "Use drawn points", testid: "brush-train" }),
    brushClear: el("button", { type: "button", textContent: "Clear drawing" }),
    model: select("model", MODELS, s.model),
    path: select("path", PATHS, s.path),
    pairing: select("pairing", PAIRINGS, s.pairing),
    width: number("width", s.width, 4, 1024),
    lr: number("lr", s.lr, 1e-6, 1, "any"),
    batch: number("batch", s.batch, 8, 8192),
    steps: number("steps", s.steps, 1, 1e6),
    seed: number("seed", s.seed, 0, 2 ** 31),
    cond: el("input", { id: "cond", type: "checkbox", checked: s.cond }),
    train: el("button", { type: "button", textContent: "Train", testid: "train" }),
    reset: el("button", { type: "button", textContent: "Reset", testid: "reset" }),
    solver: select("solver", SOLVERS, s.solver),
    nsteps: number("nsteps", s.nsteps, 1, 1000),
    n: number("n", s.n, 10, 20000, 10),
    nfe: el("output", { id: "nfe", textContent: "–" }),
    label: select("label", ["none"], "none"),
    guidance: el("input", { id: "guidance", type: "range", min: "0", max: "5", step: "0.25", value: "0" }),
    guidanceOut: el("output", { textContent: "0" }),
    t: el("input", { id: "time", type: "range", min: "0", max: "1", step: "0.01", value: "1", testid: "time" }),
    tOut: el("output", { textContent: "1.00" }),
    animate: el("input", { id: "animate", type: "checkbox", checked: true }),
    exportSamples: el("button", { type: "button", textContent: "Export samples (CSV)", testid: "export-samples" }),
    saveCheckpoint: el("button", { type: "button", textContent: "Download checkpoint", testid: "save-checkpoint" }),
    openCheckpoint: el("input", { id: "open-checkpoint", type: "file", multiple: true, accept: ".json,.safetensors", testid: "open-checkpoint" }),
  };
  form.append(
    group("Data",
      labelled("data set", c.data),
      labelled("open a 2-D CSV (or drop one on the page)", c.csvFile),
      labelled("brush: draw points on the samples view", c.brush),
      buttons(c.brushTrain, c.brushClear)),
    group("Model",
      labelled("model", c.model),
      labelled("path (flow matching)", c.path),
      labelled("pairing (flow matching)", c.pairing),
      labelled("hidden width", c.width),
      labelled("learning rate", c.lr),
      labelled("batch", c.batch),
      labelled("training steps", c.steps),
      labelled("seed", c.seed),
      labelled("condition on the mode (8gaussians, flow matching)", c.cond)),
    group("Training", buttons(c.train, c.reset)),
    group("Sampling",
      labelled("solver", c.solver),
      labelled("solver steps", c.nsteps),
      labelled("samples", c.n),
      labelled("NFE", c.nfe),
      labelled("label", c.label),
      labelled("guidance w", c.guidance, c.guidanceOut)),
    group("Time", labelled("t", c.t, c.tOut), labelled("animate", c.animate)),
    group("Files",
      buttons(c.exportSamples, c.saveCheckpoint),
      labelled("open a checkpoint (config.json + weights.safetensors)", c.openCheckpoint)),
  );
  return c;
}

/** The settings the form shows now. */
export function readControls(c: Controls, base: Settings): Settings {
  const num = (i: HTMLInputElement, fallback: number) => (Number.isFinite(i.valueAsNumber) ? i.valueAsNumber : fallback);
  return {
    ...base,
    data: c.data.value, model: c.model.value as Settings["model"], path: c.path.value as Settings["path"],
    pairing: c.pairing.value as Settings["pairing"], width: Math.round(num(c.width, base.width)), lr: num(c.lr, base.lr),
    batch: Math.round(num(c.batch, base.batch)), steps: Math.round(num(c.steps, base.steps)), seed: Math.round(num(c.seed, base.seed)),
    cond: c.cond.checked, solver: c.solver.value as Settings["solver"], nsteps: Math.round(num(c.nsteps, base.nsteps)), n: Math.round(num(c.n, base.n)),
  };
}
