/**
 * `train --resume` with options that contradict the checkpoint (issue 12): each conflict is one line naming the
 * option and its saved value, exit 2, and the checkpoint is byte-identical afterwards; --steps and --workers may
 * change, and repeating the saved values is fine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { runCli, runCorpus, type CorpusCase } from "../util/corpus.js";

const { dir, cli } = cliSandbox("fm-resume-conflicts-");

function csv(name: string, seed: number): void {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const rows = ["a,b"];
  for (let i = 0; i < 200; i++) rows.push(`${rnd().toFixed(4)},${rnd().toFixed(4)}`);
  writeFileSync(join(dir, name), rows.join("\n") + "\n");
}
csv("a.csv", 1);
csv("b.csv", 2);

/** The bytes of every file in a checkpoint directory. */
function snapshot(ck: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of readdirSync(join(dir, ck)).sort()) m.set(f, readFileSync(join(dir, ck, f)).toString("base64"));
  return m;
}

test("flow matching: --resume refuses a changed network, batch, lr, data or model kind; --steps and --workers may change", () => {
  let r = cli("train", "--data", "a.csv", "--steps", "3", "--hidden", "8,8", "--batch", "32", "--lr", "1e-3", "--workers", "1", "--test-points", "0", "--out", "fm", "-q");
  assert.equal(r.code, 0, r.err);
  const before = snapshot("fm");
  const base = ["train", "--data", "a.csv", "--out", "fm", "--resume", "--steps", "5", "-q"];
  const conflicts: [string[], RegExp][] = [
    [["--hidden", "16,16"], /--hidden 16,16 conflicts with the checkpoint in fm, saved with 8,8/],
    [["--activation", "relu"], /--activation relu conflicts .* saved with swish4/],
    [["--time-embedding", "none"], /--time-embedding none conflicts .* saved with sinusoidal/],
    [["--standardize", "global"], /--standardize global conflicts .* saved with column/],
    [["--data-scale", "1"], /--data-scale 1 conflicts .* saved with 2/],
    [["--batch", "64"], /--batch 64 conflicts .* saved with 32/],
    [["--lr", "2e-3"], /--lr 0\.002 conflicts .* saved with 0\.001/],
    [["--data", "b.csv"], /--data b\.csv conflicts .* saved with a\.csv/],
    [["--model", "realnvp"], /holds a flow-matching model, not a realnvp flow; resume it with --model fm/],
  ];
  for (const [extra, re] of conflicts) {
    const args = [...base, ...extra];
    if (extra[0] === "--data") args.splice(1, 2); // the base's --data a.csv replaced
    assertOneLineError(cli(...args), re);
    assert.deepEqual(snapshot("fm"), before, `checkpoint changed by ${extra.join(" ")}`);
  }
  // The saved values repeated, a new step count and another thread count: the run continues.
  r = cli(...base, "--hidden", "8,8", "--batch", "32", "--lr", "0.001", "--workers", "2", "--test-points", "0");
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(join(dir, "fm", "config.json"), "utf8"), /"step": 5/);
});

test("normalizing flow: --resume refuses a changed conditioner, layers, batch, lr, data or architecture", () => {
  let r = cli("train", "--model", "realnvp", "--data", "a.csv", "--steps", "3", "--layers", "2", "--hidden", "8", "--batch", "32", "--out", "nf", "-q");
  assert.equal(r.code, 0, r.err);
  const before = snapshot("nf");
  const base = ["train", "--model", "realnvp", "--data", "a.csv", "--out", "nf", "--resume", "--steps", "5", "-q"];
  const conflicts: [string[], RegExp][] = [
    [["--hidden", "16"], /--hidden 16 conflicts with the checkpoint in nf, saved with 8/],
    [["--layers", "4"], /--layers 4 conflicts .* saved with 2/],
    [["--batch", "64"], /--batch 64 conflicts .* saved with 32/],
    [["--lr", "0.01"], /--lr 0\.01 conflicts .* saved with 0\.001/],
    [["--data", "b.csv"], /--data b\.csv conflicts .* saved with a\.csv/],
  ];
  for (const [extra, re] of conflicts) {
    const args = [...base, ...extra];
    if (extra[0] === "--data") args.splice(3, 2);
    assertOneLineError(cli(...args), re);
    assert.deepEqual(snapshot("nf"), before, `checkpoint changed by ${extra.join(" ")}`);
  }
  assertOneLineError(cli("train", "--model", "nsf", "--data", "a.csv", "--out", "nf", "--resume", "-q"), /--model nsf conflicts .* saved with realnvp/);
  assertOneLineError(cli("train", "--data", "a.csv", "--out", "nf", "--resume", "-q"), /holds a realnvp normalizing flow.*--model realnvp/);
  assert.deepEqual(snapshot("nf"), before);
  r = cli(...base, "--layers", "2", "--hidden", "8");
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(join(dir, "nf", "config.json"), "utf8"), /"step": 5/);
});

test("--resume refuses any option that shapes the model, objective, data or stream; --checkpoint-every may change", async () => {
  const fmArgs = ["--data", "a.csv", "--hidden", "8", "--batch", "16", "--workers", "1", "--test-points", "0", "-q"];
  const nfArgs = ["--model", "nsf", "--data", "a.csv", "--layers", "1", "--hidden", "4", "--batch", "16", "-q"];
  for (const args of [["train", ...fmArgs, "--steps", "3", "--out", "fm2"], ["train", ...nfArgs, "--steps", "3", "--out", "nf2"]]) {
    const r = await runCli(dir, args);
    assert.equal(r.code, 0, r.err);
  }
  const fm = (...extra: string[]) => ["train", ...fmArgs, "--steps", "5", "--out", "fm2", "--resume", ...extra];
  const nf = (...extra: string[]) => ["train", ...nfArgs, "--steps", "5", "--out", "nf2", "--resume", ...extra];
  const saved = (flag: string, given: string, was: string, ck = "fm2") =>
    new RegExp(`^flowmatch train: --resume: --${flag} ${given.replace(/[.*+?()[\]]/g, "\\$&")} conflicts with the checkpoint in ${ck}, saved with ${was.replace(/[.*+?()[\]]/g, "\\$&")}; leave --${flag} out`);
  const cases: CorpusCase[] = [
    ["fm --seed", fm("--seed", "1"), 2, saved("seed", "1", "0")],
    ["fm --path", fm("--path", "vp"), 2, saved("path", "vp", "condot")],
    ["fm --prediction", fm("--prediction", "x1"), 2, saved("prediction", "x1", "velocity")],
    ["fm --objective", fm("--objective", "mle"), 2, saved("objective", "mle", "fm")],
    ["fm --ema-decay", fm("--ema-decay", "0.9"), 2, saved("ema-decay", "0.9", "0.999")],
    ["fm --schedule", fm("--schedule", "constant"), 2, saved("schedule", "constant", "cosine")],
    ["fm --time-sampling", fm("--time-sampling", "uniform"), 2, saved("time-sampling", "uniform", "logit-normal")],
    ["fm --t-uniform", fm("--t-uniform", "0.5"), 2, saved("t-uniform", "0.5", "0.2")],
    ["fm --t-std", fm("--t-std", "2"), 2, saved("t-std", "2", "1")],
    ["fm --coupling", fm("--coupling", "ot"), 2, saved("coupling", "ot", "independent")],
    ["fm --pairing", fm("--pairing", "sinkhorn"), 2, saved("pairing", "sinkhorn", "independent")],
    ["fm --sinkhorn-reg", fm("--sinkhorn-reg", "0.5"), 2, saved("sinkhorn-reg", "0.5", "0.05")],
    ["fm --cond-dropout", fm("--cond-dropout", "0.5"), 2, saved("cond-dropout", "0.5", "0.1")],
    ["fm --mle-steps", fm("--mle-steps", "20"), 2, saved("mle-steps", "20", "10")],
    ["fm --divergence", fm("--divergence", "hutchinson"), 2, saved("divergence", "hutchinson", "exact")],
    ["fm --kinetic", fm("--kinetic", "0.1"), 2, saved("kinetic", "0.1", "0")],
    ["fm --test-fraction", fm("--test-fraction", "0.2"), 2, saved("test-fraction", "0.2", "0")],
    ["fm --cond on an unconditional run", fm("--cond", "b"), 2, saved("cond", "b", "none (unconditional)")],
    ["nsf --seed", nf("--seed", "3"), 2, saved("seed", "3", "0", "nf2")],
    ["nsf --variant", nf("--variant", "autoregressive"), 2, saved("variant", "autoregressive", "coupling", "nf2")],
    ["nsf --no-actnorm", nf("--no-actnorm"), 2, saved("no-actnorm", "true", "false", "nf2")],
    ["nsf --base", nf("--base", "diagonal"), 2, saved("base", "diagonal", "standard", "nf2")],
    ["nsf --schedule", nf("--schedule", "warmup"), 2, saved("schedule", "warmup", "cosine", "nf2")],
    ["nsf --warmup", nf("--warmup", "7"), 2, saved("warmup", "7", "50", "nf2")],
    ["nsf --ema-decay", nf("--ema-decay", "0"), 2, saved("ema-decay", "0", "0.999", "nf2")],
    ["nsf --dequantize", nf("--dequantize", "4"), 2, saved("dequantize", "4", "off", "nf2")],
    ["nsf --columns", nf("--columns", "1"), 2, saved("columns", "1", "0,1", "nf2")],
    ["nsf --cond", nf("--cond", "b"), 2, saved("cond", "b", "none (unconditional)", "nf2")],
    ["nsf --test-fraction", nf("--test-fraction", "0.3"), 2, saved("test-fraction", "0.3", "0.1", "nf2")],
  ];
  await runCorpus(dir, ["fm2", "nf2", "a.csv"], cases, 1); // one at a time: a resume holds its checkpoint's lock
  // Allowed: a new save interval (recorded), with the saved values of everything else repeated.
  let r = await runCli(dir, fm("--seed", "0", "--path", "condot", "--ema-decay", "0.999", "--checkpoint-every", "1"));
  assert.equal(r.code, 0, r.err);
  const cfg = JSON.parse(readFileSync(join(dir, "fm2", "config.json"), "utf8"));
  assert.equal(cfg.train.step, 5);
  assert.equal(cfg.train.options.checkpointEvery, 1);
  r = await runCli(dir, nf("--seed", "0", "--variant", "coupling", "--warmup", "50", "--checkpoint-every", "2"));
  assert.equal(r.code, 0, r.err);
  const nfc = JSON.parse(readFileSync(join(dir, "nf2", "config.json"), "utf8"));
  assert.equal(nfc.train.step, 5);
  assert.equal(nfc.train.options.checkpointEvery, 2);
});
