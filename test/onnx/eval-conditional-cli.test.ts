/**
 * `flowmatch eval` of a class-conditional flow-matching checkpoint (8gaussians conditioned on its mode): each point
 * scored under its own mode, on wasm and with `--backend onnx` (rk4 and dopri5); the --logp-out files agree to
 * 1e-5, and equal the library's log p with the same labels (a second route to the points' conditions). A
 * context-conditional model on a CSV (the context column read per row): the same on both backends; `sample
 * --backend onnx` of it, which cannot pass context rows, is refused in one line.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initEngine } from "../../src/engine/index.js";
import { loadModel, openDataSource } from "../../src/node/index.js";
import { logProb } from "../../src/likelihood/index.js";
import { Rng } from "../../src/engine/index.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();
const { dir, cli } = cliSandbox("flowmatch-eval-cond-");
const trained = cli("train", "--data", "8gaussians", "--cond", "mode", "--steps", "5", "--batch", "32", "--hidden", "12,12", "--test-points", "0", "--workers", "1", "-q", "--out", "m");
const logps = (file: string) => Float64Array.from(readFileSync(join(dir, file), "utf8").trim().split("\n").slice(1), Number);

test("eval of a class-conditional model: wasm and --backend onnx give the same log q(x | mode) (rk4, dopri5)", { skip: ORT_SKIP }, () => {
  assert.equal(trained.code, 0, trained.err);
  const common = ["eval", "--model", "m", "--data", "8gaussians", "--n", "40", "--samples", "20", "--seed", "3", "--json"];
  for (const solver of [["--method", "rk4", "--steps", "4"], ["--method", "dopri5", "--rtol", "1e-4", "--atol", "1e-4"]]) {
    const w = cli(...common, ...solver, "--backend", "wasm", "--logp-out", "w.csv");
    const o = cli(...common, ...solver, "--backend", "onnx", "--logp-out", "o.csv");
    assert.equal(w.code, 0, w.err);
    assert.equal(o.code, 0, o.err);
    const [a, b] = [logps("w.csv"), logps("o.csv")];
    assert.equal(a.length, 40);
    assert.ok(maxRelDiff(b, a) <= 1e-5, `${solver[1]}: ${maxRelDiff(b, a)}`);
    assert.equal(JSON.parse(o.out).mmd2, JSON.parse(w.out).mmd2, "the sample metrics stay on wasm");
  }
  // The labels are the points' modes: the library's log p with the same draws and labels (rk4 run above: w.csv is dopri5's).
  using model = loadModel(join(dir, "m"));
  const { x, labels } = openDataSource("8gaussians", { cond: { columns: ["mode"], kind: "class" } }).sampleCond!(40, new Rng((0x9e3779b9 ^ (3 + 777)) >>> 0));
  const want = logProb(model, x, { method: "dopri5", rtol: 1e-4, atol: 1e-4, batchSize: 1000, cond: { labels } }).logp;
  assert.ok(maxRelDiff(logps("w.csv"), want) <= 1e-9, `library: ${maxRelDiff(logps("w.csv"), want)}`);
  const unconditional = logProb(model, x, { method: "dopri5", rtol: 1e-4, atol: 1e-4, batchSize: 1000 }).logp;
  assert.ok(maxRelDiff(unconditional, want) > 1e-4, "scored under the labels, not ∅");
});

test("eval of a context-conditional model on a CSV: both backends score each row under its context; sample --backend onnx refused", { skip: ORT_SKIP }, () => {
  const rng = new Rng(5);
  const rows = Array.from({ length: 30 }, () => {
    const c = rng.normal();
    return `${(c + 0.3 * rng.normal()).toFixed(4)},${(1 - c + 0.3 * rng.normal()).toFixed(4)},${c.toFixed(4)}`;
  });
  writeFileSync(join(dir, "c.csv"), "x,y,c\n" + rows.join("\n") + "\n");
  const t = cli("train", "--data", "c.csv", "--cond", "c", "--cond-type", "context", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "k");
  assert.equal(t.code, 0, t.err);
  const common = ["eval", "--model", "k", "--data", "c.csv", "--samples", "0", "--method", "rk4", "--steps", "3"];
  const w = cli(...common, "--backend", "wasm", "--logp-out", "kw.csv");
  const o = cli(...common, "--backend", "onnx", "--logp-out", "ko.csv");
  assert.equal(w.code, 0, w.err);
  assert.equal(o.code, 0, o.err);
  assert.equal(logps("kw.csv").length, 30);
  assert.ok(maxRelDiff(logps("ko.csv"), logps("kw.csv")) <= 1e-5, `${maxRelDiff(logps("ko.csv"), logps("kw.csv"))}`);
  assertOneLineError(cli("sample", "--model", "k", "--n", "4", "--method", "euler", "--steps", "2", "--backend", "onnx"), /context-conditional.*leave --backend out/);
});
