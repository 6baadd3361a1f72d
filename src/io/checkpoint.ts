/**
 * Checkpoints as bytes: a JSON config and a safetensors blob, the two files of a checkpoint directory without the
 * directory. Browser-safe (no file system): keep the bytes in IndexedDB, send them over the network, or hand them
 * to `saveCheckpoint` from `flowmatch/node`, which writes them atomically as `config.json` + `weights.safetensors`.
 *
 * @example
 * ```ts
 * const { configJson, weights } = encodeCheckpoint({ config: { step: 3 }, tensors: { w: { dtype: "F32", shape: [2], data: new Float32Array([1, 2]) } } });
 * const back = decodeCheckpoint(configJson, weights); // { config: { step: 3 }, tensors: { w: … } }
 * ```
 */
import { CheckpointError } from "../errors.js";
import { decodeSafetensors, encodeSafetensors, type HostTensor } from "./safetensors.js";

export const CONFIG_FILE = "config.json";
export const WEIGHTS_FILE = "weights.safetensors";

/** What a checkpoint holds: a JSON-serializable config object and named host tensors. */
export interface CheckpointFiles {
  config: Record<string, unknown>;
  tensors: Record<string, HostTensor>;
}

/** A checkpoint's two files as data: `config.json`'s text and `weights.safetensors`' bytes. */
export interface CheckpointBytes {
  configJson: string;
  weights: Uint8Array;
}

/** Where the two parts came from, for error messages (file paths, URLs); default "config.json" and "weights.safetensors". */
export interface CheckpointSource {
  config?: string;
  weights?: string;
}

export function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Serializes a checkpoint: pretty JSON (with a final newline) and safetensors. Throws `CheckpointError` for a config
 * that is not a plain, JSON-serializable object (the message starts with `where`), `ShapeError` for bad tensors.
 */
export function encodeCheckpoint(ckpt: CheckpointFiles, where = "checkpoint"): CheckpointBytes {
  if (!isPlainObject(ckpt.config)) throw new CheckpointError(`${where}: config must be a plain object`);
  let configJson: string;
  try {
    configJson = `${JSON.stringify(ckpt.config, null, 2)}\n`;
  } catch (e) {
    throw new CheckpointError(`${where}: config is not JSON-serializable (${errMessage(e)})`);
  }
  return { configJson, weights: encodeSafetensors(ckpt.tensors) };
}

/**
 * Parses a checkpoint's config (text, or its UTF-8 bytes) and weights. Throws `CheckpointError` naming the part
 * (`source`) and the problem: invalid JSON, no JSON object at the top level, corrupt safetensors.
 */
export function decodeCheckpoint(configJson: string | Uint8Array, weights: Uint8Array, source: CheckpointSource = {}): CheckpointFiles {
  const configName = source.config ?? CONFIG_FILE;
  let config: unknown;
  try {
    const text = typeof configJson === "string" ? configJson : new TextDecoder("utf-8", { fatal: true }).decode(configJson);
    config = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${configName}: invalid JSON (${errMessage(e)})`);
  }
  if (!isPlainObject(config)) throw new CheckpointError(`${configName}: expected a JSON object at the top level`);
  const { tensors } = decodeSafetensors(weights, source.weights ?? WEIGHTS_FILE);
  return { config, tensors };
}
