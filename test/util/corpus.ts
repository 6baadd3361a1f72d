/**
 * Test helpers for tables of CLI runs (the bad-input corpus, the safety table): async runs of the CLI with a
 * timeout (a hang fails its case instead of stalling the suite), a small pool so two runs overlap on two cores,
 * byte snapshots of protected files, and the one-line-error check. A table collects every failing case and reports
 * them together, so one run shows the whole picture.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

let bundled: Promise<string> | undefined;
/**
 * The CLI (src/cli/run.ts, and the gradient worker beside it) bundled by esbuild into node_modules/.cache, once
 * per test process: a run then starts in about 0.2 s instead of tsx's 1 s, which is what lets a table of a hundred
 * runs stay cheap. Packages stay external (resolved from node_modules as the published build does).
 */
export function bundledCli(): Promise<string> {
  bundled ??= (async () => {
    const outdir = join(root, "node_modules", ".cache", `flowmatch-cli-${process.pid}`);
    process.on("exit", () => rmSync(outdir, { recursive: true, force: true }));
    await build({
      entryPoints: { cli: join(root, "src/cli/run.ts"), "grad-worker": join(root, "src/node/grad-worker.ts") },
      outdir, outExtension: { ".js": ".js" }, bundle: true, platform: "node", format: "esm", target: "node20",
      packages: "external", logLevel: "error",
    });
    return join(outdir, "cli.js");
  })();
  return bundled;
}

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
  timedOut: boolean;
}

/** Runs the CLI in `cwd` without blocking; killed (timedOut) after `timeoutMs`. */
export async function runCli(cwd: string, args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  const cli = await bundledCli();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "", timedOut = false;
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (err += b));
    const timer = setTimeout(() => ((timedOut = true), child.kill("SIGKILL")), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, timedOut });
    });
  });
}

/** Maps `items` through `fn` with at most `width` in flight; results in input order. */
export async function pool<T, R>(items: readonly T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
  return out;
}

/** Every file under `paths` (relative to `dir`), as bytes. */
export function snapshot(dir: string, paths: readonly string[]): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  const walk = (p: string) => {
    const full = join(dir, p);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) for (const n of readdirSync(full)) walk(join(p, n));
    else m.set(p, readFileSync(full));
  };
  for (const p of paths) walk(p);
  return m;
}

/** The differences between two snapshots ("" when byte-identical). */
export function snapshotDiff(before: Map<string, Buffer>, after: Map<string, Buffer>): string {
  const problems: string[] = [];
  for (const k of after.keys()) if (!before.has(k)) problems.push(`${k} added`);
  for (const [k, v] of before) {
    const a = after.get(k);
    if (!a) problems.push(`${k} removed`);
    else if (!v.equals(a)) problems.push(`${k} changed`);
  }
  return problems.join(", ");
}

/**
 * Why run `r` breaks the promise for a bad input ("" when it keeps it): exit `code`, exactly one stderr line
 * matching `pattern`, no "internal error", no stack trace, no hang. Code 0 only asks for no error output.
 */
export function oneLineProblem(r: CliRun, code: number, pattern: RegExp): string {
  if (r.timedOut) return "timed out (hang)";
  if (r.code !== code) return `exit ${r.code}, expected ${code}; stderr: ${r.err.trim().slice(0, 400)}`;
  if (/internal error|^\s+at /m.test(r.err)) return `internal error or stack trace: ${r.err.trim().slice(0, 400)}`;
  if (code === 0) return pattern.test(r.err + r.out) ? "" : `output does not match ${pattern}: ${(r.err + r.out).trim().slice(0, 400)}`;
  const lines = r.err.trim().split("\n");
  if (lines.length !== 1) return `expected one stderr line, got ${lines.length}:\n${r.err.slice(0, 800)}`;
  if (!pattern.test(lines[0]!)) return `stderr does not match ${pattern}: ${lines[0]!.slice(0, 400)}`;
  return "";
}

/** The assertion form of `oneLineProblem`. */
export function assertOneLine(r: CliRun, code: number, pattern: RegExp, what: string): void {
  const p = oneLineProblem(r, code, pattern);
  assert.equal(p, "", `${what}: ${p}`);
}

/** One row of a corpus table: a name, the arguments, the exit code and the pattern of the one stderr line. */
export type CorpusCase = [name: string, args: string[], code: number, pattern: RegExp];

/**
 * Runs a table in `dir` `width` at a time (1 where cases share a checkpoint's lock), each checked with `oneLineProblem` and against the protected files'
 * snapshot taken before the table (nothing in a table may change them). Fails once, listing every broken case.
 */
export async function runCorpus(dir: string, protectedPaths: readonly string[], cases: readonly CorpusCase[], width = 2): Promise<void> {
  const before = snapshot(dir, protectedPaths);
  const problems = await pool(cases, width, async ([name, args, code, pattern]) => {
    const r = await runCli(dir, args);
    const p = [oneLineProblem(r, code, pattern), snapshotDiff(before, snapshot(dir, protectedPaths))].filter(Boolean).join("; ");
    return p ? `${name} (${args.join(" ")}): ${p}` : "";
  });
  const failed = problems.filter(Boolean);
  assert.equal(failed.length, 0, `${failed.length} of ${cases.length} cases broke:\n${failed.join("\n")}`);
}
