// Never overwrite work, validate outputs before working, exit codes: a table of bad output paths and overwrites
// across every command (each: the exit code, one stderr line, protected files byte-identical afterwards, and no
// hang: every run has a timeout), then --overwrite, stale and live locks, and two trainings on the same --out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, cpSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliSandbox, type CliResult } from "../util/cli.js";
import { bundledCli, runCli, snapshot as snapshotOf, snapshotDiff, assertOneLine } from "../util/corpus.js";
import { reportError } from "../../src/cli/main.js";
import { FlowmatchError, NumericalError, DivergenceError, OutputError, OptionError } from "../../src/errors.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { dir } = cliSandbox("flowmatch-safety-");
const tsx = import.meta.resolve("tsx");
const entry = join(root, "src/cli/run.ts");

/** Runs the CLI in the sandbox with a timeout (a hang fails the test instead of stalling the suite). */
function cli(...args: string[]): CliResult & { timedOut: boolean } {
  const r = spawnSync(process.execPath, ["--import", tsx, entry, ...args], { cwd: dir, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  return { code: r.status, out: r.stdout, err: r.stderr, timedOut: r.signal === "SIGKILL" };
}

const tiny = ["--steps", "4", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q"];
const tinyFlow = ["--model", "realnvp", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q"];

/** Every file under the sandbox's protected paths, as bytes. */
const ORPHAN = "gone.old-99999999-abcdef"; // a save of "gone" interrupted mid-swap (pid long gone): the only copy
const PROTECTED = ["ck", "ck2", "fk", "d.csv", "old.csv", "notckpt", "demo-old", ORPHAN];
const snapshot = () => snapshotOf(dir, PROTECTED);
function assertUnchanged(before: Map<string, Buffer>, what: string): void {
  const diff = snapshotDiff(before, snapshot());
  assert.equal(diff, "", `${what}: protected files ${diff}`);
}
const oneLine = (r: CliResult & { timedOut: boolean }, code: number, pattern: RegExp, what: string) => assertOneLine(r, code, pattern, what);

let fixtures = false;
function setup(): void {
  if (fixtures) return;
  fixtures = true;
  writeFileSync(join(dir, "d.csv"), "x,y\n" + Array.from({ length: 64 }, (_, i) => `${Math.sin(i)},${Math.cos(3 * i)}`).join("\n") + "\n");
  let r = cli("train", "--data", "d.csv", ...tiny, "--out", "ck");
  assert.equal(r.code, 0, r.err);
  r = cli("train", "--data", "moons", ...tinyFlow, "--out", "fk");
  assert.equal(r.code, 0, r.err);
  cpSync(join(dir, "ck"), join(dir, "ck2"), { recursive: true });
  writeFileSync(join(dir, "old.csv"), "x0,x1\n1,2\n");
  mkdirSync(join(dir, "notckpt"));
  writeFileSync(join(dir, "notckpt", "notes.txt"), "my notes\n");
  mkdirSync(join(dir, "outdir"));
  mkdirSync(join(dir, "demo-old"));
  cpSync(join(dir, "ck"), join(dir, "demo-old", "model"), { recursive: true });
  mkdirSync(join(dir, "demo-dir", "demo.png"), { recursive: true });
  symlinkSync(join(dir, "ck"), join(dir, "ck-link"));
  cpSync(join(dir, "ck"), join(dir, ORPHAN), { recursive: true });
}

type Case = [name: string, args: string[], code: number, pattern: RegExp];
const EXISTING = /holds a checkpoint already; pass --resume to continue it or --overwrite to replace it/;
const NOPARENT = /cannot create the folder \/proc\/x/;
const cases: Case[] = [
  // train (flow matching)
  ["train --out ''", ["train", "--data", "d.csv", ...tiny, "--out", ""], 2, /--out is empty/],
  ["train --out '  '", ["train", "--data", "d.csv", ...tiny, "--out", "  "], 2, /--out is empty/],
  ["train over an existing checkpoint", ["train", "--data", "d.csv", ...tiny, "--out", "ck"], 2, EXISTING],
  ["train over an existing checkpoint, trailing slash", ["train", "--data", "d.csv", ...tiny, "--out", "ck/"], 2, EXISTING],
  ["train over a flow checkpoint", ["train", "--data", "d.csv", ...tiny, "--out", "fk"], 2, EXISTING],
  ["train over a checkpoint through a link", ["train", "--data", "d.csv", ...tiny, "--out", "ck-link"], 2, EXISTING],
  ["train --out a file", ["train", "--data", "d.csv", ...tiny, "--out", "d.csv"], 2, /--out d\.csv: exists and is a file, not a checkpoint folder/],
  ["train --out a folder of other things", ["train", "--data", "d.csv", ...tiny, "--out", "notckpt"], 2, /notckpt: is a folder that is not a checkpoint \(it contains notes\.txt\)/],
  ["train --out under a file", ["train", "--data", "d.csv", ...tiny, "--out", "d.csv/m"], 2, /d\.csv is a file, not a folder/],
  ["train --out under /proc/x", ["train", "--data", "d.csv", ...tiny, "--out", "/proc/x/m"], 2, NOPARENT],
  ["train --out in /proc", ["train", "--data", "d.csv", ...tiny, "--out", "/proc/flowmatch-m"], 2, /--out \/proc\/flowmatch-m: cannot (write in|create)/],
  ["train --out under /dev/null", ["train", "--data", "d.csv", ...tiny, "--out", "/dev/null/m"], 2, /\/dev\/null is a file, not a folder/],
  ["train over an interrupted save's only copy", ["train", "--data", "d.csv", ...tiny, "--out", "gone"], 2, /--out gone: an interrupted save left its checkpoint in gone\.old-\*; pass --resume/],
  ["flow train over an interrupted save's only copy", ["train", "--data", "moons", ...tinyFlow, "--out", "gone"], 2, /interrupted save/],
  ["train --resume without a checkpoint", ["train", "--data", "d.csv", ...tiny, "--out", "nothing-here", "--resume"], 2, /--resume: no checkpoint in nothing-here/],
  ["train --overwrite of a file", ["train", "--data", "d.csv", ...tiny, "--out", "old.csv", "--overwrite"], 2, /old\.csv: exists and is a file/],
  ["train --overwrite of a folder of other things", ["train", "--data", "d.csv", ...tiny, "--out", "notckpt", "--overwrite"], 2, /not a checkpoint/],
  // train (normalizing flows)
  ["flow train --out ''", ["train", "--data", "moons", ...tinyFlow, "--out", ""], 2, /--out is empty/],
  ["flow train over a flow checkpoint", ["train", "--data", "moons", ...tinyFlow, "--out", "fk"], 2, EXISTING],
  ["flow train over a flow-matching checkpoint", ["train", "--data", "moons", ...tinyFlow, "--out", "ck"], 2, EXISTING],
  ["nsf train over a flow checkpoint", ["train", "--model", "nsf", "--data", "moons", "--steps", "2", "-q", "--out", "fk"], 2, EXISTING],
  ["flow train --out a file", ["train", "--data", "moons", ...tinyFlow, "--out", "d.csv"], 2, /exists and is a file/],
  ["flow train --out under /proc/x", ["train", "--data", "moons", ...tinyFlow, "--out", "/proc/x/f"], 2, NOPARENT],
  ["flow train --out a folder of other things", ["train", "--data", "moons", ...tinyFlow, "--out", "notckpt"], 2, /not a checkpoint/],
  // sample
  ["sample --out ''", ["sample", "--model", "ck", "--n", "5", "--out", ""], 2, /--out is empty/],
  ["sample --out under /proc/x", ["sample", "--model", "ck", "--n", "5", "--out", "/proc/x/s.csv"], 2, NOPARENT],
  ["sample --out a folder", ["sample", "--model", "ck", "--n", "5", "--out", "outdir"], 2, /--out outdir: is a folder; give a file name/],
  ["sample --out a name ending in /", ["sample", "--model", "ck", "--n", "5", "--out", "new/"], 2, /names a folder/],
  ["sample --out under a file", ["sample", "--model", "ck", "--n", "5", "--out", "d.csv/s.csv"], 2, /d\.csv is a file, not a folder/],
  ["sample --out the checkpoint folder", ["sample", "--model", "ck", "--n", "5", "--out", "ck"], 2, /--out ck: is a folder/],
  ["flow sample --out under /proc/x", ["sample", "--model", "fk", "--n", "5", "--out", "/proc/x/s.csv"], 2, NOPARENT],
  ["flow sample --out under /dev/null", ["sample", "--model", "fk", "--n", "5", "--out", "/dev/null/s.csv"], 2, /\/dev\/null is a file, not a folder/],
  // plot
  ["plot --out ''", ["plot", "--model", "ck", "--n", "20", "--out", ""], 2, /--out is empty/],
  ["plot --out under /proc/x", ["plot", "--model", "ck", "--n", "20", "--out", "/proc/x/fig.png"], 2, NOPARENT],
  ["plot --out a folder", ["plot", "--model", "ck", "--n", "20", "--out", "outdir"], 2, /is a folder/],
  ["flow plot --out under a file", ["plot", "--model", "fk", "--n", "20", "--out", "d.csv/f.png"], 2, /d\.csv is a file, not a folder/],
  ["flow plot --out in /proc", ["plot", "--model", "fk", "--n", "20", "--out", "/proc/fig.png"], 2, /cannot write in \/proc/],
  // eval
  ["eval --logp-out ''", ["eval", "--model", "ck", "--data", "d.csv", "--logp-out", ""], 2, /--logp-out is empty/],
  ["eval --logp-out under /proc/x", ["eval", "--model", "ck", "--data", "d.csv", "--logp-out", "/proc/x/l.csv"], 2, /--logp-out .*cannot create the folder \/proc\/x/],
  ["eval --logp-out a folder", ["eval", "--model", "ck", "--data", "d.csv", "--logp-out", "outdir"], 2, /--logp-out outdir: is a folder/],
  ["flow eval --logp-out under /proc/x", ["eval", "--model", "fk", "--data", "moons", "--n", "10", "--logp-out", "/proc/x/l.csv"], 2, NOPARENT],
  // reflow
  ["reflow --out = --model", ["reflow", "--model", "ck", "--out", "ck", "--pairs", "10", "--steps", "2", "-q"], 2, /--out ck is the --model checkpoint/],
  ["reflow --out = --model, another spelling", ["reflow", "--model", "ck", "--out", "./outdir/../ck/", "--pairs", "10", "--steps", "2", "-q"], 2, /is the --model checkpoint/],
  ["reflow --out = --model through a link", ["reflow", "--model", "ck", "--out", "ck-link", "--pairs", "10", "--steps", "2", "-q"], 2, /is the --model checkpoint/],
  ["reflow --out = --model even with --overwrite", ["reflow", "--model", "ck", "--out", "ck", "--overwrite", "--pairs", "10", "--steps", "2", "-q"], 2, /is the --model checkpoint/],
  ["reflow over another checkpoint", ["reflow", "--model", "ck", "--out", "ck2", "--pairs", "10", "--steps", "2", "-q"], 2, /ck2: holds a checkpoint already; pass --overwrite/],
  ["reflow --out ''", ["reflow", "--model", "ck", "--out", "", "--pairs", "10", "--steps", "2", "-q"], 2, /--out is empty/],
  ["reflow --out under /proc/x", ["reflow", "--model", "ck", "--out", "/proc/x/r", "--pairs", "10", "--steps", "2", "-q"], 2, NOPARENT],
  ["reflow --out a file", ["reflow", "--model", "ck", "--out", "d.csv", "--pairs", "10", "--steps", "2", "-q"], 2, /exists and is a file/],
  // demo
  ["demo --out ''", ["demo", "--out", "", "--steps", "2", "-q"], 2, /--out is empty/],
  ["demo --out under /proc/x", ["demo", "--out", "/proc/x", "--steps", "2", "-q"], 2, NOPARENT],
  ["demo --out a file", ["demo", "--out", "d.csv", "--steps", "2", "-q"], 2, /d\.csv is a file, not a folder/],
  ["demo over an earlier demo", ["demo", "--out", "demo-old", "--steps", "2", "-q"], 2, /demo-old\/model: holds a checkpoint already; pass --overwrite to replace it$/],
  ["demo where demo.png is a folder", ["demo", "--out", "demo-dir", "--steps", "2", "-q"], 2, /demo\.png: is a folder/],
  // exit 3: numerical failure, nothing saved
  ["train that diverges exits 3", ["train", "--data", "moons", "--lr", "1e30", "--steps", "30", "--batch", "16", "--hidden", "8", "--workers", "1", "-q", "--out", "diverged"], 3, /diverged/],
];

test("bad output paths and overwrites: exit code, one line, protected files unchanged, no hang", () => {
  setup();
  assert.ok(cases.length >= 50, `${cases.length} cases`);
  for (const [name, args, code, pattern] of cases) {
    const before = snapshot();
    oneLine(cli(...args), code, pattern, name);
    assertUnchanged(before, name);
  }
  assert.ok(!existsSync(join(dir, "diverged", "config.json")), "a diverged run saves nothing");
  assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith(".lock") || n.includes(".flowmatch-probe")), [], "no lock or probe left behind");
});

test("--overwrite replaces a checkpoint; --resume continues it; file outputs are replaced", () => {
  setup();
  const cfg = join(dir, "ck2", "config.json");
  const before = readFileSync(cfg, "utf8");
  let r = cli("train", "--data", "moons", ...tiny, "--seed", "7", "--out", "ck2", "--overwrite");
  assert.equal(r.code, 0, r.err);
  const after = JSON.parse(readFileSync(cfg, "utf8"));
  assert.notEqual(readFileSync(cfg, "utf8"), before);
  assert.equal(after.model.data, "moons");
  r = cli("train", "--data", "moons", "--steps", "6", "--workers", "1", "--test-points", "0", "-q", "--out", "ck2", "--resume");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(readFileSync(cfg, "utf8")).train.step, 6);
  r = cli("train", "--data", "moons", ...tinyFlow, "--out", "ck2", "--overwrite");
  assert.equal(r.code, 0, r.err);
  assert.equal(JSON.parse(readFileSync(cfg, "utf8")).model.kind, "normalizing-flow");
  r = cli("sample", "--model", "ck", "--n", "3", "--method", "euler", "--steps", "2", "--out", "replace-me.csv");
  writeFileSync(join(dir, "replace-me.csv"), "old\n");
  r = cli("sample", "--model", "ck", "--n", "3", "--method", "euler", "--steps", "2", "--out", "replace-me.csv");
  assert.equal(r.code, 0, r.err);
  assert.equal(readFileSync(join(dir, "replace-me.csv"), "utf8").trim().split("\n").length, 4);
  r = cli("reflow", "--model", "ck", "--out", "ck-reflow", "--pairs", "20", "--steps", "2", "--batch", "8", "-q");
  assert.equal(r.code, 0, r.err);
  r = cli("reflow", "--model", "ck", "--out", "ck-reflow", "--pairs", "20", "--steps", "2", "--batch", "8", "-q", "--overwrite");
  assert.equal(r.code, 0, r.err);
  r = cli("sample", "--model", "ck", "--n", "3", "--out", "made/one/level/at/a/time.csv", "--method", "euler", "--steps", "2");
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(dir, "made/one/level/at/a/time.csv")));
});

test("locks: a live one refuses with the pid and host, a stale one is taken over with a note", () => {
  setup();
  const host = hostname();
  // Live: this test process holds it.
  writeFileSync(join(dir, "locked.lock"), JSON.stringify({ pid: process.pid, host }) + "\n");
  const before = readFileSync(join(dir, "locked.lock"));
  oneLine(cli("train", "--data", "moons", ...tiny, "--out", "locked"), 2, new RegExp(`another training is writing this checkpoint \\(pid ${process.pid} on ${host}`), "live lock");
  oneLine(cli("train", "--data", "moons", ...tinyFlow, "--out", "locked"), 2, /another training/, "live lock (flow)");
  oneLine(cli("reflow", "--model", "ck", "--out", "locked", "--pairs", "10", "--steps", "2", "-q"), 2, /another training/, "live lock (reflow)");
  assert.ok(readFileSync(join(dir, "locked.lock")).equals(before), "someone else's lock is left alone");
  assert.ok(!existsSync(join(dir, "locked")));
  // Another host: cannot tell whether it lives; refused, with the way out.
  writeFileSync(join(dir, "far.lock"), JSON.stringify({ pid: 1, host: "some-other-host" }) + "\n");
  oneLine(cli("train", "--data", "moons", ...tiny, "--out", "far"), 2, /pid 1 on some-other-host.*remove it if that process is gone/, "other host");
  // Stale: a process that has exited.
  const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  const pid = Number(gone.stdout);
  writeFileSync(join(dir, "stale.lock"), JSON.stringify({ pid, host }) + "\n");
  const r = cli("train", "--data", "moons", ...tiny, "--out", "stale");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`taking over a stale lock \\(pid ${pid} on ${host} is gone\\)`));
  assert.ok(existsSync(join(dir, "stale", "config.json")));
  assert.ok(!existsSync(join(dir, "stale.lock")), "the lock is removed at the end");
});

test("two trainings on the same --out: the second is refused with one line, the first finishes and saves", async () => {
  setup();
  const steps = 20000; // long enough (seconds) for the second writer to try while the first runs
  const first = spawn(process.execPath, ["--import", tsx, entry, "train", "--data", "moons", "--steps", String(steps), "--batch", "16", "--hidden", "8",
    "--workers", "1", "--test-points", "0", "--checkpoint-every", "0", "--out", "race", "-q"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let firstErr = "";
  first.stderr.on("data", (b) => (firstErr += b));
  const done = new Promise<number | null>((res) => first.on("exit", (code) => res(code)));
  const timer = setTimeout(() => first.kill("SIGKILL"), 240_000);
  try {
    const lock = join(dir, "race.lock");
    for (let i = 0; i < 600 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(lock), `the first training took its lock; stderr: ${firstErr}`);
    assert.equal(JSON.parse(readFileSync(lock, "utf8")).pid, first.pid);
    const pattern = new RegExp(`another training is writing this checkpoint \\(pid ${first.pid} on ${hostname()}`);
    oneLine(cli("train", "--data", "moons", ...tiny, "--out", "race"), 2, pattern, "second writer");
    oneLine(cli("train", "--data", "moons", ...tiny, "--out", "race", "--overwrite"), 2, pattern, "second writer, --overwrite");
    oneLine(cli("train", "--data", "moons", ...tinyFlow, "--out", "race", "--overwrite"), 2, pattern, "second writer, a flow");
    assert.equal(first.exitCode, null, "the first training was still running during the attempts (raise its steps)");
  } catch (e) {
    first.kill("SIGKILL");
    throw e;
  } finally {
    const code = await done;
    clearTimeout(timer);
    assert.equal(code, 0, firstErr);
  }
  assert.equal(firstErr, "");
  assert.equal(JSON.parse(readFileSync(join(dir, "race", "config.json"), "utf8")).train.step, steps, "the first training saved its last step");
  assert.ok(!existsSync(join(dir, "race.lock")), "the lock is removed at the end");
  assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith("race.")), [], "no lock, tmp or old sibling left");
});

test("exit codes: 2 bad input and I/O, 3 numerical, 1 only for a bug (asking for a report); always one line", () => {
  const write = process.stderr.write;
  const run = (e: unknown): [number, string] => {
    let text = "";
    process.stderr.write = ((s: string) => ((text += s), true)) as typeof process.stderr.write;
    try {
      return [reportError("x", e), text];
    } finally {
      process.stderr.write = write;
    }
  };
  const io = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", path: "/data/out.csv" });
  const table: [unknown, number, RegExp][] = [
    [new OptionError("--n must be an integer"), 2, /^flowmatch x: --n must be an integer\n$/],
    [new OutputError("--out a: is a folder"), 2, /^flowmatch x: --out a: is a folder\n$/],
    [new FlowmatchError("two\nlines"), 2, /^flowmatch x: two lines\n$/],
    [new NumericalError("NaN in the samples"), 3, /^flowmatch x: NaN in the samples\n$/],
    [new DivergenceError("loss became NaN at step 2"), 3, /loss became NaN/],
    [io, 2, /^flowmatch x: \/data\/out\.csv: no space left on the device \(ENOSPC\)\n$/],
    [new TypeError("act is not a function"), 1, /^flowmatch x: internal error: act is not a function \(a bug in flowmatch: please report it/],
    // What a failing `using` scope throws (SuppressedError: not a global on Node 20; tsx's helper makes this shape).
    [Object.assign(new Error("suppressed"), { name: "SuppressedError", error: new TypeError("dispose failed"), suppressed: new DivergenceError("diverged") }), 3, /^flowmatch x: diverged\n$/],
  ];
  for (const [e, code, pattern] of table) {
    const [c, text] = run(e);
    assert.equal(c, code, text);
    assert.match(text, pattern);
    assert.equal(text.trim().split("\n").length, 1);
  }
});

/** mulberry32: a small seeded generator for the kill delays (the seed is printed with every assertion). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

test("kill -9 at several random moments (saving every step): always a loadable checkpoint; --resume ends bit-identical", async () => {
  setup();
  const bundle = await bundledCli();
  const args = ["--data", "moons", "--batch", "16", "--hidden", "8", "--workers", "1", "--test-points", "0", "--checkpoint-every", "1", "-q"];
  const steps = "3000";
  const long = 300_000; // 3000 saves: tens of seconds on a busy machine
  const straight = await runCli(dir, ["train", ...args, "--steps", steps, "--out", "straight"], long);
  assert.equal(straight.code, 0, `uninterrupted run: exit ${straight.code}${straight.timedOut ? " (timed out)" : ""}: ${straight.err}`);
  const seed = Number(process.env.FLOWMATCH_KILL_SEED ?? 20261204);
  const rnd = seededRandom(seed);
  const kills = 3 + Math.floor(rnd() * 2);
  const delays: number[] = [];
  const reached: number[] = []; // the saved step after each kill
  const stepOf = () => JSON.parse(readFileSync(join(dir, "killed", "config.json"), "utf8")).train.step as number;
  const lockPid = () => {
    try {
      return JSON.parse(readFileSync(join(dir, "killed.lock"), "utf8")).pid as number;
    } catch {
      return undefined; // absent, or being written
    }
  };
  for (let k = 0; k < kills; k++) {
    const victim = spawn(process.execPath, [bundle, "train", ...args, "--steps", steps, "--out", "killed", ...(k ? ["--resume"] : [])], { cwd: dir, stdio: "ignore" });
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((res) => victim.on("exit", (code, sig) => res([code, sig])));
    // Started: the first run has saved once; a resumed one holds the lock (it may still be loading: a moment too).
    for (let i = 0; i < 3000 && !(k === 0 ? existsSync(join(dir, "killed", "config.json")) : lockPid() === victim.pid); i++) await new Promise((res) => setTimeout(res, 10));
    const delay = Math.round(20 + rnd() * 700);
    delays.push(delay);
    await new Promise((res) => setTimeout(res, delay));
    victim.kill("SIGKILL");
    const [code, sig] = await exited;
    const what = `kill ${k + 1} of ${kills} (seed ${seed}, delays ${delays.join(", ")} ms, saved steps ${reached.join(", ")})`;
    assert.equal(sig, "SIGKILL", `${what}: the training ended by itself (exit ${code}) before the kill; raise --steps`);
    assert.ok(existsSync(join(dir, "killed.lock")), `${what}: a killed training leaves its lock`);
    // Whatever the moment (between steps, mid-save, mid-swap), the checkpoint loads.
    const s = await runCli(dir, ["sample", "--model", "killed", "--n", "2", "--method", "euler", "--steps", "1"]);
    assert.equal(s.code, 0, `${what}: the checkpoint does not load: ${s.err}`);
    reached.push(stepOf());
    assert.ok(reached.at(-1)! < Number(steps), `${what}: already at the last step`);
  }
  const what = `after ${kills} kills (seed ${seed}, delays ${delays.join(", ")} ms, saved steps ${reached.join(", ")})`;
  const r = await runCli(dir, ["train", ...args, "--steps", steps, "--out", "killed", "--resume"], long);
  assert.equal(r.code, 0, `${what}: exit ${r.code}${r.timedOut ? " (timed out)" : ""}: ${r.err}`);
  assert.match(r.err, /taking over a stale lock \(pid \d+ on .* is gone\)/, what);
  assert.ok(!existsSync(join(dir, "killed.lock")), what);
  assert.equal(stepOf(), Number(steps), what);
  assert.ok(readFileSync(join(dir, "killed", "weights.safetensors")).equals(readFileSync(join(dir, "straight", "weights.safetensors"))), `${what}: exact resume`);
});
