/**
 * Flat dotted names <-> nested trees of host tensors, so a parameter pytree such as
 * `{layers: [{w, b}, {w, b}]}` can live in one safetensors file as `params.layers.0.w`, `params.layers.0.b`, ….
 *
 * Round trip: `unflattenNamed(flattenNamed(tree, p), p)` rebuilds `tree` when its containers are non-empty plain
 * objects/arrays whose keys contain no "." and objects have no integer-like key set `0..n-1` (those come back as
 * arrays, which is the point: arrays are stored with numeric keys). Empty containers have no tensors to store and
 * therefore vanish.
 */
import { CheckpointError } from "../errors.js";
import type { HostTensor } from "./safetensors.js";

/** A leaf is anything shaped like a HostTensor: it has `dtype`, `shape` and `data`. */
export function isHostTensorLike(v: unknown): v is HostTensor {
  return typeof v === "object" && v !== null && "dtype" in v && "shape" in v && "data" in v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function join(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}.${key}`;
}

/** Defines an own property (safe for keys such as "__proto__", unlike `obj[key] = v`). */
function put<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Flattens a tree of plain objects/arrays with HostTensor leaves into `{ "prefix.a.0.w": leaf, … }` (no leading
 * dot when `prefix` is ""; a bare leaf gives `{ [prefix]: leaf }`). Leaves are not copied. Throws `CheckpointError`
 * naming the path for a non-tensor leaf (number, null, class instance, …), a key that is empty or contains ".",
 * or a cycle.
 */
export function flattenNamed(tree: unknown, prefix: string): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  const onStack = new Set<object>();
  const where = (name: string) => (name === "" ? "the tree root" : `"${name}"`);
  const visit = (node: unknown, name: string): void => {
    if (isHostTensorLike(node)) {
      put(out, name, node);
      return;
    }
    let children: [string, unknown][];
    if (Array.isArray(node)) children = node.map((v, i) => [String(i), v]);
    else if (isPlainObject(node)) children = Object.entries(node);
    else {
      const kind = node === null ? "null" : typeof node === "object" ? (node.constructor?.name ?? "object") : typeof node;
      throw new CheckpointError(
        `flattenNamed: ${where(name)} is a ${kind}, expected a HostTensor (dtype, shape, data) or a plain object/array of them`,
      );
    }
    if (onStack.has(node as object)) throw new CheckpointError(`flattenNamed: ${where(name)} contains a cycle`);
    onStack.add(node as object);
    for (const [k, v] of children) {
      if (k === "" || k.includes(".")) {
        throw new CheckpointError(`flattenNamed: key ${JSON.stringify(k)} under ${where(name)} is empty or contains "." (names are dot-separated)`);
      }
      visit(v, join(name, k));
    }
    onStack.delete(node as object);
  };
  visit(tree, prefix);
  return out;
}

type Trie = Map<string, Trie | HostTensor>;

const CANONICAL_INDEX = /^(0|[1-9][0-9]*)$/;

function build(node: Trie): unknown {
  const keys = [...node.keys()];
  const kids = (k: string) => {
    const v = node.get(k)!;
    return v instanceof Map ? build(v) : v;
  };
  const isArray = keys.every((k) => CANONICAL_INDEX.test(k)) && keys.every((k) => Number(k) < keys.length);
  if (isArray) {
    const arr: unknown[] = new Array(keys.length);
    for (const k of keys) arr[Number(k)] = kids(k);
    return arr;
  }
  const obj: Record<string, unknown> = {};
  for (const k of keys) put(obj, k, kids(k));
  return obj;
}

/**
 * Inverse of `flattenNamed`: takes the tensors named `prefix` or `prefix.*` (all of them when `prefix` is "")
 * and rebuilds the nested structure; a container whose keys are exactly 0..n-1 becomes an array. Leaves are
 * returned as-is (not copied). Throws `CheckpointError` when nothing matches the prefix or when a name is both a
 * tensor and a parent of other tensors (e.g. "p.w" and "p.w.0").
 */
export function unflattenNamed(tensors: Record<string, HostTensor>, prefix: string): unknown {
  const root: Trie = new Map();
  const leafAt = new Map<Trie, Map<string, string>>(); // full names of leaves, for messages
  let rootLeaf: { name: string; t: HostTensor } | undefined;
  let count = 0;
  for (const [name, t] of Object.entries(tensors)) {
    let rel: string[];
    if (prefix === "") rel = name === "" ? [] : name.split(".");
    else if (name === prefix) rel = [];
    else if (name.startsWith(`${prefix}.`)) rel = name.slice(prefix.length + 1).split(".");
    else continue;
    count++;
    if (rel.length === 0) {
      rootLeaf = { name, t };
      continue;
    }
    let node = root;
    for (let i = 0; i < rel.length - 1; i++) {
      const next = node.get(rel[i]!);
      if (next === undefined) {
        const fresh: Trie = new Map();
        node.set(rel[i]!, fresh);
        node = fresh;
      } else if (next instanceof Map) node = next;
      else {
        throw new CheckpointError(`unflattenNamed: "${leafAt.get(node)!.get(rel[i]!)}" is a tensor but "${name}" treats it as a container`);
      }
    }
    const last = rel[rel.length - 1]!;
    if (node.get(last) instanceof Map) {
      throw new CheckpointError(`unflattenNamed: "${name}" is a tensor but other tensors are named "${name}.*"`);
    }
    node.set(last, t);
    if (!leafAt.has(node)) leafAt.set(node, new Map());
    leafAt.get(node)!.set(last, name);
  }
  if (count === 0) {
    throw new CheckpointError(
      prefix === "" ? `unflattenNamed: there are no tensors` : `unflattenNamed: no tensor is named "${prefix}" or "${prefix}.*"`,
    );
  }
  if (rootLeaf !== undefined) {
    if (root.size > 0) {
      throw new CheckpointError(`unflattenNamed: "${rootLeaf.name}" is a tensor but other tensors are named "${rootLeaf.name}.*"`);
    }
    return rootLeaf.t;
  }
  return build(root);
}
