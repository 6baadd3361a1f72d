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
