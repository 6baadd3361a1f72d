/** Runs `flowmatch` as a user would: a child process (the source through tsx, or the compiled bin/flowmatch.js). */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The argv prefix that starts the CLI: "source" (src/cli/run.ts via tsx, no build needed) or "dist" (the bin). */
export function cliPrefix(kind: "source" | "dist"): string[] {
  return kind === "dist" ? [join(root, "bin/flowmatch.js")] : ["--import", import.meta.resolve("tsx"), join(root, "src/cli/run.ts")];
}

export interface CliRun {
  out: string;
  err: string;
  seconds: number;
}

/** Runs the CLI with `args`; a non-zero exit rejects with the command and the last lines of stderr. */
export function runCli(prefix: readonly string[], args: readonly string[]): Promise<CliRun> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...prefix, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (code === 0) resolve({ out, err, seconds });
      else reject(new Error(`flowmatch ${args.join(" ")} exited with ${code}: ${err.trim().split("\n").slice(-3).join(" | ")}`));
    });
  });
}

/** Runs `tasks` with at most `jobs` at a time, results in task order. */
export async function pool<T>(tasks: readonly (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, worker));
  return results;
}
