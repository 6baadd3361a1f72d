/**
 * Pytree helpers over jax-js's `tree` module. A parameter pytree is a nested object/array whose leaves are
 * arrays. Each helper documents what it consumes.
 */
import { np, treeOps, random, type Array, type JsTree } from "./jax.js";

export type Tree = JsTree<Array>;

/** Zeros shaped like each leaf (does not consume `t`). */
export function treeZerosLike<T extends Tree>(t: T): T {
  return treeOps.map((a: Array) => np.zerosLike(a), treeOps.ref(t)) as T;
}
/** Adds one reference to every leaf and returns the same tree (so it can be passed to a consuming call). */
export function treeRef<T extends Tree>(t: T): T {
  return treeOps.ref(t) as T;
}
/** Drops one reference from every leaf. */
export function treeDispose(t: Tree): void {
  treeOps.dispose(t);
}
/** A deep copy with fresh arrays (does not consume `t`). */
export function treeCopy<T extends Tree>(t: T): T {
  return treeOps.map((a: Array) => a.add(0), treeOps.ref(t)) as T;
}
/** Leaf arrays in a stable order (does not consume; the returned leaves are borrowed). */
export function treeLeaves(t: Tree): Array[] {
  return treeOps.leaves(t) as Array[];
}
/** Number of scalar parameters. */
export function treeSize(t: Tree): number {
  return treeLeaves(t).reduce((n, a) => n + a.size, 0);
}
/** Casts every leaf to `dtype` (consumes `t`). */
export function treeAstype<T extends Tree>(t: T, dtype: Array["dtype"]): T {
  return treeOps.map((a: Array) => a.astype(dtype), t) as T;
}

/** A PRNG key for jax-js's `random` module from an integer seed. */
export function prngKey(seed: number): Array {
  return random.key(seed);
}
/** Splits a key (consumed) into `n` independent keys. */
export function splitKey(key: Array, n = 2): Array[] {
  const keys = random.split(key, n);
  const out: Array[] = [];
  for (let i = 0; i < n; i++) out.push(keys.ref.slice(i));
  keys.dispose();
  return out;
}

/**
 * A copy of `source`'s leaves arranged in `template`'s structure and key order (neither is consumed). jax-js
 * flattens objects in key insertion order, so a tree read back from a checkpoint (keys sorted) and one built by an
 * initializer differ in leaf order; optimizer states zip leaves, so they must share one layout.
 */
export function treeAlignTo<T extends Tree>(template: T, source: Tree): T {
  const walk = (t: unknown, s: unknown, path: string): unknown => {
    if ((t as Array)?.shape !== undefined) {
      if ((s as Array)?.shape === undefined) throw new Error(`treeAlignTo: missing leaf at ${path || "(root)"}`);
      return (s as Array).ref.add(0);
    }
    if (globalThis.Array.isArray(t)) return t.map((v, i) => walk(v, (s as unknown[])[i], `${path}[${i}]`));
    if (t && typeof t === "object") {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(t)) out[k] = walk((t as Record<string, unknown>)[k], (s as Record<string, unknown>)?.[k], `${path}.${k}`);
      return out;
    }
    return t;
  };
  return walk(template, source, "") as T;
}
