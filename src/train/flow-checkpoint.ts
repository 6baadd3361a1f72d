/**
 * Flow train state ⇄ checkpoint bytes, in the same layout as flow-matching checkpoints (checkpoint.ts):
 * config.json (format, library, `model` = the flow's config with kind "normalizing-flow" — including
 * `actnormInitialized` and the LU seeds —, train options, step, rng state, losses, dtype) and weights.safetensors
 * with params.*, ema.*, opt.m.*, opt.v.*. Browser-safe; `flowmatch/node` writes the same files to a directory.
 *
 * A named architecture is rebuilt from its config. A flow built by hand (`arch: "custom"`) is loaded state_dict
 * style: the caller passes a flow of the same structure, whose parameter tree fixes the tensor names and shapes
 * expected; a missing, extra or misshapen tensor is a one-line CheckpointError.
 *
 * @example
 * ```ts
 * const bytes = flowTrainStateToBytes(state);
 * const flow = flowModelFromBytes(bytes, { structure: makeMyFlow() }); // EMA weights when the run used EMA
 * ```
 */
import { np, treeDispose, type DType } from "../engine/index.js";
import { disposableState } from "./disposable.js";
import { encodeCheckpoint, decodeCheckpoint, CONFIG_FILE, type CheckpointBytes, type CheckpointFiles, type HostTensor } from "../io/index.js";
import { CheckpointError } from "../errors.js";
import { resolveFlowConfig } from "../flows/architectures.js";
import type { BaseDistribution } from "../flows/base.js";
import { Flow, type FlowModelConfig, type FlowParams } from "../flows/model.js";
import type { Bijector } from "../flows/types.js";
import type { FlowTrainState } from "./flow-trainer.js";
import type { TrainOptions } from "./options.js";
import { FORMAT, runStateFiles, restoreRunState } from "./checkpoint.js";
import { treeSkeleton, treeFromTensors } from "../model/host.js";

interface FlowConfigJson {
  format: string;
  formatVersion: number;
  library: string;
  model: FlowModelConfig;
  train: { options: TrainOptions; step: number; rngState: number[]; losses: number[] };
  dtype: "float32" | "float64";
}

/** The structure of a flow to load weights into: a flow (borrowed; its parameters are not touched) or its parts. */
export type FlowStructure = Flow | { bijector: Bijector; base: BaseDistribution };

export interface LoadFlowOptions {
  /** Needed for a custom flow (config `arch: "custom"`): the same bijector chain and base as when it was saved. */
  structure?: FlowStructure;
}

/** True when a parsed config.json describes a normalizing flow (not a flow-matching model). */
export function isFlowConfig(config: unknown): boolean {
  return (config as { model?: { kind?: string } } | null)?.model?.kind === "normalizing-flow";
}

/** The full flow train state as checkpoint bytes (borrows `s`). */
export function flowTrainStateToBytes(s: FlowTrainState): CheckpointBytes {
  return encodeCheckpoint(runStateFiles(s));
}

/** Names of a parameter tree's leaves, as flattenNamed writes them (`prefix.a.0.b`). */
function leafNames(t: unknown, name: string, out: string[] = []): string[] {
  if (t && typeof t === "object" && "dtype" in t && "dataSync" in t) out.push(name);
  else if (t && typeof t === "object") for (const [k, v] of Object.entries(t)) leafNames(v, `${name}.${k}`, out);
  return out;
}

/** The structure and a template of its parameters (to be disposed unless borrowed from a given flow). */
function structureOf(where: string, model: FlowModelConfig, dtype: DType, given?: FlowStructure): { bijector: Bijector; base: BaseDistribution; template: FlowParams; owned: boolean } {
  if (model.arch !== "custom") {
    const f = Flow.init(model as never, dtype);
    return { bijector: f.bijector, base: f.base, template: f.params, owned: true };
  }
  if (!given)
    throw new CheckpointError(`${where}: a custom flow (${model.structure.layers.join(", ")}; base ${model.structure.base}) loads only into the same structure: pass { structure: yourFlow }`);
  const { bijector, base } = given;
  if (bijector.eventShape.join() !== model.eventShape.join())
    throw new CheckpointError(`${where}: the checkpoint's event shape is [${model.eventShape}], the structure given has [${bijector.eventShape}]`);
  if (given instanceof Flow) {
    if (given.config.ctxDim !== model.ctxDim) throw new CheckpointError(`${where}: the checkpoint's context width is ${model.ctxDim}, the structure given has ${given.config.ctxDim}`);
    return { bijector, base, template: given.params, owned: false };
  }
  const f = new Flow(bijector, base, { dtype, ctxDim: model.ctxDim });
  return { bijector, base, template: f.params, owned: true };
}

/** Reads decoded flow checkpoint contents; `dir` names the origin in error messages ("" for bytes). */
function readFlow(ck: CheckpointFiles, dir: string, o: LoadFlowOptions) {
  const where = `${dir ? `${dir}/` : ""}${CONFIG_FILE}`;
  const c = ck.config as unknown as FlowConfigJson;
  if (c.format !== FORMAT || c.model?.kind !== "normalizing-flow")
    throw new CheckpointError(`${where}: not a flowmatch normalizing-flow checkpoint`);
  let model: FlowModelConfig;
  try {
    model = c.model.arch === "custom" ? c.model : resolveFlowConfig(c.model);
  } catch (e) {
    throw new CheckpointError(`${where}: bad model config (${(e as Error).message})`);
  }
  const dtype = c.dtype === "float64" ? np.float64 : np.float32;
  const s = structureOf(dir || "checkpoint", model, dtype, o.structure);
  const skel = treeSkeleton(s.template);
  const want = new Set(leafNames(s.template, ""));
  if (s.owned) treeDispose(s.template);
  const tree = (prefix: string) => {
    const extra = Object.keys(ck.tensors).find((k) => k.startsWith(`${prefix}.`) && !want.has(k.slice(prefix.length)));
    if (extra) throw new CheckpointError(`${dir || "checkpoint"}: tensor ${extra} has no place in the flow's structure (${want.size} tensors expected per tree)`);
    return treeFromTensors(skel, ck.tensors as Record<string, HostTensor>, prefix, dtype, dir || "checkpoint") as FlowParams;
  };
  const has = (prefix: string) => Object.keys(ck.tensors).some((k) => k.startsWith(`${prefix}.`));
  return { c, model, tree, has, bijector: s.bijector, base: s.base };
}

/** The flow train state in checkpoint contents, ready for `trainFlow` (used by the directory layer too). */
export function flowTrainStateFromFiles(ck: CheckpointFiles, dir = "", overrides: Partial<TrainOptions> = {}, o: LoadFlowOptions = {}): FlowTrainState & Disposable {
  const { c, model, tree, bijector, base } = readFlow(ck, dir, o);
  return disposableState({ ...restoreRunState(model, c.train, tree, overrides), bijector, base });
}

/** The flow in checkpoint contents: EMA weights when the run used EMA (unless `ema: false`). */
export function flowModelFromFiles(ck: CheckpointFiles, dir = "", opts: { ema?: boolean } & LoadFlowOptions = {}): Flow {
  const { c, model, tree, has, bijector, base } = readFlow(ck, dir, opts);
  const useEma = (opts.ema ?? (c.train?.options?.emaDecay ?? 0) > 0) && has("ema");
  return new Flow(bijector, base, { config: model, params: tree(useEma ? "ema" : "params") });
}

/** Restores a flow train state from `flowTrainStateToBytes`, ready to continue with `trainFlow`. */
export function flowTrainStateFromBytes(bytes: CheckpointBytes, overrides: Partial<TrainOptions> = {}, o: LoadFlowOptions = {}): FlowTrainState & Disposable {
  return flowTrainStateFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", overrides, o);
}

/** The flow for sampling/evaluation from checkpoint bytes: EMA weights when the run used EMA (unless `ema: false`). */
export function flowModelFromBytes(bytes: CheckpointBytes, opts: { ema?: boolean } & LoadFlowOptions = {}): Flow {
  return flowModelFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", opts);
}
