/**
 * Train states and models ⇄ checkpoint bytes, one reader and writer for both families: config.json's text (format,
 * library, `model` = the model's config whose `kind` is "flow-matching" or "normalizing-flow", train options, step,
 * rng state, losses, dtype) + weights.safetensors with params.*, ema.*, opt.m.*, opt.v.*. Reading dispatches on
 * `model.kind`. Browser-safe; `saveTrainState`/`loadTrainState`/`loadModel` in `flowmatch/node` put the same two
 * files in a directory.
 *
 * Loading names the family it expects with `kind` (default "flow-matching", so existing callers keep their types;
 * "any" returns whichever the checkpoint holds); a checkpoint of the other family is a one-line CheckpointError.
 * A named flow architecture is rebuilt from its config; a flow built by hand (`arch: "custom"`) loads state_dict
 * style into `{ structure }`, a flow of the same layers whose parameter tree fixes the expected tensors.
 *
 * @example
 * ```ts
 * const bytes = trainStateToBytes(state);                     // either family: { configJson, weights }
 * const resumed = trainStateFromBytes(bytes);                  // continues exactly where `state` stopped
 * const any = modelFromBytes(bytes, { kind: "any" });          // VelocityModel | Flow, EMA weights when used
 * const flow = modelFromBytes(flowBytes, { kind: "normalizing-flow", structure: makeMyFlow() });
 * ```
 */
import { np, treeDispose, treeLeaves, type DType, type Tree } from "../engine/index.js";
import { disposableState } from "./disposable.js";
import { Rng } from "../engine/rng.js";
import { encodeCheckpoint, decodeCheckpoint, flattenNamed, CONFIG_FILE, type HostTensor, type CheckpointBytes, type CheckpointFiles } from "../io/index.js";
import { CheckpointError, OptionError } from "../errors.js";
import { treeToHost, treeSkeleton, treeFromTensors } from "../io/tree-host.js";
import { VelocityModel, type ModelConfig, type ModelParams } from "../fm/velocity-model.js";
import { resolveFlowConfig } from "../flows/architectures.js";
import { flowContextDim } from "../flows/flow-config.js";
import { condEmbedWidth } from "../fm/conditioning.js";
import type { BaseDistribution } from "../flows/base.js";
import { Flow, type FlowModelConfig, type FlowParams } from "../flows/model.js";
import type { Bijector } from "../flows/types.js";
import type { TrainState } from "./loop.js";
import type { FlowTrainState } from "./flow-trainer.js";
import { migrateFlowMatching } from "./migrate.js";
import { validateConfig, checkFiniteTensors } from "./config-schema.js";
import { resolveTrainOptions, type TrainOptions } from "./options.js";

export const LIBRARY_VERSION = "0.1.0";
export const FORMAT = "flowmatch-checkpoint";

import type { ModelKind } from "../model/density-model.js";
export type { ModelKind };
/** A train state of either family. */
export type AnyTrainState = TrainState | FlowTrainState;
/** A model of either family. */
export type AnyModel = VelocityModel | Flow;
/** Which family a load expects: one kind, or "any". */
export type KindWanted = ModelKind | "any";
/** What a loader returns for a `kind`; states are `Disposable` (hold them with `using`). */
export type StateOf<K extends KindWanted> = (K extends "normalizing-flow" ? FlowTrainState : K extends "any" ? AnyTrainState : TrainState) & Disposable;
export type ModelOf<K extends KindWanted> = K extends "normalizing-flow" ? Flow : K extends "any" ? AnyModel : VelocityModel;

export interface ConfigJson {
  format: string;
  formatVersion: number;
  library: string;
  model: ModelConfig | FlowModelConfig;
  train: { options: TrainOptions; step: number; rngState: number[]; losses: number[] };
  dtype: "float32" | "float64";
}

/** The structure of a flow to load weights into: a flow (borrowed; its parameters are not touched) or its parts. */
export type FlowStructure = Flow | { bijector: Bijector; base: BaseDistribution };

export interface LoadOptions<K extends KindWanted = "flow-matching"> {
  /** The family expected (default "flow-matching"); "any" accepts both. */
  kind?: K;
  /** Needed for a custom flow (config `arch: "custom"`): the same bijector chain and base as when it was saved. */
  structure?: FlowStructure;
}
/** The earlier name of the flow load options. */
export type LoadFlowOptions = Omit<LoadOptions<"normalizing-flow">, "kind">;
export interface LoadModelOptions<K extends KindWanted = "flow-matching"> extends LoadOptions<K> {
  /** EMA weights (default: when the run used EMA) or the raw parameters. */
  ema?: boolean;
}

/** The train-state fields every checkpoint stores (either family). */
type Stored = TrainState<unknown, Tree>;

/** A run's full state as checkpoint contents (config object + named tensors); either family. */
export function runStateFiles(s: Stored): CheckpointFiles {
  const dtype = treeLeaves(s.params)[0]?.dtype === np.float64 ? "float64" : "float32";
  const config = {
    format: FORMAT, formatVersion: 1, library: `flowmatch@${LIBRARY_VERSION}`, model: s.config,
    train: { options: s.options, step: s.step, rngState: s.rng.state(), losses: s.losses }, dtype,
  };
  const tensors: Record<string, HostTensor> = {
    ...flattenNamed(treeToHost(s.params), "params"),
    ...flattenNamed(treeToHost(s.ema), "ema"),
    ...flattenNamed(treeToHost(s.m), "opt.m"),
    ...flattenNamed(treeToHost(s.v), "opt.v"),
  };
  return { config: config as unknown as Record<string, unknown>, tensors };
}

/** The full train state (either family) as checkpoint bytes (borrows `s`). */
export function trainStateToBytes(s: AnyTrainState): CheckpointBytes {
  return encodeCheckpoint(runStateFiles(s as Stored));
}

/** True when a parsed config.json describes a normalizing flow (not a flow-matching model). */
export function isFlowConfig(config: unknown): boolean {
  return kindOf(config) === "normalizing-flow";
}

function kindOf(config: unknown): ModelKind {
  return (config as { model?: { kind?: string } } | null)?.model?.kind === "normalizing-flow" ? "normalizing-flow" : "flow-matching";
}

const LOADERS: Record<ModelKind, string> = { "flow-matching": "loadModel / loadTrainState", "normalizing-flow": "loadFlowModel / loadFlowTrainState" };

/** A decoded checkpoint of either family: its config, a reader of the stored trees, and the model's structure. */
interface Read {
  kind: ModelKind;
  c: ConfigJson;
  tree: (prefix: string) => Tree;
  has: (prefix: string) => boolean;
  flow?: { bijector: Bijector; base: BaseDistribution };
}

/** Reads decoded checkpoint contents of the family `want`; `dir` names the origin in errors ("" for bytes). */
function readCheckpoint(ck: CheckpointFiles, dir: string, want: KindWanted, o: LoadOptions<KindWanted>): Read {
  const where = `${dir ? `${dir}/` : ""}${CONFIG_FILE}`;
  const raw = ck.config as unknown as ConfigJson;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new CheckpointError(`${where}: expected a JSON object, got ${Array.isArray(raw) ? "an array" : String(raw)}`);
  if (raw.format !== FORMAT)
    throw new CheckpointError(`${where}: not a flowmatch ${want === "normalizing-flow" ? "normalizing-flow " : ""}checkpoint (format "${String(raw.format)}", expected "${FORMAT}")`);
  if (!raw.model || typeof raw.model !== "object") throw new CheckpointError(`${where}: model: expected the model's description, got ${raw.model === undefined ? "nothing (the field is missing)" : JSON.stringify(raw.model)}`);
  // A newer writer may store what this reader would misread: refuse rather than guess. (0.1 files have no version.)
  const version = (raw as { formatVersion?: unknown }).formatVersion;
  if (version !== undefined && version !== 1)
    throw new CheckpointError(`${where}: formatVersion: expected 1 (this flowmatch reads version 1), got ${JSON.stringify(version)}; a newer flowmatch wrote it`);
  const kind = kindOf(raw);
  if (want !== "any" && kind !== want)
    throw new CheckpointError(`${where}: a ${kind} checkpoint where a ${want} one was expected; load it with ${LOADERS[kind]} (or pass { kind: "any" })`);
  const dtype = raw.dtype === "float64" ? np.float64 : np.float32;
  const weightsWhere = `${dir ? `${dir}/` : ""}weights.safetensors`;
  const origin = dir || "checkpoint";
  const has = (prefix: string) => Object.keys(tensors).some((k) => k.startsWith(`${prefix}.`));
  let tensors = ck.tensors as Record<string, HostTensor>;
  if (kind === "flow-matching") {
    // A 0.1 checkpoint (model.mlp, tensors params.layers.…) is read in the current layout.
    const m = migrateFlowMatching(raw.model, tensors, origin);
    tensors = m.tensors;
    validateConfig({ ...raw, model: m.model }, where);
    checkCondWidth(m.model, where);
    checkFiniteTensors(tensors, weightsWhere);
    // The stored tensors fill the structure of a freshly initialized model (shape-checked, initializer key order).
    let template: VelocityModel;
    try {
      template = VelocityModel.init(m.model, 0, dtype);
    } catch (e) {
      throw e instanceof OptionError ? new CheckpointError(`${where}: ${e.message}`) : e;
    }
    const skel = treeSkeleton(template.params);
    template.dispose();
    return { kind, c: { ...raw, model: m.model }, has, tree: (prefix) => treeFromTensors(skel, tensors, prefix, dtype, weightsWhere) as Tree };
  }
  validateConfig(raw, where);
  // A custom flow is described by its structure (optional in the schema for the built-in architectures).
  if ((raw.model as { arch?: unknown }).arch === "custom" && !(raw.model as { structure?: unknown }).structure)
    throw new CheckpointError(`${where}: model.structure: expected the custom flow's {layers, base} (arch "custom"), got nothing (the field is missing)`);
  checkFiniteTensors(tensors, weightsWhere);
  let model: FlowModelConfig;
  try {
    const fm = raw.model as FlowModelConfig;
    model = fm.arch === "custom" ? fm : resolveFlowConfig(fm);
  } catch (e) {
    throw new CheckpointError(`${where}: bad model config (${(e as Error).message})`);
  }
  checkFlowFields(model, where);
  const s = flowStructure(origin, model, dtype, o.structure);
  const skel = treeSkeleton(s.template);
  const expected = new Set(leafNames(s.template, ""));
  if (s.owned) treeDispose(s.template);
  const tree = (prefix: string) => {
    const extra = Object.keys(tensors).find((k) => k.startsWith(`${prefix}.`) && !expected.has(k.slice(prefix.length)));
    if (extra) throw new CheckpointError(`${weightsWhere}: tensor ${extra} has no place in the flow's structure (${expected.size} tensors expected per tree)`);
    return treeFromTensors(skel, tensors, prefix, dtype, weightsWhere) as Tree;
  };
  return { kind, c: { ...raw, model }, has, tree, flow: { bijector: s.bijector, base: s.base } };
}

/**
 * A flow-matching MLP or U-Net reads the condition through `net.condWidth` inputs: the class embedding's width or
 * the context values plus their ∅ flag. An edited model.cond or condWidth would pass the weight shapes and fail at
 * the first matrix product (an internal error), so the two must agree. (Imported ONNX nets use condWidth otherwise.)
 */
function checkCondWidth(model: ModelConfig, where: string): void {
  const net = model.net;
  if (net.kind !== "mlp" && net.kind !== "unet") return;
  const got = net.condWidth ?? 0;
  const want = model.cond ? condEmbedWidth(model.cond) : 0;
  if (got === want) return;
  const what = !model.cond ? "no model.cond: an unconditional network" : model.cond.kind === "class" ? "model.cond.embedDim" : `model.cond.dim ${model.cond.dim} context values and their ∅ flag`;
  throw new CheckpointError(`${where}: model.net.condWidth: expected ${want} (${what}), got ${got}`);
}

/**
 * Fields of a flow's config that must agree with each other (each valid alone, so the schema passes them): the
 * context width with the condition it encodes, and the data columns with the event size. An edited config.json
 * would otherwise load and fail later with a message about the sampler's inputs, or sample with the wrong width.
 */
function checkFlowFields(model: FlowModelConfig, where: string): void {
  if (model.cond) {
    const want = flowContextDim(model.cond);
    const what = model.cond.kind === "class" ? `one-hot over the ${model.cond.classes.length} classes of model.cond.classes` : `the ${model.cond.dim} values of model.cond.dim`;
    if (model.ctxDim !== want) throw new CheckpointError(`${where}: model.ctxDim: expected ${want} (${what}), got ${model.ctxDim}`);
  }
  const D = model.eventShape.reduce((a, b) => a * b, 1);
  if (model.columns && model.columns.length !== D)
    throw new CheckpointError(`${where}: model.columns: expected ${D} column indices (the event shape [${model.eventShape.join(",")}]), got ${model.columns.length}`);
}

/** Names of a parameter tree's leaves, as flattenNamed writes them (`prefix.a.0.b`). */
function leafNames(t: unknown, name: string, out: string[] = []): string[] {
  if (t && typeof t === "object" && "dtype" in t && "dataSync" in t) out.push(name);
  else if (t && typeof t === "object") for (const [k, v] of Object.entries(t)) leafNames(v, `${name}.${k}`, out);
  return out;
}

/** A flow's structure and a template of its parameters (to be disposed unless borrowed from a given flow). */
function flowStructure(where: string, model: FlowModelConfig, dtype: DType, given?: FlowStructure) {
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
    return { bijector, base, template: given.params as FlowParams, owned: false };
  }
  const f = new Flow(bijector, base, { dtype, ctxDim: model.ctxDim });
  return { bijector, base, template: f.params, owned: true };
}

/** The train state in checkpoint contents (the family `o.kind`), ready to continue training; used by the directory layer too. */
export function trainStateFromFiles<K extends KindWanted = "flow-matching">(
  ck: CheckpointFiles, dir = "", overrides: Partial<TrainOptions> = {}, o: LoadOptions<K> = {},
): StateOf<K> {
  const r = readCheckpoint(ck, dir, o.kind ?? "flow-matching", o);
  const t = r.c.train;
  const state = {
    config: r.c.model, options: resolveTrainOptions({ ...t.options, ...overrides }),
    params: r.tree("params"), ema: r.tree("ema"), m: r.tree("opt.m"), v: r.tree("opt.v"),
    step: t.step, rng: new Rng(t.rngState), losses: t.losses ?? [], ...r.flow,
  };
  return disposableState(state) as unknown as StateOf<K>;
}

/** The model in checkpoint contents: EMA weights when the run used EMA (unless `ema: false`), else the raw parameters. */
export function modelFromFiles<K extends KindWanted = "flow-matching">(ck: CheckpointFiles, dir = "", o: LoadModelOptions<K> = {}): ModelOf<K> {
  const r = readCheckpoint(ck, dir, o.kind ?? "flow-matching", o);
  const useEma = (o.ema ?? (r.c.train?.options?.emaDecay ?? 0) > 0) && r.has("ema");
  const params = r.tree(useEma ? "ema" : "params");
  const m = r.flow
    ? new Flow(r.flow.bijector, r.flow.base, { config: r.c.model as FlowModelConfig, params: params as FlowParams })
    : new VelocityModel(r.c.model as ModelConfig, params as ModelParams);
  return m as ModelOf<K>;
}

/**
 * Restores a train state from `trainStateToBytes`, ready to continue training (`kind` as in LoadOptions).
 *
 * @example
 * ```ts
 * const bytes = trainStateToBytes(state);     // config.json + weights.safetensors, for storage of your choice
 * using resumed = trainStateFromBytes(bytes); // continue with train(resumed, data)
 * using model = modelFromBytes(bytes);        // EMA weights when the run used EMA
 * ```
 */
export function trainStateFromBytes<K extends KindWanted = "flow-matching">(bytes: CheckpointBytes, overrides: Partial<TrainOptions> = {}, o: LoadOptions<K> = {}): StateOf<K> {
  return trainStateFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", overrides, o);
}

/** The model for sampling/evaluation from checkpoint bytes: EMA weights when the run used EMA, else the raw parameters. */
export function modelFromBytes<K extends KindWanted = "flow-matching">(bytes: CheckpointBytes, o: LoadModelOptions<K> = {}): ModelOf<K> {
  return modelFromFiles(decodeCheckpoint(bytes.configJson, bytes.weights), "", o);
}
