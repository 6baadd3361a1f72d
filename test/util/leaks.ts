/**
 * Counting live jax-js buffers, to prove that an operation leaves nothing behind. jax-js keeps its backends'
 * buffer tables private, so this wraps the backend class's malloc/incRef/decRef (found in the pinned package's
 * dist/backend-*.js, the module index.js itself imports, hence the same instance) and keeps its own reference
 * counts. Arrays that were never realized hold no buffer and so are not counted; an operation that leaks one still
 * shows, because the pending graph keeps its realized inputs alive.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { initEngine } from "../../src/index.js";

interface BackendProto {
  malloc(this: unknown, ...a: unknown[]): number;
  incRef(this: unknown, slot: number): void;
  decRef(this: unknown, slot: number): void;
}

const live = new Map<number, number>();
let installed = false;

async function install(): Promise<void> {
  if (installed) return;
  await initEngine();
  const dir = fileURLToPath(new URL("../../node_modules/@jax-js/jax/dist/", import.meta.url));
  const file = readdirSync(dir).find((n) => /^backend-.*\.js$/.test(n));
  assert.ok(file, `no backend module in ${dir}`);
  const mod = (await import(new URL(file, new URL("../../node_modules/@jax-js/jax/dist/", import.meta.url)).href)) as Record<string, unknown>;
  // The backend module exports getBackend under a minified name; find it by calling each function export safely.
  const backend = Object.values(mod)
    .filter((v): v is (d?: string) => unknown => typeof v === "function" && v.length <= 1)
    .map((f) => {
      try {
        return f("wasm");
      } catch {
        return undefined;
      }
    })
    .find((b) => b && typeof b === "object" && (b as { type?: string }).type === "wasm" && "decRef" in (b as object));
  assert.ok(backend, "could not find the wasm backend instance");
  const proto = Object.getPrototypeOf(backend) as BackendProto;
  const { malloc, incRef, decRef } = proto;
  proto.malloc = function (...a) {
    const slot = malloc.apply(this, a);
    live.set(slot, 1);
    return slot;
  };
  proto.incRef = function (slot) {
    incRef.call(this, slot);
    live.set(slot, (live.get(slot) ?? 0) + 1);
  };
  proto.decRef = function (slot) {
    decRef.call(this, slot);
    const r = (live.get(slot) ?? 0) - 1;
    if (r <= 0) live.delete(slot);
    else live.set(slot, r);
  };
  installed = true;
}

/** Live wasm buffers now (after `await trackBuffers()`). */
export function liveBuffers(): number {
  return live.size;
}

/** Starts counting (once per process). Buffers made before the first call are not tracked. */
export async function trackBuffers(): Promise<void> {
  await install();
}

/**
 * Runs `fn` (twice: the first run may fill caches that legitimately live on, e.g. compiled kernels) and asserts
 * that the second run leaves exactly as many live buffers as it found.
 */
export async function assertNoLeaks(what: string, fn: () => void | Promise<void>): Promise<void> {
  await install();
  await fn();
  const before = live.size;
  await fn();
  const after = live.size;
  assert.equal(after, before, `${what}: ${after - before} jax-js buffer(s) left alive`);
}
