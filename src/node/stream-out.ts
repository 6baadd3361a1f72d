/**
 * Streamed file outputs: a large CSV is written as it is produced, not built in memory first. To a file it goes
 * through a temporary file beside the target, renamed into place at the end, so a failure leaves the previous file
 * untouched and no temporary file behind (a killed run's is removed by the next write to that target); to stdout it goes as it comes, waiting for the pipe to
 * drain. `checkDiskSpace` refuses up front an output the disk cannot hold.
 */
import fs from "node:fs";
import path from "node:path";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { OutputError } from "../errors.js";
import { formatBytes } from "../engine/memory.js";
import { ioReason, isIoError, processAlive } from "./output-path.js";

export interface OutputStream {
  /** Appends text (to the temporary file, or stdout). */
  write(text: string): Promise<void>;
  /** Finishes: the temporary file is flushed and renamed onto the target. */
  commit(): void;
  /** Gives up: the temporary file is removed, the target left as it was (idempotent; a no-op after commit). */
  abort(): void;
}

/** A stream to `file` (through a temporary file beside it), or to stdout when `file` is undefined. */
export function openOutputStream(file: string | undefined, flag = "--out"): OutputStream {
  if (file === undefined) {
    return {
      async write(text) {
        if (!process.stdout.write(text)) await once(process.stdout, "drain");
      },
      commit() {},
      abort() {},
    };
  }
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  const fail = (e: unknown): never => {
    cleanup();
    if (isIoError(e)) throw new OutputError(`${flag} ${file}: cannot write: ${ioReason(e)}`);
    throw e;
  };
  let fd: number | undefined;
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    process.off("exit", cleanup);
    if (fd !== undefined) fs.closeSync(fd);
    fd = undefined;
    fs.rmSync(tmp, { force: true });
  };
  removeStaleTemps(target);
  try {
    fd = fs.openSync(tmp, "wx");
  } catch (e) {
    fail(e);
  }
  process.on("exit", cleanup); // an uncaught error leaves no temporary file (a kill does: see removeStaleTemps)
  return {
    async write(text) {
      if (done) throw new OutputError(`${flag} ${file}: the output was abandoned`);
      try {
        fs.writeSync(fd!, text);
      } catch (e) {
        fail(e);
      }
    },
    commit() {
      try {
        fs.fsyncSync(fd!);
        fs.closeSync(fd!);
        fd = undefined;
        fs.renameSync(tmp, target);
      } catch (e) {
        fail(e);
      }
      done = true;
      process.off("exit", cleanup);
    },
    abort: cleanup,
  };
}

/**
 * Removes the temporary files that killed runs (a signal, kill -9: no handler ran) left beside `target`, those of
 * processes that are gone. Signals keep their default action: a handler would only run between chunks, which can
 * be minutes apart.
 */
function removeStaleTemps(target: string): void {
  const prefix = `.${path.basename(target)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(target));
  } catch {
    return;
  }
  for (const n of names) {
    const pid = n.startsWith(prefix) ? Number(/^(\d+)-[0-9a-f]+$/.exec(n.slice(prefix.length))?.[1]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) fs.rmSync(path.join(path.dirname(target), n), { force: true });
  }
}

/** Refuses (`OutputError`) an output of about `bytes` when the disk of its folder has less free space. */
export function checkDiskSpace(file: string, bytes: number, flag = "--out"): void {
  let free: number;
  try {
    const s = fs.statfsSync(path.dirname(path.resolve(file)));
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here: the write itself reports a full disk
  }
  if (bytes > free) throw new OutputError(`${flag} ${file}: needs about ${formatBytes(bytes)} but its disk has only ${formatBytes(free)} free`);
}
