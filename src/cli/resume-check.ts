/**
 * `train --resume` with options that contradict the checkpoint: everything that shapes the model (network, path,
 * flow architecture), the objective (loss, time sampling, coupling, MLE settings), the data (file, columns,
 * conditions, test split) or the training stream (seed, batch, lr, schedule, EMA) must match what the checkpoint
 * saved, or the command stops with one line naming the option and its saved value (OptionError, exit 2) before
 * anything is trained or written. --steps, --workers, --checkpoint-every, --test-points and -q may change (they
 * change neither the weights' path nor the result, only how far, how fast and how often it is saved). Only options
 * the user typed are compared (defaults never conflict).
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join, resolve } from "node:path";
import { OptionError } from "../errors.js";

/** The long option names (without `--`) present in argv. */
export function givenOptions(argv: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const a of argv) {
    const m = /^--([^=]+)/.exec(a);
    if (m) out.add(m[1]!);
  }
  return out;
}

/** One option as typed and as saved; `same` compares them (default: string equality of the shown forms). */
export interface ResumeField {
  flag: string;
  given: unknown;
  saved: unknown;
  same?: (given: unknown, saved: unknown) => boolean;
}

const shown = (x: unknown) => (Array.isArray(x) ? x.join(",") : String(x));

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Two data specs name the same data: equal text, or the same file however written. */
export function sameData(given: unknown, saved: unknown): boolean {
  const [g, s] = [String(given), String(saved)];
  if (g === s) return true;
  return existsSync(g) && existsSync(s) && realPath(g) === realPath(s);
}

/** Throws for the first option in `fields` that was typed (`given` holds its flag) and differs from its saved value. */
export function checkResumeConflicts(out: string, given: ReadonlySet<string>, fields: ResumeField[]): void {
  for (const f of fields) {
    if (!given.has(f.flag) || f.given === undefined || f.saved === undefined) continue;
    const same = f.same ? f.same(f.given, f.saved) : shown(f.given) === shown(f.saved);
    if (!same) {
      throw new OptionError(
        `--resume: --${f.flag} ${shown(f.given)} conflicts with the checkpoint in ${out}, saved with ${shown(f.saved)}; ` +
          `leave --${f.flag} out to continue as saved (only --steps, --workers, --checkpoint-every, --test-points and -q may change on resume), or train anew with another --out`,
      );
    }
  }
}

/** The flow architecture named in `dir/config.json` (cheap; "unknown" on any problem). */
export function savedFlowArch(dir: string): string {
  try {
    return String((JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { model: { arch: unknown } }).model.arch);
  } catch {
    return "unknown";
  }
}
