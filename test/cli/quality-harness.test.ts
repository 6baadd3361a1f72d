/**
 * Smoke test of `npm run bench:quality` (bench/quality/run.ts): one set, 50 steps, one seed, small files. The KL in
 * its JSON must be finite and equal the mean of log p − log q recomputed here from the kept files (the exact log p
 * of the evaluation CSV's points, the log q that `eval --logp-out` wrote).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getQualitySet, parseCsv } from "../../src/data/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("bench:quality: one tiny run gives a finite KL that matches log p − log q from its own files", () => {
  const cache = mkdtempSync(join(tmpdir(), "fm-quality-"));
  try {
    const args = ["--steps", "50", "--seeds", "1", "--sets", "grid25-x40", "--rows", "4000", "--points", "400", "--cache", cache, "--out", join(cache, "q.json"), "--keep", "--extra", "--hidden 64,64"];
    const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), join(root, "bench/quality/run.ts"), ...args], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /grid25-x40\s+\d+\.\d+ ± 0\.0000/, "the table on stderr");
    const out = JSON.parse(readFileSync(join(cache, "q.json"), "utf8"));
    assert.equal(out.recipe, "default");
    assert.deepEqual(out.trainFlags, ["--hidden", "64,64"]);
    const kl = out.sets["grid25-x40"].kl;
    assert.ok(Number.isFinite(kl.mean) && kl.n === 1, JSON.stringify(kl));
    const runs = readdirSync(cache).find((f) => f.startsWith("runs-default-"))!;
    const logq = readFileSync(join(cache, runs, "grid25-x40-s0.logq.csv"), "utf8").trim().split("\n").slice(1).map(Number);
    const pts = parseCsv(readFileSync(join(cache, "grid25-x40.eval400.csv"), "utf8"), "eval.csv");
    assert.equal(pts.rows, 400);
    const logp = getQualitySet("grid25-x40").logProb(pts.data);
    const again = logq.reduce((s, q, i) => s + logp[i]! - q, 0) / logq.length;
    assert.ok(Math.abs(again - kl.mean) < 1e-9 * Math.max(1, Math.abs(again)), `${again} vs ${kl.mean}`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
