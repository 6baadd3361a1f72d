// Bounded memory (issue 12): sampling 2,000,000 points stays under a fixed budget and flat in n; chunked output
// equals a one-chunk draw byte for byte (both families, file and stdout); and a table of up-front refusals (exit 2,
// one line naming the flag and the estimate, protected files byte-identical, nothing left behind).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync, statSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliSandbox, type CliResult } from "../util/cli.js";
import { initEngine } from "../../src/engine/index.js";
import { loadModel, loadFlowModel } from "../../src/node/index.js";
import { sample } from "../../src/fm/sample.js";
import { toCsv } from "../../src/data/csv.js";
import { evaluate, evaluable } from "../../src/metrics/evaluate.js";
import { velocityEvalData } from "../../src/cli/data.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const { dir, cli: run } = cliSandbox("flowmatch-memory-");
const tsx = import.meta.resolve("tsx");

const tiny = ["--steps", "4", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q"];
const tinyFlow = ["--model", "realnvp", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q"];

let ready = false;
function setup(): void {
  if (ready) return;
  ready = true;
  let r = run("train", "--data", "8gaussians", ...tiny, "--out", "ck");
  assert.equal(r.code, 0, r.err);
  r = run("train", "--data", "moons", ...tinyFlow, "--out", "fk");
  assert.equal(r.code, 0, r.err);
  writeFileSync(join(dir, "old.csv"), "x0,x1\n1,2\n");
}

/** The CLI through test/util/max-rss.ts: the result and the run's peak resident memory in bytes. */
function measured(...args: string[]): CliResult & { rss: number } {
  const r = spawnSync(process.execPath, ["--import", tsx, join(root, "test/util/max-rss.ts"), ...args], { cwd: dir, encoding: "utf8", timeout: 120_000 });
  const m = /maxRSS (\d+)/.exec(r.stderr);
  assert.ok(m, `no maxRSS line; exit ${r.status}; stderr: ${r.stderr}`);
  return { code: r.status, out: r.stdout, err: r.stderr, rss: Number(m[1]) };
}

const MB = 1e6;

test("sampling 2,000,000 points stays under 500 MB and within 120 MB of a 200,000-point run", () => {
  setup();
  const small = measured("sample", "--model", "ck", "--n", "200000", "--method", "euler", "--steps", "1", "--out", "s200k.csv", "-q");
  assert.equal(small.code, 0, small.err);
  const big = measured("sample", "--model", "ck", "--n", "2000000", "--method", "euler", "--steps", "1", "--out", "s2m.csv", "-q");
  assert.equal(big.code, 0, big.err);
  const text = readFileSync(join(dir, "s2m.csv"), "utf8");
  assert.equal(text.split("\n").length - 1, 2_000_001, "header and 2,000,000 rows");
  // The first 200,000 rows are the 200k run's (one noise stream).
  assert.ok(text.startsWith(readFileSync(join(dir, "s200k.csv"), "utf8")));
  assert.ok(big.rss < 500 * MB, `2M samples peaked at ${(big.rss / MB).toFixed(0)} MB`);
  assert.ok(big.rss - small.rss < 120 * MB, `not flat: ${(small.rss / MB).toFixed(0)} MB → ${(big.rss / MB).toFixed(0)} MB`);
});

test("chunked sample output equals a one-chunk draw byte for byte (flow matching and flows; file and stdout)", async () => {
  setup();
  await initEngine();
  const n = 70_000; // two chunks of 65,536 rows
  const stale = join(dir, ".fm.csv.tmp-99999999-deadbeef"); // left by a killed run (no such pid)
  writeFileSync(stale, "x0,x1\n");
  let r = run("sample", "--model", "ck", "--n", String(n), "--method", "rk4", "--steps", "2", "--seed", "3", "--out", "fm.csv", "-q");
  assert.equal(r.code, 0, r.err);
  assert.ok(!existsSync(stale), "a killed run's temporary file is removed by the next write");
  assert.ok(!readdirSync(dir).some((f) => f.includes(".tmp-")), "no temporary file left");
  const model = loadModel(join(dir, "ck"));
  try {
    const one = toCsv(sample(model, n, { method: "rk4", steps: 2, seed: 3 }).samples, model.dim);
    assert.ok(readFileSync(join(dir, "fm.csv"), "utf8") === one, "flow matching: chunked CSV differs from one sample()");
  } finally {
    model.dispose();
  }
  const s = spawnSync(process.execPath, ["--import", tsx, join(root, "src/cli/run.ts"), "sample", "--model", "fk", "--n", String(n), "--seed", "5", "-q"], {
    cwd: dir, encoding: "utf8", maxBuffer: 64 * MB,
  });
  r = { code: s.status, out: s.stdout, err: s.stderr };
  assert.equal(r.code, 0, r.err);
  const flow = loadFlowModel(join(dir, "fk"));
  try {
    assert.ok(r.out === toCsv(flow.sample(n, { seed: 5 }), flow.dim), "flow: chunked stdout differs from one flow.sample()");
  } finally {
    flow.dispose();
  }
});

test("eval of a toy --n beyond one chunk: the same log-densities and NLL as one pass", () => {
  setup();
  const n = 70_000;
  const args = ["--model", "ck", "--data", "8gaussians", "--n", String(n), "--method", "euler", "--steps", "2", "--samples", "0", "--json"];
  const r = run("eval", ...args, "--logp-out", "lp.csv");
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as { n: number; nll: { mean: number; stderr: number }; kl: { kl: number } };
  const model = loadModel(join(dir, "ck"));
  try {
    const data = velocityEvalData("8gaussians", n, 0);
    const one = evaluate(evaluable(model, { method: "euler", steps: 2, batchSize: 1000 }), data, { skipSamples: true });
    assert.equal(readFileSync(join(dir, "lp.csv"), "utf8"), "logp\n" + Array.from(one.logp, String).join("\n") + "\n");
    assert.equal(report.n, n);
    for (const [a, b] of [[report.nll.mean, one.nll.mean], [report.nll.stderr, one.nll.stderr], [report.kl.kl, one.kl!.kl]]) {
      assert.ok(Math.abs(a! - b!) <= 1e-12 * Math.abs(b!), `${a} vs ${b}`);
    }
  } finally {
    model.dispose();
  }
});

type Case = [name: string, args: string[], pattern: RegExp];
const FITS = /the memory limit is 3 GiB: use --(\w[\w-]*) ≤ \d+$/;
const CASES: Case[] = [
  ["sample: --out bigger than the free disk (existing file)", ["sample", "--model", "ck", "--n", "1000000000000", "--out", "old.csv"], /--out old\.csv: needs about 40 TB but its disk has only .+ free$/],
  ["sample flow: --out bigger than the free disk", ["sample", "--model", "fk", "--n", "1000000000000", "--out", "new.csv"], /--out new\.csv: needs about 40 TB but its disk has only .+ free$/],
  ["train: --batch 1e9", ["train", "--data", "8gaussians", "--batch", "1000000000", "--out", "new-ck", "-q"], /^flowmatch train: --batch 1000000000 needs about [\d.]+ TB for activations; /],
  ["train: --batch 1e9 written 1e9", ["train", "--data", "moons", "--batch", "1e9", "--hidden", "8", "--out", "new-ck", "-q"], /--batch 1000000000 needs about [\d.]+ [GT]B for activations; /],
  ["train: OT coupling, --batch 200000 (batch² matrices)", ["train", "--data", "moons", "--coupling", "ot", "--batch", "200000", "--out", "new-ck", "-q"], /--batch 200000 needs about [\d.]+ [GT]B for activations; /],
  ["train: CNF maximum likelihood, --batch 1000000", ["train", "--data", "moons", "--objective", "mle", "--batch", "1000000", "--out", "new-ck", "-q"], /--batch 1000000 needs about [\d.]+ [GT]B for activations through the ODE solve; /],
  ["train flow: --batch 1e9", ["train", "--data", "moons", "--model", "realnvp", "--batch", "1000000000", "--out", "new-fk", "-q"], /--batch 1000000000 needs about [\d.]+ TB for activations; /],
  ["train nsf: --batch 1e8", ["train", "--data", "moons", "--model", "nsf", "--batch", "100000000", "--out", "new-fk", "-q"], /--batch 100000000 needs about [\d.]+ TB for activations; /],
  // Weights are checked before they are made (a huge width would stall in the initializer).
  ["train: --hidden 1e8", ["train", "--data", "8gaussians", "--hidden", "100000000", "--out", "new-ck", "-q"], /^flowmatch train: --hidden 100000000 needs about [\d.]+ GB for the weights and optimizer state; the memory limit is 3 GiB: use --hidden ≤ \d+$/],
  ["train: --hidden 20000,20000", ["train", "--data", "moons", "--hidden", "20000,20000", "--out", "new-ck", "-q"], /--hidden 20000,20000 needs about [\d.]+ GB for the weights/],
  ["train flow: --hidden 1e8", ["train", "--data", "moons", "--model", "realnvp", "--hidden", "100000000", "--out", "new-fk", "-q"], /--hidden 100000000 with --layers 8 needs about [\d.]+ GB for the weights/],
  ["train nsf: --layers 1e8", ["train", "--data", "moons", "--model", "nsf", "--layers", "100000000", "--out", "new-fk", "-q"], /--hidden 64,64 with --layers 100000000 needs about [\d.]+ TB for the weights/],
  ["reflow: --pairs 1e9", ["reflow", "--model", "ck", "--pairs", "1000000000", "--out", "rf", "-q"], /--pairs 1000000000 needs about [\d.]+ GB for the stored pairs; /],
  ["reflow: --batch 1e9", ["reflow", "--model", "ck", "--pairs", "100", "--batch", "1000000000", "--out", "rf", "-q"], /--batch 1000000000 needs about [\d.]+ [GT]B for activations; /],
  ["plot: --n 1e8", ["plot", "--model", "ck", "--n", "100000000", "--out", "fig.png"], /--n 100000000 needs about [\d.]+ GB for the figure's points; /],
  ["plot flow: --n 1e9", ["plot", "--model", "fk", "--n", "1000000000", "--out", "fig.png"], /--n 1000000000 needs about [\d.]+ GB for the figure's points; /],
  ["eval: --logp-out bigger than the free disk (existing file)", ["eval", "--model", "ck", "--data", "8gaussians", "--n", "1000000000000", "--logp-out", "old.csv"], /--logp-out old\.csv: needs about 20 TB but its disk has only .+ free$/],
  ["eval flow: --logp-out bigger than the free disk", ["eval", "--model", "fk", "--data", "moons", "--n", "1000000000000", "--logp-out", "lp.csv"], /--logp-out lp\.csv: needs about 20 TB but its disk has only .+ free$/],
];

/** Every file in the sandbox (names and bytes), checkpoints included. */
function snapshot(): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  const walk = (p: string) => {
    const full = join(dir, p);
    if (statSync(full).isDirectory()) for (const n of readdirSync(full)) walk(join(p, n));
    else m.set(p, readFileSync(full));
  };
  for (const n of readdirSync(dir)) walk(n);
  return m;
}

test("memory and disk refusals: exit 2, one line with the flag and the estimate, nothing written or left behind", () => {
  setup();
  for (const [name, args, pattern] of CASES) {
    const before = snapshot();
    const r = run(...args);
    assert.equal(r.code, 2, `${name}: exit ${r.code}; stderr: ${r.err}`);
    const lines = r.err.trim().split("\n");
    assert.equal(lines.length, 1, `${name}: expected one stderr line, got:\n${r.err}`);
    assert.match(lines[0]!, pattern, name);
    if (/memory limit/.test(lines[0]!)) assert.match(lines[0]!, FITS, `${name}: no value that fits`);
    const after = snapshot();
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `${name}: files added or removed`);
    for (const [k, v] of before) assert.ok(v.equals(after.get(k)!), `${name}: ${k} changed`);
  }
  assert.ok(!existsSync(join(dir, "new-ck")) && !existsSync(join(dir, "fig.png")));
});
