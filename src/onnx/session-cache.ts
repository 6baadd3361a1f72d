/**
 * Compiled ONNX Runtime sessions per model object and graph key ("sample:rk4:100", "logp:rk4:10:5000:exact:1"):
 * compiling a graph and optimizing it in ONNX Runtime takes from a fraction of a second to seconds, so repeated
 * calls on one model (chunks of a large `sample` or `eval`, a benchmark's warm-up) build each graph once. Entries go
 * with the model object (a WeakMap) or explicitly with `releaseSessions`.
 */
import type { VelocityModel } from "../fm/velocity-model.js";
import { loadOrt, sessionOptions, type OrtModule } from "./runtime.js";

export type Session = Awaited<ReturnType<OrtModule["InferenceSession"]["create"]>>;

const sessions = new WeakMap<VelocityModel, Map<string, Promise<Session>>>();

/** The session for `key`, compiling `build()` on first use (a failed build is not cached). */
export function cachedSession(model: VelocityModel, key: string, build: () => Uint8Array): Promise<Session> {
  let m = sessions.get(model);
  if (!m) sessions.set(model, (m = new Map()));
  let s = m.get(key);
  if (!s) {
    s = (async () => {
      const ort = await loadOrt();
      return ort.InferenceSession.create(build(), sessionOptions());
    })();
    s.catch(() => m!.delete(key));
    m.set(key, s);
  }
  return s;
}

/** Releases every session compiled for `model` (they also go when the model object is collected). */
export async function releaseSessions(model: VelocityModel): Promise<void> {
  const m = sessions.get(model);
  sessions.delete(model);
  for (const s of m?.values() ?? []) await (await s.catch(() => undefined))?.release();
}
