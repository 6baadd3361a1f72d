/**
 * A class-conditional model trains with minibatch OT and Sinkhorn pairings from the CLI (once refused: pairs
 * would mix conditions), and its `--label k` samples land in mode k of 8gaussians — which fails if labels were
 * not carried with their data rows, or if pairing across labels skewed each label's noise.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox } from "../util/cli.js";
import { eightGaussians } from "../../src/data/eight_gaussians.js";

const { dir, cli } = cliSandbox("fm-cond-ot-");

function modeShare(file: string, k: number): number {
  const rows = readFileSync(join(dir, file), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").map(Number));
  const nearest = ([x, y]: number[]) => {
    let best = 0, bd = Infinity;
    eightGaussians.centers.forEach(([cx, cy], j) => {
      const dd = (x! - cx) ** 2 + (y! - cy) ** 2;
      if (dd < bd) [best, bd] = [j, dd];
    });
    return best;
  };
  return rows.filter((r) => nearest(r) === k).length / rows.length;
}

// The second run also checks --pairing, the alias of --coupling.
for (const [flag, coupling] of [["--coupling", "ot"], ["--pairing", "sinkhorn"]]) {
  test(`conditional 8gaussians with ${flag} ${coupling}: --label k samples land in mode k`, () => {
    let r = cli("train", "--data", "8gaussians", "--cond", "mode", flag!, coupling!, "--steps", "400", "--batch", "128",
      "--hidden", "64,64", "--seed", "1", "--out", `m-${coupling}`, "-q");
    assert.equal(r.code, 0, r.err);
    for (const k of [0, 3, 6]) {
      r = cli("sample", "--model", `m-${coupling}`, "--n", "300", "--label", String(k), "--method", "rk4", "--steps", "20",
        "--out", `s-${coupling}-${k}.csv`);
      assert.equal(r.code, 0, r.err);
      const share = modeShare(`s-${coupling}-${k}.csv`, k);
      assert.ok(share >= 0.85, `${coupling}, label ${k}: ${share} of samples in mode ${k}`);
    }
  });
}
