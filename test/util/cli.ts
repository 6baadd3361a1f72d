/** Test helper: run the CLI entry point (src/cli/run.ts through tsx) in a fresh temporary directory. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** A temporary working directory (removed at exit) and a `cli(...args)` runner with that cwd. */
export function cliSandbox(prefix: string): { dir: string; cli: (...args: string[]) => CliResult } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  const tsx = import.meta.resolve("tsx");
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, ["--import", tsx, join(root, "src/cli/run.ts"), ...args], { cwd: dir, encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  return { dir, cli };
}

/** Exit 2 with exactly one stderr line matching `pattern`, and no stack trace. */
export function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.code, 2, `exit code ${r.code}; stderr: ${r.err}`);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${r.err}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.err, /^\s+at /m, "stack trace leaked");
}
