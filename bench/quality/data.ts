/**
 * The harness's files: each set's training CSV (rows from a seeded sampler, cached by name and size, written the
 * way a user's data arrives) and its evaluation points (fresh draws from another seed) with their exact log p.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getQualitySet, toCsv } from "../../src/data/index.js";
import { Rng } from "../../src/engine/rng.js";

/** FNV-1a of a name: a stable per-set seed, so a set's data never depends on which other sets run. */
function nameSeed(name: string, salt: number): number {
  let h = 0x811c9dc5 ^ salt;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

function writeOnce(path: string, text: () => string): void {
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text());
  renameSync(tmp, path); // atomic: parallel harness runs sharing the cache never read half a file
}

/** Path of `set`'s training CSV with `rows` rows in `dir` (written unless already there). */
export function trainCsv(dir: string, set: string, rows: number): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${set}.train${rows}.csv`);
  writeOnce(path, () => toCsv(getQualitySet(set).sample(rows, new Rng(nameSeed(set, 1))), 2, ["x", "y"]));
  return path;
}

/** `n` fresh evaluation points of `set` as a CSV in `dir` and their exact log p, row for row. */
export function evalPoints(dir: string, set: string, n: number): { path: string; logp: Float64Array } {
  mkdirSync(dir, { recursive: true });
  const s = getQualitySet(set);
  const x = s.sample(n, new Rng(nameSeed(set, 2)));
  const path = join(dir, `${set}.eval${n}.csv`);
  writeOnce(path, () => toCsv(x, 2, ["x", "y"]));
  return { path, logp: s.logProb(x) };
}
