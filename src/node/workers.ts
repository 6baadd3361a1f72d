/**
 * Worker threads in Node, called synchronously. jax-js runs on one core per thread (its wasm backend has no
 * threads of its own), so using more cores means more threads, each with its own engine. The training loop is
 * synchronous, so instead of messages (which need the event loop) the threads meet on shared memory: an Int32 state
 * word per worker with Atomics.wait/notify, as synckit does.
 *
 * Under tsx (running from the .ts sources, as the tests do) a worker does not inherit tsx's module hooks, so
 * `startWorker` registers them in the worker before importing the module.
 */
import { Worker } from "node:worker_threads";

/** Starts `moduleUrl` (a .js or, under tsx, a .ts module) in a worker thread with `workerData`. */
export function startWorker(moduleUrl: URL, workerData: unknown): Worker {
  const href = moduleUrl.href;
  const worker = href.endsWith(".ts")
    ? new Worker(`import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(href)}); })`, { eval: true, workerData })
    : new Worker(moduleUrl, { workerData });
  worker.unref();
  return worker;
}

/** States of a `SyncSlot`. */
export const Slot = { starting: 0, ready: 1, work: 2, done: 3, error: 4, stop: 5 } as const;
export type SlotState = (typeof Slot)[keyof typeof Slot];

/**
 * One worker's rendezvous: a state word plus room for an error message, in a SharedArrayBuffer that both sides
 * wrap. The owner sets `work` and waits for `done`/`error`; the worker waits for `work`/`stop`.
 */
export class SyncSlot {
  static readonly bytes = 8 + 4096;
  private readonly state: Int32Array;
  private readonly message: Uint8Array;
  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(SyncSlot.bytes)) {
    this.state = new Int32Array(buffer, 0, 2);
    this.message = new Uint8Array(buffer, 8);
  }
  get(): SlotState {
    return Atomics.load(this.state, 0) as SlotState;
  }
  set(s: SlotState): void {
    Atomics.store(this.state, 0, s);
    Atomics.notify(this.state, 0);
  }
  /** Blocks until the state is one of `wanted`; throws after `timeoutMs` with `what` in the message. */
  waitFor(wanted: SlotState[], timeoutMs: number, what: string): SlotState {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = this.get();
      if (wanted.includes(s)) return s;
      const left = end - Date.now();
      if (left <= 0) throw new Error(`${what}: no answer from the worker thread after ${Math.round(timeoutMs / 1000)} s`);
      Atomics.wait(this.state, 0, s, Math.min(left, 1000));
    }
  }
  /** Worker side: records an error for the owner and sets `error`. */
  fail(err: unknown): void {
    const bytes = new TextEncoder().encode(err instanceof Error ? err.message : String(err)).slice(0, this.message.length);
    this.message.set(bytes);
    Atomics.store(this.state, 1, bytes.length);
    this.set(Slot.error);
  }
  errorMessage(): string {
    return new TextDecoder().decode(this.message.slice(0, Atomics.load(this.state, 1)));
  }
}
