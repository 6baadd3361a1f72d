/**
 * Checkpoint directories: `config.json` (pretty JSON) + `weights.safetensors`, saved atomically. Node only; the
 * bytes inside come from the core's `encodeCheckpoint`/`decodeCheckpoint`.
 *
 * Save protocol (why: a crash at any point must leave either the old or the new checkpoint complete):
 *   1. write both files into a sibling `${dir}.tmp-<pid>-<hex>`, fsync each file and the temp dir;
 *   2. if `dir` exists: rename `dir` -> `${dir}.old-<pid>-<hex>`; rename tmp -> `dir`; fsync the parent; remove old.
 * `dir` itself therefore only ever appears by renaming a complete directory. The one window where `dir` is absent
 * (between the two renames) is covered by `loadCheckpoint`, which then reads the newest complete `.old-` sibling.
 * Leftovers of crashed saves (`.tmp-`/`.old-` siblings whose process is gone) are removed by the next successful
 * save; a reader ignores `.tmp-` dirs, which may be half-written.
 *
 * Concurrent saves to the same `dir` from several processes are not supported.
 */
import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { CheckpointError } from "../errors.js";
import { makeDirs, processAlive } from "./output-path.js";
import { CONFIG_FILE, WEIGHTS_FILE, decodeCheckpoint, encodeCheckpoint, errMessage, type CheckpointFiles } from "../io/checkpoint.js";

/** Creates `file` (must not exist), writes all of `data`, fsyncs. */
function writeFileDurable(file: string, data: Uint8Array): void {
  const fd = fs.openSync(file, "wx");
  try {
    let off = 0;
    while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces the single file `path` atomically: a durable temp sibling, then a rename, so readers see the old file or
 * the new one, never a partial write. Creates the parent directory.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const parent = path.dirname(file);
  makeDirs(parent); // one level at a time: a recursive mkdirSync loops forever under /proc on Node 20
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    writeFileDurable(tmp, typeof data === "string" ? new TextEncoder().encode(data) : data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(parent);
}

/** fsync of a directory makes renames/creations in it durable; unsupported on some platforms (Windows). */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw e;
  }
}

function resolveTarget(dir: string): string {
  const target = path.resolve(dir);
  if (path.basename(target) === "") throw new CheckpointError(`${dir}: not a usable checkpoint directory name`);
  return target;
}

function siblingName(target: string, kind: "tmp" | "old"): string {
  return `${target}.${kind}-${process.pid}-${randomBytes(6).toString("hex")}`;
}

/** `.tmp-`/`.old-` siblings of `target` with the pid that created them. */
function siblings(target: string, kind: "tmp" | "old"): { path: string; pid: number }[] {
  const parent = path.dirname(target);
  const head = `${path.basename(target)}.${kind}-`;
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const out: { path: string; pid: number }[] = [];
  for (const name of names) {
    if (!name.startsWith(head)) continue;
    const m = /^([0-9]+)-[0-9a-f]+$/.exec(name.slice(head.length));
    if (m) out.push({ path: path.join(parent, name), pid: Number(m[1]) });
  }
  return out;
}


/** Refuses to replace a directory that holds anything but checkpoint files (e.g. a mistyped `--out .`). */
function checkReplaceable(target: string): void {
  const st = fs.lstatSync(target);
  if (!st.isDirectory()) throw new CheckpointError(`${target}: exists and is not a directory; refusing to replace it with a checkpoint`);
  const foreign = fs.readdirSync(target).filter((n) => n !== CONFIG_FILE && n !== WEIGHTS_FILE);
  if (foreign.length > 0) {
    throw new CheckpointError(
      `${target}: refusing to replace a directory that is not a checkpoint (it contains ${foreign.slice(0, 5).join(", ")}${foreign.length > 5 ? ", …" : ""})`,
    );
  }
}

/**
 * Writes `ckpt` to directory `dir` atomically (see the module comment), creating parent directories as needed
 * and replacing an existing checkpoint there. Throws `CheckpointError` for an unserializable config, a `dir`
 * that exists but is not a checkpoint directory, or an I/O failure (the previous checkpoint is then kept).
 */
export function saveCheckpoint(dir: string, ckpt: CheckpointFiles): void {
  const target = resolveTarget(dir);
  const { configJson: configText, weights } = encodeCheckpoint(ckpt, target); // validation errors surface before touching the disk

  const parent = path.dirname(target);
  const existing = statOrNull(target);
  if (existing) checkReplaceable(target);
  const tmp = siblingName(target, "tmp");
  try {
    makeDirs(parent);
    fs.mkdirSync(tmp);
    writeFileDurable(path.join(tmp, CONFIG_FILE), new TextEncoder().encode(configText));
    writeFileDurable(path.join(tmp, WEIGHTS_FILE), weights);
    fsyncDir(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new CheckpointError(`${target}: cannot write checkpoint (${errMessage(e)}); the previous one, if any, is unchanged`);
  }

  if (!existing) {
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new CheckpointError(`${target}: cannot move the new checkpoint into place (${errMessage(e)})`);
    }
    fsyncDir(parent);
  } else {
    const old = siblingName(target, "old");
    try {
      fs.renameSync(target, old);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new CheckpointError(`${target}: cannot move the previous checkpoint aside (${errMessage(e)}); it is unchanged`);
    }
    try {
      fs.renameSync(tmp, target);
    } catch (e) {
      // Roll back; should that fail too, loadCheckpoint still finds `old`.
      let restored = false;
      try {
        fs.renameSync(old, target);
        restored = true;
      } catch {
        // leave `old` for recovery
      }
      fs.rmSync(tmp, { recursive: true, force: true });
      throw new CheckpointError(
        `${target}: cannot move the new checkpoint into place (${errMessage(e)}); ${restored ? "the previous one is restored" : `the previous one is at ${old}`}`,
      );
    }
    fsyncDir(parent); // the swap is durable before the previous checkpoint goes
    fs.rmSync(old, { recursive: true, force: true });
  }

  // `target` is now complete, so leftovers of crashed saves are obsolete. Skip live processes (they may be mid-save).
  for (const s of [...siblings(target, "tmp"), ...siblings(target, "old")]) {
    if (!processAlive(s.pid)) fs.rmSync(s.path, { recursive: true, force: true });
  }
}

function readFileOrFail(file: string, dir: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new CheckpointError(`${file}: missing (checkpoint directory ${dir} is incomplete)`);
    throw new CheckpointError(`${file}: cannot read (${errMessage(e)})`);
  }
}

function loadFrom(dir: string): CheckpointFiles {
  const configPath = path.join(dir, CONFIG_FILE);
  const configBytes = readFileOrFail(configPath, dir);
  const weightsPath = path.join(dir, WEIGHTS_FILE);
  return decodeCheckpoint(configBytes, readFileOrFail(weightsPath, dir), { config: configPath, weights: weightsPath });
}

/** `.old-` siblings, newest first: the candidates when a swap was interrupted and `dir` is missing. */
function recoveryCandidates(target: string): string[] {
  return siblings(target, "old")
    .map((s) => ({ p: s.path, st: statOrNull(s.path) }))
    .filter((s) => s.st?.isDirectory())
    .sort((a, b) => b.st!.mtimeMs - a.st!.mtimeMs)
    .map((s) => s.p);
}

/**
 * Reads the checkpoint in `dir`. If `dir` is missing because a save was interrupted mid-swap, reads the newest
 * complete `${dir}.old-*` sibling instead (without modifying anything). Throws `CheckpointError` naming the path
 * and the problem: missing directory or file, invalid JSON, corrupt safetensors.
 */
export function loadCheckpoint(dir: string): CheckpointFiles {
  const target = resolveTarget(dir);
  const st = statOrNull(target);
  if (st) {
    if (!st.isDirectory()) throw new CheckpointError(`${target}: not a directory (expected a checkpoint directory)`);
    return loadFrom(target);
  }
  const problems: string[] = [];
  for (const candidate of recoveryCandidates(target)) {
    try {
      return loadFrom(candidate);
    } catch (e) {
      problems.push(errMessage(e));
    }
  }
  throw new CheckpointError(
    `${target}: checkpoint directory does not exist${problems.length ? ` (and no recoverable copy: ${problems.join("; ")})` : ""}`,
  );
}

/**
 * True when `loadCheckpoint(dir)` would find a checkpoint: `dir` holds both files, or `dir` is missing and an
 * interrupted save left a `.old-` copy holding both. Checks presence only, not content.
 */
export function checkpointExists(dir: string): boolean {
  const target = resolveTarget(dir);
  const hasFiles = (d: string) => statOrNull(path.join(d, CONFIG_FILE))?.isFile() === true && statOrNull(path.join(d, WEIGHTS_FILE))?.isFile() === true;
  const st = statOrNull(target);
  if (st) return st.isDirectory() && hasFiles(target);
  return recoveryCandidates(target).some(hasFiles);
}
