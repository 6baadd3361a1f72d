/**
 * onnxruntime-node is an optional dependency: where it is not installed (`npm ci --omit=optional`, a platform
 * without its binaries) the tests that run ONNX graphs are reported as skipped, with the reason, instead of failing.
 */
import { loadOrt } from "../../src/onnx/runtime.js";

export const ort = await loadOrt().catch(() => undefined);
/** `test(name, { skip: ORT_SKIP }, …)`: false where onnxruntime-node loads, else the reason to skip. */
export const ORT_SKIP: string | false = ort ? false : "onnxruntime-node (optional dependency) is not installed";
