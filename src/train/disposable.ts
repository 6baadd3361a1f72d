/**
 * Train states own four parameter trees (params, EMA, Adam moments). They are plain objects (spread, mutated and
 * checkpointed field by field), so disposal is attached as a non-enumerable `[Symbol.dispose]`: `using s =
 * createTrainState(…)` frees them at the end of the block, and an explicit `disposeTrainState(s)` before that is not
 * a double free (disposal runs once per state object).
 */
import { treeDispose, type Tree } from "../engine/index.js";

interface RunTrees {
  params: Tree;
  ema: Tree;
  m: Tree;
  v: Tree;
}

const disposed = new WeakSet<object>();

/** Frees the four trees of a run state, once (later calls are no-ops). */
export function disposeRunState(s: RunTrees): void {
  if (disposed.has(s)) return;
  disposed.add(s);
  for (const t of [s.params, s.ema, s.m, s.v]) treeDispose(t);
}

/** Makes a run state `Disposable` (in place; non-enumerable, so spreads and JSON ignore it). */
export function disposableState<S extends RunTrees>(s: S): S & Disposable {
  Object.defineProperty(s, Symbol.dispose, { value: () => disposeRunState(s), enumerable: false, configurable: true, writable: true });
  return s as S & Disposable;
}
