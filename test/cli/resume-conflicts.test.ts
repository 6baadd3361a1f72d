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
    [["--activation", "relu"], /--activation relu conflicts .* saved with silu/],
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
