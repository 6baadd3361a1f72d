/**
 * Normalizing-flow checkpoints on ONNX: `flowmatch sample --backend onnx|auto` gives the same rows as the wasm
 * backend (same seed, temperature, labels), and `flowmatch export` writes log-density and sampler files that
 * onnxruntime-node, loaded directly, runs to the library's answers; both to 1e-5 scaled by the largest |value|
 * (at least 1). Tiny checkpoints (2 steps) keep it cheap; their weights are off the init after the ActNorm data
 * init and the steps. (A standardizer folded into the files: test/onnx/flow-sample.test.ts.)
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initEngine, Rng } from "../../src/engine/index.js";
import { loadFlowModel } from "../../src/node/index.js";
import { flowSampleRng } from "../../src/flows/model.js";
import { runOnnx } from "../../src/onnx/verify.js";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const { dir, cli } = cliSandbox("flowmatch-flow-sample-onnx-");

const csv = (f: string) => Float64Array.from(readFileSync(join(dir, f), "utf8").trim().split("\n").slice(1).flatMap((l) => l.split(",").map(Number)));

function scaledDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 1;
  for (let i = 0; i < b.length; i++) (d = Math.max(d, Math.abs(a[i]! - b[i]!))), (m = Math.max(m, Math.abs(b[i]!)));
  return d / m;
}

/** Samples with `args` on wasm and with each of `backends`; all must agree. */
function sameRows(name: string, args: string[], backends: string[]): void {
  const r = cli("sample", ...args, "--out", `${name}-wasm.csv`);
  assert.equal(r.code, 0, r.err);
  const want = csv(`${name}-wasm.csv`);
  for (const b of backends) {
    const ro = cli("sample", ...args, "--backend", b, "--out", `${name}-${b}.csv`);
    assert.equal(ro.code, 0, ro.err);
    const got = csv(`${name}-${b}.csv`);
    assert.ok(scaledDiff(got, want) <= 1e-5, `${name} ${b} vs wasm: ${scaledDiff(got, want)}`);
  }
}

test("sample --backend onnx|auto of a realnvp checkpoint at temperature 0.8 equals wasm's rows", { skip: ORT_SKIP }, () => {
  const r = cli("train", "--model", "realnvp", "--data", "moons", "--steps", "2", "--layers", "2", "--hidden", "8", "--out", "f", "-q");
  assert.equal(r.code, 0, r.err);
  sameRows("u", ["--model", "f", "--n", "60", "--seed", "3", "--temperature", "0.8"], ["onnx", "auto"]);
});

test("sample --backend onnx of a label-conditional flow: with --label, and with labels drawn per sample", { skip: ORT_SKIP }, () => {
  const rng = new Rng(2);
  const rows = Array.from({ length: 300 }, (_, i) => `${(3 * (i % 3) + rng.normal()).toFixed(4)},${rng.normal().toFixed(4)},${i % 3}`);
  writeFileSync(join(dir, "g.csv"), "x,y,label\n" + rows.join("\n") + "\n");
  const r = cli("train", "--model", "realnvp", "--data", "g.csv", "--cond", "label", "--steps", "2", "--layers", "2", "--hidden", "8", "--out", "c", "-q");
  assert.equal(r.code, 0, r.err);
  sameRows("c-label", ["--model", "c", "--n", "40", "--seed", "1", "--label", "1"], ["onnx"]);
  sameRows("c-mix", ["--model", "c", "--n", "40", "--seed", "1"], ["onnx"]);
});

test("export of a flow: the log-density and the sampler (temperature by scaled noise), run in onnxruntime-node", { skip: ORT_SKIP }, async () => {
  let r = cli("export", "--model", "f", "--out", "lp.onnx");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /wrote lp\.onnx \(normalizing flow log-density/);
  r = cli("export", "--model", "f", "--graph", "sampler", "--out", "s.onnx", "--verify");
  assert.equal(r.code, 0, r.err);
  assert.ok(Number(/max relative difference (\S+)/.exec(r.err)?.[1]) <= 1e-5, r.err);
  const flow = loadFlowModel(join(dir, "f"));
  try {
    const n = 9;
    const x = Float64Array.from(new Rng(4).normals(n * 2), (v) => 2 * v);
    const lp = await runOnnx(readFileSync(join(dir, "lp.onnx")), { x: { data: x, dims: [n, 2] } });
    assert.ok(scaledDiff(lp, flow.logProb(x)) <= 1e-5, `logp: ${scaledDiff(lp, flow.logProb(x))}`);
    const noise = flowSampleRng(7).normals(n * 2).map((v) => 0.8 * v);
    const xs = await runOnnx(readFileSync(join(dir, "s.onnx")), { noise: { data: noise, dims: [n, 2] } });
    const want = flow.sample(n, { seed: 7, temperature: 0.8 });
    assert.ok(scaledDiff(xs, want) <= 1e-5, `samples: ${scaledDiff(xs, want)}`);
  } finally {
    flow.dispose();
  }
});

test("export of a conditional flow takes a context input; flags of the other model kind are refused in one line", { skip: ORT_SKIP }, async () => {
  const r = cli("export", "--model", "c", "--out", "clp.onnx");
  assert.equal(r.code, 0, r.err);
  const flow = loadFlowModel(join(dir, "c"));
  try {
    const n = 6;
    const C = flow.config.ctxDim;
    const x = new Rng(5).normals(n * 2).map((v) => 3 * v);
    const ctx = Float64Array.from({ length: n * C }, (_, i) => Math.cos(i));
    const lp = await runOnnx(readFileSync(join(dir, "clp.onnx")), { x: { data: x, dims: [n, 2] }, context: { data: ctx, dims: [n, C] } });
    assert.ok(scaledDiff(lp, flow.logProb(x, { ctx })) <= 1e-5, `logp: ${scaledDiff(lp, flow.logProb(x, { ctx }))}`);
  } finally {
    flow.dispose();
  }
  assertOneLineError(cli("export", "--model", "f", "--out", "y.onnx", "--sampler", "rk4"), /normalizing flow: --sampler and --steps are for flow-matching models \(use --graph sampler\)/);
  assertOneLineError(cli("export", "--model", "f", "--out", "y.onnx", "--steps", "4"), /normalizing flow: --sampler and --steps are for flow-matching models/);
});
