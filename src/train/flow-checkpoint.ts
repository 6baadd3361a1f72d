/**
 * Flow train state ⇄ checkpoint directory, in the same layout as flow-matching checkpoints (checkpoint.ts):
 * config.json (format, library, `model` = the FlowConfig with kind "normalizing-flow" — including
 * `actnormInitialized` and the LU seeds —, train options, step, rng state, losses, dtype) and weights.safetensors
 * with params.*, ema.*, opt.m.*, opt.v.*, written atomically by saveCheckpoint.
 *
 * Loading rebuilds the parameter tree's structure from the config (a fresh `init`, whose leaves are then replaced
 * by the stored tensors, shape-checked), so empty containers (a parameter-free base or layer) survive the round trip.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { np, treeDispose, type Array, type DType } from "../engine/index.js";
import { loadCheckpoint, CONFIG_FILE, type HostTensor } from "../io/index.js";
import { CheckpointError } from "../errors.js";
import { resolveFlowConfig, type FlowConfig } from "../flows/architectures.js";
import { FlowModel, type FlowParams } from "../flows/model.js";
import type { FlowTrainState } from "./flow-trainer.js";
import type { TrainOptions } from "./options.js";
import { FORMAT, saveRunState, restoreRunState } from "./checkpoint.js";

interface FlowConfigJson {
  format: string;
  formatVersion: number;
  library: string;
  model: FlowConfig;
  train: { options: TrainOptions; step: number; rngState: number[]; losses: number[] };
  dtype: "float32" | "float64";
}

/** True when `dir/config.json` describes a normalizing flow (cheap: reads only the JSON; false on any problem). */
export function isFlowCheckpoint(dir: string): boolean {
  try {
    const c = JSON.parse(readFileSync(join(dir, CONFIG_FILE), "utf8")) as { model?: { kind?: string } };
    return c?.model?.kind === "normalizing-flow";
  } catch {
    return false;
  }
}

/** Writes the full train state atomically to `dir` (the shared checkpoint layout). */
export function saveFlowTrainState(dir: string, s: FlowTrainState): void {
  saveRunState(dir, s);
}

/** A leaf of a parameter skeleton: only its shape. */
class Leaf {
  constructor(readonly shape: number[]) {}
}
/** The structure of a parameter tree with `Leaf` shapes in place of arrays (does not consume `t`). */
function skeleton(t: unknown): unknown {
  if (t && typeof t === "object" && "dtype" in t && "dataSync" in t) return new Leaf([...(t as Array).shape]);
  if (globalThis.Array.isArray(t)) return t.map(skeleton);
  if (t && typeof t === "object") return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, skeleton(v)]));
  return t;
}

/** A tree shaped like `template` whose leaves are the tensors `prefix.<path>` (shape-checked), as `dtype`. */
function fillLike(template: unknown, tensors: Record<string, HostTensor>, prefix: string, dtype: DType, where: string): unknown {
  const visit = (node: unknown, name: string): unknown => {
    if (node instanceof Leaf) {
      const t = tensors[name];
      const want = node.shape;
      if (!t) throw new CheckpointError(`${where}: tensor ${name} is missing`);
      if (t.shape.join() !== want.join()) throw new CheckpointError(`${where}: tensor ${name} has shape [${t.shape}], expected [${want}]`);
      if (t.dtype !== "F32" && t.dtype !== "F64") throw new CheckpointError(`${where}: tensor ${name} has dtype ${t.dtype}, expected F32 or F64`);
      return np.array(t.data as Float32Array, { dtype: t.dtype === "F64" ? np.float64 : np.float32 }).reshape(t.shape).astype(dtype);
    }
    if (globalThis.Array.isArray(node)) return node.map((v, i) => visit(v, `${name}.${i}`));
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, `${name}.${k}`)]));
    throw new CheckpointError(`${where}: unexpected entry at ${name}`);
  };
  return visit(template, prefix);
}

function readFlow(dir: string) {
  const ck = loadCheckpoint(dir);
  const c = ck.config as unknown as FlowConfigJson;
  if (c.format !== FORMAT || c.model?.kind !== "normalizing-flow")
    throw new CheckpointError(`${dir}/config.json: not a flowmatch normalizing-flow checkpoint`);
  let model: FlowConfig;
  try {
    model = resolveFlowConfig(c.model);
  } catch (e) {
    throw new CheckpointError(`${dir}/config.json: bad model config (${(e as Error).message})`);
  }
  const dtype = c.dtype === "float64" ? np.float64 : np.float32;
  const template = FlowModel.init(model, dtype);
  const skel = skeleton(template.params);
  treeDispose(template.params);
  const tree = (prefix: string) => fillLike(skel, ck.tensors, prefix, dtype, dir) as FlowParams;
  const has = (prefix: string) => Object.keys(ck.tensors).some((k) => k.startsWith(`${prefix}.`));
  return { c, model, tree, has };
}

/** Restores a train state saved by `saveFlowTrainState`, ready to continue with `trainFlow`. */
export function loadFlowTrainState(dir: string, overrides: Partial<TrainOptions> = {}): FlowTrainState {
  const { c, model, tree } = readFlow(dir);
  return restoreRunState(model, c.train, tree, overrides);
}

/** Loads the flow for sampling/evaluation: EMA weights when the run used EMA (unless `ema: false`). */
export function loadFlowModel(dir: string, opts: { ema?: boolean } = {}): FlowModel {
  const { c, model, tree, has } = readFlow(dir);
  const useEma = (opts.ema ?? (c.train?.options?.emaDecay ?? 0) > 0) && has("ema");
  return new FlowModel(model, tree(useEma ? "ema" : "params"));
}
