/**
 * Output paths, checked before any work starts, and the checkpoint lock. Every CLI command validates where it will
 * write first, so a typo costs a second, not a training run:
 *
 * - `checkOutputFile`: a file output (CSV, PNG). Not empty, not a folder, its parent exists or is created (one level
 *   at a time: Node 20's recursive mkdirSync loops forever under /proc), and a probe file can be created beside it.
 *   An existing file is replaced (outputs are outputs).
 * - `checkCheckpointOut`: a checkpoint folder. The same, plus: not a file, not a folder holding other things, and an
 *   existing checkpoint is refused unless the run resumes it or `overwrite` is set.
 * - `acquireCheckpointLock`: `<dir>.lock` beside the checkpoint folder (pid and host, created exclusively), so two
 *   trainings cannot write the same folder. Beside it, not inside: the atomic save renames the whole folder.
 * - `outputErrorMessage`/`writeOutputFile`: write errors that still happen later (disk full, a folder appearing)
 *   become an `OutputError`, one line.
 *
 * Every refusal is an `OutputError` (exit 2) naming the path.
 */
import fs from "node:fs";
import path from "node:path";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { OutputError } from "../errors.js";
import { CONFIG_FILE, WEIGHTS_FILE } from "../io/checkpoint.js";
import { checkpointExists } from "./checkpoint-dir.js"; // a cycle of functions called at run time only

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EISDIR: "is a folder",
  ENOTDIR: "a part of the path is not a folder",
  ENOENT: "no such file or folder",
  EEXIST: "already exists",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
  EINVAL: "invalid path",
  EIO: "input/output error",
  EMFILE: "too many open files",
  EBUSY: "busy",
};

/** A Node I/O error (errno code) as a short phrase: "no space left on the device (ENOSPC)". */
export function ioReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && REASONS[code]) return `${REASONS[code]} (${code})`;
  return code ? `${(e as Error).message.split("\n")[0]}` : String((e as Error)?.message ?? e).split("\n")[0]!;
}

/** True for an error thrown by a file-system call (it has an errno code). */
export function isIoError(e: unknown): e is NodeJS.ErrnoException {
  const code = (e as NodeJS.ErrnoException)?.code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && e instanceof Error;
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null; // ENOTDIR: a file on the way, reported by makeDirs
    throw e;
  }
}

function nonEmpty(p: string | undefined, flag: string): string {
  if (p === undefined || p.trim() === "") throw new OutputError(`${flag} is empty: give a path to write`);
  if (p.includes("\0")) throw new OutputError(`${flag}: the path contains a NUL character`);
  return p;
}

/**
 * Creates folder `dir` and any missing parents, one level at a time (no recursive mkdir: it loops under /proc on
 * Node 20). Throws `OutputError` naming the first level that cannot be a folder or cannot be made.
 */
export function makeDirs(dir: string, flag = "output", shown = dir): void {
  const target = path.resolve(dir);
  const missing: string[] = [];
  let cur = target;
  for (;;) {
    let st: fs.Stats | null;
    try {
      st = statOrNull(cur);
    } catch (e) {
      throw new OutputError(`${flag} ${shown}: cannot use ${cur}: ${ioReason(e)}`);
    }
    if (st) {
      if (!st.isDirectory()) throw new OutputError(`${flag} ${shown}: ${cur} is a file, not a folder`);
      break;
    }
    missing.push(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statOrNull(d)?.isDirectory()) continue; // made meanwhile
      throw new OutputError(`${flag} ${shown}: cannot create the folder ${d}: ${ioReason(e)}`);
    }
  }
}

/** Proves that files can be created in folder `dir` (permissions, read-only mounts, /proc) with a probe file. */
function probeWritable(dir: string, shown: string, flag: string): void {
  const probe = path.join(dir, `.flowmatch-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    fs.closeSync(fs.openSync(probe, "wx"));
  } catch (e) {
    throw new OutputError(`${flag} ${shown}: cannot write in ${dir}: ${ioReason(e)}`);
  }
  fs.rmSync(probe, { force: true });
}

/**
 * Validates a file output before any work: not empty, not a folder, the parent folder exists (or is created), and
 * a file can be created there. Returns the path. An existing file is fine: it is replaced atomically at the end.
 */
export function checkOutputFile(file: string | undefined, flag = "--out"): string {
  const p = nonEmpty(file, flag);
  if (/[/\\]$/.test(p)) throw new OutputError(`${flag} ${p}: names a folder; give a file name`);
  const target = path.resolve(p);
  let st: fs.Stats | null;
  try {
    st = statOrNull(target);
  } catch (e) {
    throw new OutputError(`${flag} ${p}: cannot use it: ${ioReason(e)}`);
  }
  if (st?.isDirectory()) throw new OutputError(`${flag} ${p}: is a folder; give a file name`);
  if (st && !st.isFile()) throw new OutputError(`${flag} ${p}: is not a regular file`);
  const parent = path.dirname(target);
  refuseCheckpointFiles(target, flag, p);
  makeDirs(parent, flag, p);
  probeWritable(parent, p, flag);
  return p;
}

/**
 * A result file never goes where a checkpoint keeps its own files: inside any checkpoint folder (it would replace
 * config.json or the weights, or be dropped by the folder's next atomic save) or onto a checkpoint's `<dir>.lock`.
 * (guardOutput in the CLI names the command's own --model; this covers every other checkpoint.)
 */
function refuseCheckpointFiles(target: string, flag: string, p: string): void {
  const parent = realPathLoose(path.dirname(target));
  if (isCheckpointFolder(parent)) throw new OutputError(`${flag} ${p} is inside the checkpoint folder ${path.dirname(p)}; writing there would replace its files or be dropped by its next save: write it elsewhere`);
  if (target.endsWith(".lock") && isCheckpointFolder(realPathLoose(target.slice(0, -".lock".length))))
    throw new OutputError(`${flag} ${p} is the lock file of the checkpoint ${p.slice(0, -".lock".length)}: give another file name`);
}

/**
 * True when folder `dir` is a flowmatch checkpoint: its weights file, or a config.json that says so (a folder of the
 * user's with some other config.json is not one: results may go there).
 */
function isCheckpointFolder(dir: string): boolean {
  try {
    if (fs.statSync(path.join(dir, WEIGHTS_FILE)).isFile()) return true;
  } catch {
    // no weights: look at the config
  }
  try {
    return fs.readFileSync(path.join(dir, CONFIG_FILE), "utf8").slice(0, 4096).includes('"flowmatch-checkpoint"');
  } catch {
    return false;
  }
}

/** True when folder `dir` holds a checkpoint's files (presence only). */
function holdsCheckpoint(dir: string): boolean {
  const isFile = (f: string) => {
    try {
      return fs.statSync(path.join(dir, f)).isFile();
    } catch {
      return false;
    }
  };
  return isFile(CONFIG_FILE) || isFile(WEIGHTS_FILE);
}

export interface CheckpointOutOptions {
  /** The run continues the checkpoint there (it must exist; checked by the caller). */
  resume?: boolean;
  /** Replace an existing checkpoint. */
  overwrite?: boolean;
  /** The flag named in messages (default --out). */
  flag?: string;
  /** How to ask for the replacement in the refusal (default: "pass --resume to continue it or --overwrite to replace it"). */
  hint?: string;
}

/**
 * Validates a checkpoint folder before any work: not empty, not a file, not a folder holding anything but a
 * checkpoint, an existing checkpoint only with `resume` or `overwrite`, the parent created, and writable.
 */
export function checkCheckpointOut(dir: string | undefined, o: CheckpointOutOptions = {}): string {
  const flag = o.flag ?? "--out";
  const p = nonEmpty(dir, flag);
  const target = path.resolve(p);
  if (path.basename(target) === "") throw new OutputError(`${flag} ${p}: not a usable checkpoint folder name`);
  let st: fs.Stats | null;
  try {
    st = statOrNull(target);
  } catch (e) {
    throw new OutputError(`${flag} ${p}: cannot use it: ${ioReason(e)}`);
  }
  if (st && !st.isDirectory()) throw new OutputError(`${flag} ${p}: exists and is a file, not a checkpoint folder; refusing to replace it`);
  if (st) {
    let names: string[];
    try {
      names = fs.readdirSync(target);
    } catch (e) {
      throw new OutputError(`${flag} ${p}: cannot read the folder: ${ioReason(e)}`);
    }
    const foreign = names.filter((n) => n !== CONFIG_FILE && n !== WEIGHTS_FILE);
    if (foreign.length > 0) {
      throw new OutputError(
        `${flag} ${p}: is a folder that is not a checkpoint (it contains ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", …" : ""}); refusing to write a checkpoint there`,
      );
    }
    if (!o.resume && !o.overwrite && holdsCheckpoint(target)) {
      throw new OutputError(`${flag} ${p}: holds a checkpoint already; ${o.hint ?? "pass --resume to continue it or --overwrite to replace it"}`);
    }
  } else if (!o.resume && !o.overwrite && checkpointExists(target)) {
    // The folder is missing because a save was interrupted mid-swap; its previous checkpoint waits in a sibling.
    throw new OutputError(
      `${flag} ${p}: an interrupted save left its checkpoint in ${path.basename(target)}.old-*; ${o.hint ?? "pass --resume to continue it or --overwrite to replace it"}`,
    );
  }
  const parent = path.dirname(target);
  makeDirs(parent, flag, p);
  probeWritable(parent, p, flag);
  return p;
}

/** The canonical path of `p` (symbolic links resolved), also when `p` itself does not exist yet. */
export function realPathLoose(p: string): string {
  const target = path.resolve(p);
  try {
    return fs.realpathSync(target);
  } catch {
    const parent = path.dirname(target);
    return parent === target ? target : path.join(realPathLoose(parent), path.basename(target));
  }
}

/** Writes a file output atomically; I/O failures become one-line `OutputError`s naming the path. */
export function writeOutputFile(file: string, data: string | Uint8Array, write: (f: string, d: string | Uint8Array) => void, flag = "--out"): void {
  try {
    write(file, data);
  } catch (e) {
    if (isIoError(e)) throw new OutputError(`${flag} ${file}: cannot write: ${ioReason(e)}`);
    throw e;
  }
}

// The checkpoint lock.

interface LockInfo {
  pid: number;
  host: string;
  started?: string;
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const j = JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    return Number.isInteger(j.pid) && typeof j.host === "string" ? j : null;
  } catch {
    return null;
  }
}

/** Creates `file` with `text` only if it does not exist, complete or not at all (a temp file, then link). */
function createExclusive(file: string, text: string): boolean {
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  fs.writeFileSync(tmp, text, { flag: "wx" });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "ENOSYS") {
      // No hard links here: an exclusive create (a reader may briefly see it empty; it then counts as live).
      try {
        fs.writeFileSync(file, text, { flag: "wx" });
        return true;
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code === "EEXIST") return false;
        throw e2;
      }
    }
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

export interface CheckpointLock {
  /** The lock file. */
  file: string;
  /** Removes the lock (idempotent; only if it is still ours). */
  release(): void;
}

/** `<dir>.lock`: the lock file of checkpoint folder `dir`. */
export function lockPath(dir: string): string {
  return `${path.resolve(dir)}.lock`;
}

/**
 * Takes the lock of checkpoint folder `dir`: `<dir>.lock` holding this pid and host, created exclusively. A lock
 * left by a process that is gone (same host) is taken over with a note on stderr; a live one (or one from another
 * host) refuses with an `OutputError` naming the pid and host. Released by `release()` or at process exit.
 */
export function acquireCheckpointLock(dir: string, flag = "--out"): CheckpointLock {
  const file = lockPath(dir);
  const host = hostname();
  const text = JSON.stringify({ pid: process.pid, host, started: new Date().toISOString() }) + "\n";
  for (let attempt = 0; attempt < 3; attempt++) {
    let created: boolean;
    try {
      created = createExclusive(file, text);
    } catch (e) {
      throw new OutputError(`${flag} ${dir}: cannot create the lock ${file}: ${ioReason(e)}`);
    }
    if (created) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off("exit", release);
        const cur = readLock(file);
        if (cur && cur.pid === process.pid && cur.host === host) fs.rmSync(file, { force: true });
      };
      process.on("exit", release);
      return { file, release };
    }
    const other = readLock(file);
    if (other && other.host === host && !processAlive(other.pid)) {
      process.stderr.write(`note: ${file}: taking over a stale lock (pid ${other.pid} on ${other.host} is gone)\n`);
      fs.rmSync(file, { force: true });
      continue;
    }
    if (!other) {
      // Unreadable: a lock being created (link makes that instant) or damaged; old and unreadable counts as stale.
      let age = 0;
      try {
        age = Date.now() - fs.statSync(file).mtimeMs;
      } catch {
        continue; // gone meanwhile
      }
      if (age > 10_000) {
        process.stderr.write(`note: ${file}: taking over an unreadable stale lock\n`);
        fs.rmSync(file, { force: true });
        continue;
      }
      throw new OutputError(`${flag} ${dir}: another process is writing this checkpoint (lock ${file} is being created)`);
    }
    throw new OutputError(
      `${flag} ${dir}: another training is writing this checkpoint (pid ${other.pid} on ${other.host}, lock ${file}${other.host !== host ? "; remove it if that process is gone" : ""})`,
    );
  }
  throw new OutputError(`${flag} ${dir}: cannot take the lock ${file} (it keeps changing)`);
}

/**
 * Everything a command that writes checkpoint folder `dir` does before working: `checkCheckpointOut`, then the
 * lock, then the check again (a checkpoint saved by another run that just released its lock is not replaced).
 */
export function claimCheckpointOut(dir: string | undefined, o: CheckpointOutOptions = {}): CheckpointLock {
  const p = checkCheckpointOut(dir, o);
  const lock = acquireCheckpointLock(p, o.flag);
  try {
    checkCheckpointOut(p, o);
  } catch (e) {
    lock.release();
    throw e;
  }
  return lock;
}
