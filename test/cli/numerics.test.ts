// Numbers in the CLI: NaN/±Inf while sampling or evaluating is exit 3 with one line naming the likely cause (huge
// weights and their tensor; an input row far outside the training data), never NaN rows or "NaN ± NaN" with exit 0;
// and the text report prints significant digits (W2 of data at the 1e-6 scale agrees with the JSON's value).
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox, type CliResult } from "../util/cli.js";
import { initEngine, treeOps, type Array } from "../../src/engine/index.js";
import { loadTrainState, saveTrainState, loadFlowTrainState, saveFlowTrainState } from "../../src/node/index.js";

const { dir, cli } = cliSandbox("flowmatch-numerics-");
const tiny = ["--steps", "4", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q"];
const tinyFlow = ["--model", "realnvp", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q"];

function exit3(r: CliResult, pattern: RegExp, what: string): void {
  assert.equal(r.code, 3, `${what}: exit ${r.code}; stderr: ${r.err}; stdout: ${r.out.slice(0, 200)}`);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: expected one stderr line, got:\n${r.err}`);
  assert.match(lines[0]!, pattern, what);
  assert.doesNotMatch(r.out, /NaN/, `${what}: NaN on stdout`);
}

/** Every leaf of a tree times `k` (consumes the tree). */
const scaled = <T>(t: T, k: number): T => treeOps.map((a: Array) => a.mul(k), t as never) as T;

test("huge finite weights: sample and eval of both families stop with exit 3 naming the largest |w| and its tensor", async () => {
  const rows = Array.from({ length: 60 }, (_, i) => `${Math.sin(i)},${Math.cos(3 * i)}`);
  writeFileSync(join(dir, "d.csv"), `a,b\n${rows.join("\n")}\n`);
  assert.equal(cli("train", "--data", "d.csv", ...tiny, "--out", "fm").code, 0);
  assert.equal(cli("train", "--data", "d.csv", ...tinyFlow, "--out", "nf").code, 0);
  await initEngine();
  // float32 weights: 1e30 is finite (so the checkpoint loads) but every forward pass overflows.
  const s = loadTrainState(join(dir, "fm"));
  s.params = scaled(s.params, 1e30);
  s.ema = scaled(s.ema, 1e30);
  saveTrainState(join(dir, "fm-huge"), s);
  const f = loadFlowTrainState(join(dir, "nf"));
  f.params = scaled(f.params, 1e30);
  f.ema = scaled(f.ema, 1e30);
  saveFlowTrainState(join(dir, "nf-huge"), f);
  const huge = /huge weights: the largest \|w\| is [0-9.]+e\+(29|30) \(in [\w.]+\)/;
  exit3(cli("sample", "--model", "fm-huge", "--n", "20", "--method", "rk4", "--steps", "4"), huge, "fm sample rk4");
  exit3(cli("sample", "--model", "fm-huge", "--n", "20"), huge, "fm sample dopri5");
  exit3(cli("sample", "--model", "nf-huge", "--n", "20"), huge, "flow sample");
  exit3(cli("eval", "--model", "nf-huge", "--data", "d.csv", "--samples", "0"), huge, "flow eval");
  exit3(cli("eval", "--model", "fm-huge", "--data", "d.csv", "--samples", "0"), huge, "fm eval");

  // Data far outside the training data (finite, 1e308): the row and column are named, for both families, at once.
  writeFileSync(join(dir, "far.csv"), "a,b\n0.1,0.2\n0.3,-0.1\n1e308,0.5\n");
  const far = /row 3, column 1 \(1e\+308\) is [0-9.e+]+ standard deviations from the training data's mean/;
  exit3(cli("eval", "--model", "nf", "--data", "far.csv", "--samples", "0"), far, "flow eval 1e308");
  exit3(cli("eval", "--model", "fm", "--data", "far.csv", "--samples", "0"), far, "fm eval 1e308");
});

test("eval of data at the 1e-6 scale: the text report's W2 agrees with the JSON's to the printed digits (not 0.0000)", () => {
  const rows = Array.from({ length: 80 }, (_, i) => `${1e-6 * Math.sin(i)},${2e-6 * Math.cos(3 * i)}`);
  writeFileSync(join(dir, "tiny.csv"), `a,b\n${rows.join("\n")}\n`);
  assert.equal(cli("train", "--data", "tiny.csv", ...tiny, "--out", "fm-tiny").code, 0);
  const args = ["eval", "--model", "fm-tiny", "--data", "tiny.csv", "--samples", "80"];
  const text = cli(...args);
  assert.equal(text.code, 0, text.err);
  const json = cli(...args, "--json");
  assert.equal(json.code, 0, json.err);
  const rep = JSON.parse(json.out) as { w2: number; slicedW2: number; nll: { mean: number } };
  assert.ok(rep.w2 > 0 && rep.w2 < 1e-4, `W2 ${rep.w2} at the data's scale`);
  for (const [label, want] of [["W2 \\(exact\\)", rep.w2], ["sliced W2", rep.slicedW2], ["NLL", rep.nll.mean]] as const) {
    const m = new RegExp(`^${label} +([-+0-9.e]+)`, "m").exec(text.out);
    assert.ok(m, `${label} in:\n${text.out}`);
    const printed = Number(m[1]);
    assert.ok(Math.abs(printed - want) <= 5e-4 * Math.abs(want), `${label}: printed ${m[1]}, JSON ${want}`);
  }
});

test("train: --lr 1e30 diverges with exit 3 naming the learning rate; nsf --bins 1 is refused before training (exit 2)", () => {
  exit3(
    cli("train", "--data", "moons", "--lr", "1e30", "--steps", "30", "--batch", "16", "--hidden", "8", "--workers", "1", "-q", "--out", "lr"),
    /^flowmatch train: loss became (NaN|-?Infinity) at step \d+: training diverged, most likely the learning rate \(1e\+30\) is far above usual values/,
    "--lr 1e30",
  );
  const r = cli("train", "--data", "moons", "--model", "nsf", "--bins", "1", "--steps", "3", "-q", "--out", "nsf1");
  assert.equal(r.code, 2, r.err);
  assert.match(r.err.trim(), /^flowmatch train: --bins must be an integer ≥ 2, got "1"$/);
});
