/**
 * Reading checkpoints written by flowmatch 0.1. Version 0.1 stored the network as `model.mlp` (no registry kind)
 * and its tensors as `params.layers.…`; since the networks became pluggable, config.json names the network as
 * `model.net = { kind, … }` and the network's tensors sit under `params.net.…` (beside `params.embed`). The
 * migration is on read only: nothing rewrites an old checkpoint on disk until it is saved again.
 */
import { CheckpointError } from "../errors.js";
import type { HostTensor } from "../io/safetensors.js";
import type { ModelConfig } from "../fm/velocity-model.js";

/** The four stored trees of a flow-matching checkpoint. */
const TREES = ["params", "ema", "opt.m", "opt.v"];

/**
 * A flow-matching model config and its tensors in the current layout; a 0.1 config (`mlp`, no `net`) is migrated,
 * anything else without `net` is a one-line CheckpointError naming `where`. Does not modify its arguments.
 */
export function migrateFlowMatching(model: unknown, tensors: Record<string, HostTensor>, where: string): { model: ModelConfig; tensors: Record<string, HostTensor> } {
  const m = model as Record<string, unknown> | undefined;
  if (m && typeof m.net === "object" && m.net !== null) return { model: m as unknown as ModelConfig, tensors };
  if (!m || typeof m.mlp !== "object" || m.mlp === null) {
    throw new CheckpointError(`${where}/config.json: model has no "net" section (nor the "mlp" of a 0.1 checkpoint), so the network cannot be rebuilt`);
  }
  const { mlp, ...rest } = m;
  const migrated = { ...rest, net: { kind: "mlp", ...(mlp as object) } } as unknown as ModelConfig;
  const renamed: Record<string, HostTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const tree = TREES.find((p) => name.startsWith(`${p}.layers.`));
    renamed[tree ? `${tree}.net.${name.slice(tree.length + 1)}` : name] = t;
  }
  return { model: migrated, tensors: renamed };
}
