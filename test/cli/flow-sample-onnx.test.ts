/**
 * `flowmatch sample --backend onnx|auto` of normalizing-flow checkpoints: the same rows as the wasm backend (same
 * seed, temperature, labels) to 1e-5 scaled by the largest |value| (at least 1). Tiny checkpoints (2 steps) keep
 * it cheap; their weights are off the init after the ActNorm data init and the steps.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../src/engine/index.js";
import { cliSandbox } from "../util/cli.js";
import { ORT_SKIP } from "../util/ort.js";

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
