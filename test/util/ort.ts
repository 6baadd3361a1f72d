/**
 * onnxruntime-node is an optional dependency: where it is not installed (`npm ci --omit=optional`, a platform
 * without its binaries) the tests that run ONNX graphs are reported as skipped, with the reason, instead of failing.
 */
import assert from "node:assert/strict";
import { treeLeaves, type Tree } from "../../src/engine/index.js";
import { loadOrt } from "../../src/onnx/runtime.js";
import { maxRelDiff } from "../../src/onnx/verify.js";

export const ort = await loadOrt().catch(() => undefined);
/** `test(name, { skip: ORT_SKIP }, …)`: false where onnxruntime-node loads, else the reason to skip. */
export const ORT_SKIP: string | false = ort ? false : "onnxruntime-node (optional dependency) is not installed";

/** A tree's leaves as one Float64Array (read through `.ref`: the tree keeps its arrays). */
export function treeValues(t: Tree): Float64Array {
  return Float64Array.from(treeLeaves(t).flatMap((a) => [...(a.ref.dataSync() as Float32Array)]));
}

/**
 * The ONNX Runtime run `onnx` followed the wasm run `wasm` of the same options: `steps` steps, the loss curve and
 * the weights equal to float32 rounding (1e-4 relative, issue 15's criterion).
 */
export function assertSameRun(onnx: { step: number; losses: number[]; params: Tree }, wasm: { losses: number[]; params: Tree }, steps: number): void {
  assert.equal(onnx.step, steps);
  assert.ok(maxRelDiff(onnx.losses, wasm.losses) <= 1e-4, `losses ${maxRelDiff(onnx.losses, wasm.losses)}`);
  assert.ok(maxRelDiff(treeValues(onnx.params), treeValues(wasm.params)) <= 1e-4, `weights ${maxRelDiff(treeValues(onnx.params), treeValues(wasm.params))}`);
}

/** Runs `f` with onnxruntime-node made unloadable for CLI children (they inherit FLOWMATCH_ORT_MODULE). */
export function withoutOrt<T>(f: () => T): T {
  const prev = process.env.FLOWMATCH_ORT_MODULE;
  process.env.FLOWMATCH_ORT_MODULE = "flowmatch-no-such-module";
  try {
    return f();
  } finally {
    if (prev === undefined) delete process.env.FLOWMATCH_ORT_MODULE;
    else process.env.FLOWMATCH_ORT_MODULE = prev;
  }
}
