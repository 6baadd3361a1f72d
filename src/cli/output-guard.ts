/**
 * A file output must not destroy an input of the same command: `eval --logp-out` naming the `--data` file would
 * replace the data with log-densities, and `sample --out ck/config.json` the checkpoint it samples from. A file
 * inside the `--model` checkpoint folder is refused too: the next save of that checkpoint (an atomic swap of the
 * whole folder) would drop it. Checked with the other output checks, before any work.
 */
import fs from "node:fs";
import path from "node:path";
import { OutputError } from "../errors.js";
import { realPathLoose } from "../node/output-path.js";
import { checkpointExists } from "../node/checkpoint-dir.js";

/** Throws when `out` (given with `flag`) is one of `inputs` (flag → path) or lies inside an input checkpoint folder. */
export function guardOutput(flag: string, out: unknown, inputs: Record<string, unknown>): void {
  if (out === undefined || String(out).trim() === "") return;
  const target = realPathLoose(String(out));
  if (isFolder(target)) return; // checkOutputFile says "is a folder; give a file name"
  for (const [inFlag, p] of Object.entries(inputs)) {
    if (p === undefined || String(p).trim() === "") continue;
    const input = realPathLoose(String(p));
    if (target === input) throw new OutputError(`${flag} ${String(out)} is the ${inFlag} input; writing it would replace it: give another file name`);
    if (path.dirname(target) === input && checkpointExists(input))
      throw new OutputError(`${flag} ${String(out)} is inside the ${inFlag} checkpoint ${String(p)}, whose next save would drop it (or whose files it would replace): write it elsewhere`);
  }
}

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
