/**
 * The worker's model: a train state of either family built from the page's settings (flow matching, or a named
 * discrete flow), or loaded from checkpoint bytes in the CLI's format, with the data it trains on. Only the public
 * `flowmatch` entry is used, as an app outside the repository would.
 */
import * as F from "flowmatch";
import type { Settings } from "./url-state.ts";

export type AnyState = F.TrainState | F.FlowTrainState;

export interface Session {
  state: AnyState;
  /** The training data (model units); undefined when a loaded checkpoint's data is not available here. */
  data?: F.DataSource;
  spec: string;
}

export function isFlowState(s: AnyState): s is F.FlowTrainState {
  return (s.config as { kind?: string }).kind === "normalizing-flow";
}

/** Opens the data of `spec` (a toy name) or of a CSV table, for the family that will train on it. */
function openData(spec: string, flow: boolean, cond: boolean, table?: { csv: string; name: string }): F.DataSource {
  const condSpec = cond ? { cond: { columns: ["mode"] } } : {};
  if (table) {
    const parsed = F.data.parseCsv(table.csv, table.name);
    if (parsed.cols !== 2) throw new F.DataError(`${table.name}: the playground draws 2-D data, this table has ${parsed.cols} columns`);
    return flow ? F.training.openData(parsed, { family: "normalizing-flow", name: table.name, dequantize: "off", testFraction: 0 }) : F.openDataSource(parsed, { name: table.name });
  }
  return flow ? F.training.openData(spec, { family: "normalizing-flow", ...condSpec }) : F.openDataSource(spec, condSpec);
}

/** A fresh run for `s` (and the dropped/drawn table when `s.data` is "csv" or "brush"). */
export function createSession(s: Settings, table?: { csv: string; name: string }): Session {
  const flow = s.model !== "fm";
  const cond = s.cond && !flow && !table && s.data === "8gaussians";
  const spec = table ? table.name : s.data;
  const data = openData(s.data, flow, cond, table);
  // EMA 0.99 rather than the library's 0.999: the views sample the EMA weights live, and runs here are short, so a
  // long average would show the model of a few hundred steps ago.
  const options = { steps: s.steps, batch: s.batch, lr: s.lr, seed: s.seed, emaDecay: 0.99, warmupSteps: Math.min(100, Math.floor(s.steps / 10)) };
  if (flow) {
    const state = F.createFlowTrainState({
      arch: s.model as F.FlowArch, eventShape: [2], seed: s.seed, hidden: [s.width, s.width],
      standardizer: data.standardizer, data: spec,
    }, options);
    return { state, data, spec };
  }
  const net = { ...F.defaultMlpConfig(2), hidden: [s.width, s.width, s.width] };
  const config: F.ModelConfig = {
    kind: "flow-matching", net, path: s.path, standardizer: data.standardizer, data: spec, ...(data.cond ? { cond: data.cond } : {}),
  };
  const state = F.createTrainState(config, { ...options, coupling: s.pairing });
  return { state, data, spec };
}

/**
 * A run from checkpoint bytes (config.json text + weights.safetensors), either family. Training continues when the
 * checkpoint was trained on a built-in toy; otherwise only its views work.
 */
export function loadSession(bytes: F.io.CheckpointBytes, steps: number): Session {
  // Training may go on past the checkpoint's own length, as `train --resume --steps N` does (the schedule spans N).
  let saved = 0;
  try {
    saved = Number((JSON.parse(bytes.configJson) as { train?: { options?: { steps?: number } } }).train?.options?.steps) || 0;
  } catch {
    // malformed JSON: trainStateFromBytes names the problem below
  }
  // One thread here: the CLI may have trained data-parallel (workers > 1), which the core entry has no threads for.
  const overrides = { workers: 1, ...(saved ? { steps: Math.max(saved, steps) } : {}) };
  const state = F.trainStateFromBytes(bytes, overrides, { kind: "any" }) as AnyState;
  const cfg = state.config as { data?: string; cond?: { source?: string } };
  const spec = cfg.data ?? "checkpoint";
  const flow = isFlowState(state);
  let data: F.DataSource | undefined;
  if (F.data.toyNames.includes(spec)) {
    const cond = cfg.cond?.source === "mode";
    data = openData(spec, flow, cond);
  }
  return { state, data, spec };
}

/** The model to draw from: EMA weights when the run uses EMA (owned by the caller). */
export function modelOf(state: AnyState): F.VelocityModel | F.Flow {
  return isFlowState(state) ? F.flowModelFromState(state) : F.modelFromState(state);
}

/** Runs training of either family until `stopAt` (a chunk; the worker loops over chunks). */
export function trainChunk(sess: Session, stopAt: number): void {
  if (!sess.data) throw new F.OptionError(`this checkpoint was trained on ${sess.spec}, which the page does not have: it can be viewed, not trained`);
  if (isFlowState(sess.state)) F.trainFlow(sess.state, sess.data, { stopAt });
  else F.train(sess.state, sess.data, { stopAt });
}

/** A line describing the model. */
export function describe(sess: Session): string {
  const c = sess.state.config as unknown as Record<string, unknown>;
  if (isFlowState(sess.state)) return `${String(c.arch)} flow, hidden ${JSON.stringify(c.hidden)}, ${String(c.layers)} layers`;
  const net = c.net as { hidden?: number[] };
  return `flow matching, path ${String(c.path)}, pairing ${sess.state.options.coupling}, hidden ${JSON.stringify(net.hidden)}`;
}

/** Class values of a labelled model, for the label picker. */
export function classesOf(state: AnyState): (string | number)[] {
  const cond = (state.config as { cond?: { kind: string; classes?: (string | number)[] } }).cond;
  return cond?.kind === "class" ? [...(cond.classes ?? [])] : [];
}
