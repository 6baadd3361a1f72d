/**
 * The one door to @jax-js/jax. Every module of flowmatch imports the engine from here, so the shims below are
 * installed before any array is made.
 *
 * Ownership rule (jax-js): every function consumes its array arguments; use `x.ref` to keep using `x`.
 */
import * as jax from "@jax-js/jax";
import { OptionError } from "../errors.js";

// Node 20 has no Float16Array; jax-js tests `data instanceof Float16Array` while building every array, which throws a
// ReferenceError there. A class that can never be instantiated makes those checks simply false. float16 arrays stay
// unsupported on Node 20 (Node >= 22 has the real class, which we leave alone).
if (typeof (globalThis as { Float16Array?: unknown }).Float16Array === "undefined") {
  (globalThis as { Float16Array?: unknown }).Float16Array = class Float16Array {
    constructor() {
      throw new Error("float16 arrays need Node >= 22 (Float16Array is missing in this runtime)");
    }
  };
}

// Models and train states are `Disposable` (hold them with `using`). Node 20 defines Symbol.dispose; older
// browsers do not, and a class's `[Symbol.dispose]` method would otherwise be keyed "undefined".
if (typeof (Symbol as { dispose?: symbol }).dispose !== "symbol") {
  Object.defineProperty(Symbol, "dispose", { value: Symbol.for("Symbol.dispose") });
}
if (typeof (Symbol as { asyncDispose?: symbol }).asyncDispose !== "symbol") {
  Object.defineProperty(Symbol, "asyncDispose", { value: Symbol.for("Symbol.asyncDispose") });
}

export {
  numpy as np,
  random,
  nn as nnOps,
  lax,
  tree as treeOps,
  jit,
  grad,
  valueAndGrad,
  jvp,
  vjp,
  vmap,
  defaultDevice,
} from "@jax-js/jax";
export type { Array, DType, Device, JsTree } from "@jax-js/jax";
type Device = jax.Device;

let ready: Promise<Device> | undefined;

/**
 * Where whole training steps, samplers and log-likelihoods run: the jax-js engine ("wasm"), or ONNX Runtime
 * ("onnx": native CPU kernels through the optional `onnxruntime-node`, Node only; src/onnx). "auto" is onnx when
 * onnxruntime-node loads, else wasm. Arrays and everything else always live on the jax-js device.
 */
export type ComputeBackend = "wasm" | "onnx";
export interface EngineOptions {
  /** The jax-js device (default: wasm in Node; WebGPU, else wasm, in a browser). */
  device?: Device;
  /** Default "wasm" (and in a browser, where ONNX Runtime for Node cannot load, "auto" is wasm too). */
  backend?: ComputeBackend | "auto";
}

let onnxProbe: (() => Promise<boolean>) | undefined;
let backend: ComputeBackend = "wasm";

/** flowmatch/node registers how to find ONNX Runtime (whether `onnxruntime-node` loads); the core has no way. */
export function registerOnnxProbe(probe: (() => Promise<boolean>) | undefined): void {
  onnxProbe = probe;
}

/** The backend the last `initEngine` with a `backend` option chose ("wasm" until then). */
export function computeBackend(): ComputeBackend {
  return backend;
}

/** "auto" → onnx where it loads, else wasm; "onnx" where it cannot load → a one-line OptionError. */
export async function resolveBackend(wanted: ComputeBackend | "auto" | undefined): Promise<ComputeBackend> {
  if (wanted === undefined || wanted === "wasm") return "wasm";
  if (wanted !== "auto" && wanted !== "onnx") throw new OptionError(`backend must be auto, onnx or wasm, got "${String(wanted)}"`);
  const loads = onnxProbe ? await onnxProbe() : false;
  if (loads) return "onnx";
  if (wanted === "auto") return "wasm";
  throw new OptionError(
    onnxProbe
      ? "the onnx backend needs onnxruntime-node (an optional dependency): npm install onnxruntime-node"
      : 'the onnx backend runs in Node only: import from "flowmatch/node" (with onnxruntime-node installed)',
  );
}

/**
 * Start the array engine once. In Node this is the wasm backend (WebGPU does not exist there); in a browser it
 * prefers WebGPU and falls back to wasm. Returns the device that became the default. Safe to call many times.
 * `backend` also picks where the CLI's (and `computeBackend()`'s readers') whole steps run: see `ComputeBackend`;
 * "onnx" throws a one-line OptionError where ONNX Runtime cannot load.
 *
 * @example
 * ```ts
 * await initEngine(); // before the first array
 * await initEngine({ backend: "auto" }); // flowmatch/node: ONNX Runtime when onnxruntime-node is installed
 * ```
 */
export async function initEngine(options?: Device | EngineOptions): Promise<Device> {
  const o: EngineOptions = typeof options === "string" ? { device: options } : (options ?? {});
  if (o.backend !== undefined) backend = await resolveBackend(o.backend);
  return startEngine(o.device);
}

function startEngine(prefer?: Device): Promise<Device> {
  ready ??= (async () => {
    const isNode = typeof process !== "undefined" && !!process.versions?.node;
    const wanted: Device[] = prefer ? [prefer] : isNode ? ["wasm"] : ["webgpu", "wasm"];
    // jax-js's init() probes navigator.gpu unguarded, which throws in Node: ask only for backends that can exist.
    const available = await jax.init(...wanted.filter((d) => !(isNode && (d === "webgpu" || d === "webgl"))));
    const device = wanted.find((d) => available.includes(d)) ?? "wasm";
    jax.defaultDevice(device);
    return device;
  })();
  return ready;
}

/**
 * Runs the operations queued for `x` now (a no-op while tracing under jit/grad). jax-js executes lazily and holds
 * every intermediate buffer of a pending chain, so a long loop (ODE steps over 10,000 points) must flush each
 * iteration or it exhausts wasm's 4 GiB. Does not consume `x`.
 */
export function materialize(x: jax.Array): void {
  if (x instanceof jax.Array) x.ref.dataSync();
}

/**
 * Host numbers as a 1-D array of `dtype`, uploaded in that dtype: float32 goes up as a Float32Array (rounded on the
 * host, the same rounding a cast would do), never through float64, which WebGPU does not have.
 */
export function hostArray(data: ArrayLike<number>, dtype: jax.DType): jax.Array {
  const np = jax.numpy;
  if (dtype === np.float64) return np.array(data instanceof Float64Array ? data : Float64Array.from(data), { dtype });
  if (dtype === np.int32) return np.array(data instanceof Int32Array ? data : Int32Array.from(data), { dtype });
  const f32 = np.array(data instanceof Float32Array ? data : Float32Array.from(data), { dtype: np.float32 });
  return dtype === np.float32 ? f32 : f32.astype(dtype);
}

/** A host array as an array of `shape` and `dtype`, uploaded in `dtype` (see `hostArray`). */
export function fromHost(data: ArrayLike<number>, shape: number[], dtype: jax.DType): jax.Array {
  return hostArray(data, dtype).reshape(shape);
}

/** The values of `a` (consumed) as a Float64Array, whatever its float dtype. */
export function toHostF64(a: jax.Array): Float64Array {
  return Float64Array.from(a.dataSync() as Float32Array);
}
