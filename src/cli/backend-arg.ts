/**
 * `--backend wasm | onnx | auto` of train, eval (and the bench): where whole training steps and likelihood solves
 * run. wasm is the default (the CLI's behaviour is unchanged unless asked); onnx runs them on ONNX Runtime (the
 * optional onnxruntime-node) and refuses in one line what it does not support; auto takes onnx when it loads and
 * supports the run, else wasm.
 */
import type { CommandSpec } from "./args.js";
import { OptionError } from "../errors.js";

export type BackendChoice = "wasm" | "onnx" | "auto";

/** The option's spec; `what` says what runs on ONNX Runtime. */
export function backendOption(what: string): CommandSpec["options"][string] {
  return { type: "string", help: `wasm, onnx (${what} on ONNX Runtime; optional dependency onnxruntime-node) or auto (onnx where it loads and applies, else wasm)`, default: "wasm" };
}

export function backendArg(v: Record<string, unknown>): BackendChoice {
  const b = String(v.backend ?? "wasm");
  if (b !== "wasm" && b !== "onnx" && b !== "auto") throw new OptionError(`--backend must be wasm, onnx or auto, got "${b}"`);
  return b;
}
