/**
 * `flowmatch train --model <flow> --backend onnx`: the saved loss curve and weights are the wasm run's to float32
 * rounding (checkpoints every 7 steps: the multi-step graph calls end there), the test NLL line agrees, and what
 * cannot run is one line with exit 2 (an unknown backend; onnx without onnxruntime-node, where auto trains on wasm).
 * `eval --backend onnx` of the flow checkpoint: the compiled log p gives wasm's NLL and per-point log p.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { initEngine } from "../../src/engine/index.js";
import { loadFlowTrainState } from "../../src/node/index.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { ORT_SKIP, assertSameRun, withoutOrt } from "../util/ort.js";

const { dir, cli } = cliSandbox("flowmatch-train-flow-onnx-");
const small = ["--model", "nsf", "--data", "moons", "--steps", "20", "--batch", "64", "--layers", "2", "--hidden", "16", "--checkpoint-every", "7", "-q"];

test("train --model nsf --backend onnx saves the wasm run's loss curve and weights", { skip: ORT_SKIP }, async () => {
  const a = cli("train", ...small, "--out", "w");
  const b = cli("train", ...small, "--backend", "onnx", "--out", "o");
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  await initEngine();
  using sa = loadFlowTrainState(join(dir, "w"));
  using sb = loadFlowTrainState(join(dir, "o"));
  assertSameRun(sb, sa, 20);
  const nll = (out: string) => Number(/test NLL (\S+)/.exec(out)?.[1]);
  assert.ok(Math.abs(nll(b.out) - nll(a.out)) <= 1e-3 * Math.abs(nll(a.out)), `${b.out} vs ${a.out}`);
  const ev = (...extra: string[]) => cli("eval", "--model", "w", "--data", "moons", "--n", "500", "--samples", "0", "--json", ...extra);
  const [ew, eo] = [ev("--logp-out", "lw.csv"), ev("--backend", "onnx", "--logp-out", "lo.csv")];
  assert.equal(ew.code, 0, ew.err);
  assert.equal(eo.code, 0, eo.err);
  const mean = (r: { out: string }) => (JSON.parse(r.out) as { nll: { mean: number } }).nll.mean;
  assert.ok(Math.abs(mean(eo) - mean(ew)) <= 1e-5 * Math.abs(mean(ew)), `NLL ${mean(eo)} vs ${mean(ew)}`);
  const rows = (f: string) => Float64Array.from(readFileSync(join(dir, f), "utf8").trim().split("\n").slice(1), Number);
  const [lw, lo] = [rows("lw.csv"), rows("lo.csv")];
  assert.equal(lo.length, 500);
  assert.ok(maxRelDiff(lo, lw) <= 1e-5, `log p per point: ${maxRelDiff(lo, lw)}`);
});

test("train --model nsf: an unknown --backend, and onnx without onnxruntime-node, are one line; auto then trains on wasm", () => {
  assertOneLineError(cli("train", ...small, "--backend", "gpu", "--out", "x1"), /--backend must be/);
  withoutOrt(() => {
    assertOneLineError(cli("train", ...small, "--backend", "onnx", "--out", "y1"), /onnxruntime-node/);
    const r = cli("train", ...small, "--backend", "auto", "--out", "y2");
    assert.equal(r.code, 0, r.err);
  });
});
