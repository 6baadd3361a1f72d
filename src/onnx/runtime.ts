/**
 * Loads `onnxruntime-node`, an optional dependency, on demand: nothing in the library's core imports it (it is a
 * native Node addon of ~300 MB that browsers cannot load), and a missing install is reported in one line.
 */
import { OptionError } from "../errors.js";

export type OrtModule = typeof import("onnxruntime-node");

let cached: Promise<OrtModule> | undefined;

/** The onnxruntime-node module, or an OptionError saying how to install it. */
export function loadOrt(): Promise<OrtModule> {
  cached ??= (async () => {
    const spec = process.env.FLOWMATCH_ORT_MODULE ?? "onnxruntime-node"; // tests point this at a missing module
    try {
      const m = (await import(spec)) as OrtModule & { default?: OrtModule };
      return (m.InferenceSession ? m : m.default) as OrtModule;
    } catch {
      cached = undefined;
      throw new OptionError("onnxruntime-node is not installed (an optional dependency): npm install onnxruntime-node");
    }
  })();
  return cached;
}

/**
 * Session options of the library's graphs: full graph optimization, intra-op threads on every core (or
 * FLOWMATCH_ORT_THREADS of them: the bench times one thread against PyTorch's one), and no spin-waiting between
 * kernels — on a shared machine (other processes, or jax-js work between calls) spinning threads take cores from
 * each other: a training step measured 37 ms with spinning against 10 ms without.
 */
export function sessionOptions(): Parameters<OrtModule["InferenceSession"]["create"]>[1] {
  const threads = Number(process.env.FLOWMATCH_ORT_THREADS ?? 0);
  return {
    graphOptimizationLevel: "all",
    ...(Number.isInteger(threads) && threads > 0 ? { intraOpNumThreads: threads } : {}),
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  };
}
