/**
 * `npm run bench:quality`: the quality harness of issue 13. For each set of the suite (src/data/quality) and seed it
 * writes the set as a CSV, trains with `flowmatch train --data FILE.csv --steps N` plus the recipe's flags, scores
 * fresh points with `flowmatch eval --logp-out` and computes KL(p‖q) = mean(log p − log q) with the exact log p.
 * Prints JSON (stdout, or --out) with mean ± s.e. over seeds per set and a short table on stderr. The likelihood's
 * cost is recorded beside the KL: eval's NFE (summed over its chunks of points) and its wall time.
 *
 *   npm run bench:quality -- --steps 1000 --seeds 2 --sets ring8,moons --recipe plain --jobs 2
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { qualitySetNames } from "../../src/data/index.js";
import { RECIPES, recipeFlags } from "./recipes.js";
import { trainCsv, evalPoints } from "./data.js";
import { cliPrefix, pool, runCli } from "./cli.js";
import { klEstimate, meanSe, readColumn } from "./stats.js";

const HELP = `usage: npm run bench:quality -- [options]
  --steps N        training steps per run (default 5000)
  --seeds K|a,b    seeds 0…K−1, or a list (default 3)
  --sets a,b       set names (default: all): ${qualitySetNames.join(", ")}
  --recipe NAME    ${Object.keys(RECIPES).join(", ")} (default "default")
  --extra "FLAGS"  more flags appended to every train command
  --eval-extra "F" more flags appended to every eval command
  --rows N         rows of each training CSV (default 100000)
  --points N       fresh points scored per run (default 5000)
  --jobs N         runs in parallel (default 1)
  --cache DIR      where CSVs and runs go (default: $TMPDIR/flowmatch-quality)
  --cli source|dist  run src/cli/run.ts through tsx (default) or the built bin/flowmatch.js
  --backend B      wasm (default), onnx or auto: train and eval on ONNX Runtime (≈ 7× faster runs; the same
                   KL to float32 rounding), i.e. --backend B appended to both commands
  --out FILE       write the JSON here instead of stdout
  --keep           keep the trained checkpoints`;

function intOpt(raw: string | undefined, dflt: number, name: string): number {
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** `--seeds 3` → 0, 1, 2; `--seeds 4,7` → 4, 7. */
function seedList(raw: string | undefined): number[] {
  if (!raw?.includes(",")) return Array.from({ length: intOpt(raw, 3, "seeds") }, (_, i) => i);
  return raw.split(",").map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0 || s.trim() === "") throw new Error(`--seeds: "${s}" is not a seed (an integer ≥ 0)`);
    return n;
  });
}

/** `--extra "--lr 1e-3"`: parseArgs refuses a value that starts with "-", so such pairs become `--extra=…`. */
function joinFlagValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if ((a === "--extra" || a === "--eval-extra") && i + 1 < argv.length) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  const { values: v } = parseArgs({
    args: joinFlagValues(argv),
    options: {
      steps: { type: "string" }, seeds: { type: "string" }, sets: { type: "string" }, recipe: { type: "string" },
      extra: { type: "string" }, "eval-extra": { type: "string" }, rows: { type: "string" }, points: { type: "string" },
      jobs: { type: "string" }, cache: { type: "string" }, cli: { type: "string" }, out: { type: "string" },
      backend: { type: "string" }, keep: { type: "boolean" }, help: { type: "boolean", short: "h" },
    },
  });
  if (v.help) return void process.stdout.write(HELP + "\n");
  const steps = intOpt(v.steps, 5000, "steps");
  const rows = intOpt(v.rows, 100_000, "rows");
  const points = intOpt(v.points, 5000, "points");
  const jobs = intOpt(v.jobs, 1, "jobs");
  const seeds = seedList(v.seeds);
  const sets = v.sets ? v.sets.split(",") : [...qualitySetNames];
  for (const s of sets) if (!qualitySetNames.includes(s)) throw new Error(`unknown set "${s}"; valid: ${qualitySetNames.join(", ")}`);
  const recipe = v.recipe ?? "default";
  const backend = v.backend ? ["--backend", v.backend] : [];
  const flags = [...recipeFlags(recipe), ...(v.extra ? v.extra.trim().split(/\s+/) : []), ...backend];
  const evalFlags = [...(v["eval-extra"] ? v["eval-extra"].trim().split(/\s+/) : []), ...backend];
  const cli = cliPrefix(v.cli === "dist" ? "dist" : "source");
  const cache = v.cache ?? join(tmpdir(), "flowmatch-quality");
  mkdirSync(cache, { recursive: true });
  const runs = mkdtempSync(join(cache, `runs-${recipe}-`));

  const data = new Map(sets.map((s) => [s, { csv: trainCsv(cache, s, rows), ...evalPoints(cache, s, points) }]));
  const tasks = sets.flatMap((set) => seeds.map((seed) => async () => {
    const d = data.get(set)!;
    const dir = join(runs, `${set}-s${seed}`);
    const train = await runCli(cli, ["train", "--data", d.csv, "--steps", String(steps), "--seed", String(seed), "--out", dir, "--test-points", "0", "-q", ...flags]);
    const logqPath = join(runs, `${set}-s${seed}.logq.csv`);
    const ev = await runCli(cli, ["eval", "--model", dir, "--data", d.path, "--logp-out", logqPath, "--samples", "0", "--json", ...evalFlags]);
    const report = JSON.parse(ev.out) as { nfe?: number };
    const kl = klEstimate(d.logp, readColumn(readFileSync(logqPath, "utf8")));
    process.stderr.write(`${set} seed ${seed}: KL ${kl.toFixed(4)} (train ${train.seconds.toFixed(0)} s, eval ${ev.seconds.toFixed(0)} s, NFE ${report.nfe ?? "?"})\n`);
    return { set, seed, kl: Number.isFinite(kl) ? kl : null, trainSeconds: train.seconds, evalSeconds: ev.seconds, nfe: report.nfe ?? null };
  }));
  let results: Awaited<ReturnType<(typeof tasks)[number]>>[];
  try {
    results = await pool(tasks, jobs);
  } finally {
    if (!v.keep) rmSync(runs, { recursive: true, force: true });
  }

  const perSet = Object.fromEntries(sets.map((set) => {
    const rs = results.filter((r) => r.set === set);
    return [set, { kl: meanSe(rs.map((r) => r.kl ?? NaN)), nfe: meanSe(rs.map((r) => r.nfe ?? NaN)), evalSeconds: meanSe(rs.map((r) => r.evalSeconds)), runs: rs }];
  }));
  const json = JSON.stringify({ recipe, trainFlags: flags, evalFlags, steps, seeds, rows, points, sets: perSet }, null, 2) + "\n";
  if (v.out) writeFileSync(v.out, json);
  else process.stdout.write(json);
  const fmt = (m: { mean: number; se: number } | null) => (m ? `${m.mean.toFixed(4)} ± ${m.se.toFixed(4)}` : "n/a");
  process.stderr.write(`\nrecipe ${recipe}, ${steps} steps, seeds ${seeds.join(",")}\n${"set".padEnd(18)} KL(p‖q)            eval NFE  eval s\n`);
  for (const set of sets) {
    const r = perSet[set]!;
    process.stderr.write(`${set.padEnd(18)} ${fmt(r.kl).padEnd(18)} ${(r.nfe?.mean.toFixed(0) ?? "?").padEnd(9)} ${r.evalSeconds?.mean.toFixed(0) ?? "?"}\n`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`bench:quality: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
