/** Moving parameter pytrees between jax-js arrays and host tensors (for checkpoints). */
import { np, treeOps, fromHost, type Array, type DType, type Tree } from "../engine/index.js";
import type { HostTensor } from "./safetensors.js";
import { CheckpointError } from "../errors.js";

/** Host copy of a pytree (does not consume `t`: each leaf gets one reference, consumed by its readback). */
export function treeToHost(t: Tree): unknown {
  return treeOps.map((a: Array) => {
    const dtype = a.dtype === np.float64 ? "F64" : "F32";
    const data = a.astype(dtype === "F64" ? np.float64 : np.float32).dataSync() as Float32Array | Float64Array; // consumes the ref taken below
    return { dtype, shape: [...a.shape], data } as unknown as Array;
  }, treeOps.ref(t));
}

/** jax-js arrays from a host tree (plain objects/arrays with HostTensor leaves), cast to `dtype`. */
export function treeFromHost<T>(h: unknown, dtype = np.float32, where = "checkpoint"): T {
  const visit = (node: unknown, path: string): unknown => {
    if (node && typeof node === "object" && "dtype" in node && "data" in node) {
      const t = node as HostTensor;
      if (t.dtype !== "F32" && t.dtype !== "F64") throw new CheckpointError(`${where}: tensor ${path} has dtype ${t.dtype}, expected F32 or F64`);
      return fromHost(t.data as Float32Array | Float64Array, t.shape, dtype);
    }
    if (globalThis.Array.isArray(node)) return (node as unknown[]).map((v, i) => visit(v, `${path}.${i}`));
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node as object).map(([k, v]) => [k, visit(v, `${path}.${k}`)]));
    throw new CheckpointError(`${where}: unexpected entry at ${path}`);
  };
  return visit(h, "") as T;
}

/** A leaf of a parameter skeleton: only its shape. */
class Leaf {
  constructor(readonly shape: number[]) {}
}
/** The structure of a parameter tree with `Leaf` shapes in place of arrays (does not consume `t`). */
export function treeSkeleton(t: unknown): unknown {
  if (t && typeof t === "object" && "dtype" in t && "dataSync" in t) return new Leaf([...(t as Array).shape]);
  if (globalThis.Array.isArray(t)) return t.map(treeSkeleton);
  if (t && typeof t === "object") return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, treeSkeleton(v)]));
  return t;
}

/**
 * A tree shaped like `template` (a `treeSkeleton`) whose leaves are the tensors `prefix.<path>` (shape-checked), as
 * `dtype`. Loading through the skeleton of a freshly initialized model gives the initializer's key order — jax-js
 * flattens objects in insertion order, and optimizer states zip leaves — so loaded and fresh trees always mix.
 */
export function treeFromTensors(template: unknown, tensors: Record<string, HostTensor>, prefix: string, dtype: DType, where: string): unknown {
  const visit = (node: unknown, name: string): unknown => {
    if (node instanceof Leaf) {
      const t = tensors[name];
      const want = node.shape;
      if (!t) throw new CheckpointError(`${where}: tensor ${name} is missing`);
      if (t.shape.join() !== want.join()) throw new CheckpointError(`${where}: tensor ${name} has shape [${t.shape}], expected [${want}]`);
      if (t.dtype !== "F32" && t.dtype !== "F64") throw new CheckpointError(`${where}: tensor ${name} has dtype ${t.dtype}, expected F32 or F64`);
      return fromHost(t.data as Float32Array | Float64Array, t.shape, dtype);
    }
    if (globalThis.Array.isArray(node)) return node.map((v, i) => visit(v, `${name}.${i}`));
    if (node && typeof node === "object") return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, visit(v, `${name}.${k}`)]));
    throw new CheckpointError(`${where}: unexpected entry at ${name}`);
  };
  return visit(template, prefix);
}
