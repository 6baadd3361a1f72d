/**
 * config.json schema (issue 12, "A checkpoint schema"): a table of corruptions of freshly saved checkpoints of both
 * families, each one CheckpointError line naming the file and the field; weights with NaN/Inf are refused naming the
 * tensor; 0.1 checkpoints still load.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { initEngine } from "../../src/engine/index.js";
import { CheckpointError } from "../../src/errors.js";
import { createTrainState, createFlowTrainState } from "../../src/train/index.js";
import { saveTrainState, loadTrainState, loadModel } from "../../src/node/index.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/index.js";
import type { ModelConfig } from "../../src/fm/velocity-model.js";

await initEngine();

const root = fs.mkdtempSync(path.join(os.tmpdir(), "fm-schema-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const fmConfig: ModelConfig = {
  kind: "flow-matching",
  net: { kind: "mlp", dim: 2, hidden: [8, 8], activation: "silu", time: { kind: "sinusoidal", size: 8 } },
  path: "condot",
  standardizer: { mean: [0.5, -1], std: [2, 3] },
  data: "moons",
  cond: { kind: "class", classes: ["a", "b"], embedDim: 4, source: "label" },
};
const fmDir = path.join(root, "fm");
const nfDir = path.join(root, "nf");
{
  using s = createTrainState(fmConfig, { steps: 1, batch: 8 });
  saveTrainState(fmDir, s);
}
{
  using s = createFlowTrainState({ arch: "realnvp", eventShape: [2], layers: 2, hidden: [8, 8] }, { steps: 1, batch: 8 });
  saveTrainState(nfDir, s);
}
const fmJson = fs.readFileSync(path.join(fmDir, "config.json"), "utf8");
const nfJson = fs.readFileSync(path.join(nfDir, "config.json"), "utf8");

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Case {
  family: "fm" | "nf";
  name: string;
  edit: (c: Json) => void;
  /** The field path as the message must name it, and what it must say after it. */
  field: string;
  says?: RegExp;
}

const cases: Case[] = [
  // flow matching: the network
  { family: "fm", name: "dim 0", edit: (c) => (c.model.net.dim = 0), field: "model.net.dim", says: /positive integer, got 0/ },
  { family: "fm", name: "dim a string", edit: (c) => (c.model.net.dim = "2"), field: "model.net.dim", says: /positive integer, got "2"/ },
  { family: "fm", name: "dim fractional", edit: (c) => (c.model.net.dim = 2.5), field: "model.net.dim" },
  { family: "fm", name: "dim missing", edit: (c) => delete c.model.net.dim, field: "model.net.dim", says: /missing/ },
  { family: "fm", name: "hidden strings", edit: (c) => (c.model.net.hidden = ["a", "b"]), field: "model.net.hidden[0]", says: /positive integer, got "a"/ },
  { family: "fm", name: "hidden[1] string", edit: (c) => (c.model.net.hidden = [8, "b"]), field: "model.net.hidden[1]", says: /expected a positive integer, got "b"/ },
  { family: "fm", name: "hidden negative", edit: (c) => (c.model.net.hidden = [8, -8]), field: "model.net.hidden[1]" },
  { family: "fm", name: "hidden not an array", edit: (c) => (c.model.net.hidden = 8), field: "model.net.hidden", says: /array/ },
  { family: "fm", name: "hidden missing (mlp)", edit: (c) => delete c.model.net.hidden, field: "model.net.hidden" },
  { family: "fm", name: "unknown activation", edit: (c) => (c.model.net.activation = "swish2"), field: "model.net.activation", says: /known activation.*got "swish2"/ },
  { family: "fm", name: "activation a number", edit: (c) => (c.model.net.activation = 3), field: "model.net.activation" },
  { family: "fm", name: "unknown net kind", edit: (c) => (c.model.net.kind = "hypernet"), field: "model.net.kind", says: /registered network kind/ },
  { family: "fm", name: "time missing", edit: (c) => delete c.model.net.time, field: "model.net.time" },
  { family: "fm", name: "time size 0", edit: (c) => (c.model.net.time.size = 0), field: "model.net.time.size" },
  { family: "fm", name: "unknown time kind", edit: (c) => (c.model.net.time.kind = "fourier"), field: "model.net.time.kind", says: /"sinusoidal", "none".*got "fourier"/ },
  { family: "fm", name: "condWidth negative", edit: (c) => (c.model.net.condWidth = -1), field: "model.net.condWidth" },
  { family: "fm", name: "net an array", edit: (c) => (c.model.net = []), field: "model.net.kind", says: /missing/ },
  // flow matching: path, standardizer, prediction, cond
  { family: "fm", name: "unknown path", edit: (c) => (c.model.path = "warp"), field: "model.path", says: /known path.*got "warp"/ },
  { family: "fm", name: "std 0", edit: (c) => (c.model.standardizer.std[1] = 0), field: "model.standardizer.std[1]", says: /> 0, got 0/ },
  { family: "fm", name: "std negative", edit: (c) => (c.model.standardizer.std[0] = -2), field: "model.standardizer.std[0]" },
  { family: "fm", name: "std null (Infinity in JSON)", edit: (c) => (c.model.standardizer.std[0] = null), field: "model.standardizer.std[0]" },
  { family: "fm", name: "mean a string", edit: (c) => (c.model.standardizer.mean[1] = "x"), field: "model.standardizer.mean[1]" },
  { family: "fm", name: "mean/std lengths differ", edit: (c) => c.model.standardizer.std.push(1), field: "model.standardizer", says: /as many std/ },
  { family: "fm", name: "unknown prediction", edit: (c) => (c.model.prediction = "score"), field: "model.prediction" },
  { family: "fm", name: "unknown standardize", edit: (c) => (c.model.standardize = "robust"), field: "model.standardize", says: /"column", "global", "none".*got "robust"/ },
  { family: "fm", name: "cond kind", edit: (c) => (c.model.cond.kind = "text"), field: "model.cond.kind" },
  { family: "fm", name: "cond embedDim 0", edit: (c) => (c.model.cond.embedDim = 0), field: "model.cond.embedDim" },
  { family: "fm", name: "cond classes empty", edit: (c) => (c.model.cond.classes = []), field: "model.cond.classes" },
  { family: "fm", name: "model kind", edit: (c) => (c.model.kind = "diffusion"), field: "model.kind" },
  // train section (both families share it)
  { family: "fm", name: "negative step", edit: (c) => (c.train.step = -3), field: "train.step", says: /integer ≥ 0, got -3/ },
  { family: "fm", name: "fractional step", edit: (c) => (c.train.step = 1.5), field: "train.step" },
  { family: "fm", name: "short rngState", edit: (c) => c.train.rngState.pop(), field: "train.rngState", says: /4 integers/ },
  { family: "fm", name: "rngState float", edit: (c) => (c.train.rngState[2] = 0.5), field: "train.rngState[2]" },
  { family: "fm", name: "rngState too large", edit: (c) => (c.train.rngState[0] = 2 ** 33), field: "train.rngState[0]" },
  { family: "fm", name: "rngState missing", edit: (c) => delete c.train.rngState, field: "train.rngState" },
  { family: "fm", name: "options missing", edit: (c) => delete c.train.options, field: "train.options" },
  { family: "fm", name: "batch 0", edit: (c) => (c.train.options.batch = 0), field: "train.options.batch" },
  { family: "fm", name: "lr a string", edit: (c) => (c.train.options.lr = "fast"), field: "train.options.lr" },
  { family: "fm", name: "losses not numbers", edit: (c) => (c.train.losses = ["x"]), field: "train.losses[0]" },
  { family: "fm", name: "dtype", edit: (c) => (c.dtype = "int8"), field: "dtype" },
  { family: "fm", name: "train missing", edit: (c) => delete c.train, field: "train" },
  // normalizing flows
  { family: "nf", name: "unknown arch", edit: (c) => (c.model.arch = "ffjord"), field: "model.arch", says: /flow architecture/ },
  { family: "nf", name: "eventShape empty", edit: (c) => (c.model.eventShape = []), field: "model.eventShape" },
  { family: "nf", name: "eventShape 0", edit: (c) => (c.model.eventShape = [0]), field: "model.eventShape[0]" },
  { family: "nf", name: "layers 0", edit: (c) => (c.model.layers = 0), field: "model.layers" },
  { family: "nf", name: "layers a string", edit: (c) => (c.model.layers = "8"), field: "model.layers" },
  { family: "nf", name: "hidden strings", edit: (c) => (c.model.hidden = ["a"]), field: "model.hidden[0]" },
  { family: "nf", name: "unknown activation", edit: (c) => (c.model.activation = "gelu9"), field: "model.activation" },
  { family: "nf", name: "ctxDim negative", edit: (c) => (c.model.ctxDim = -1), field: "model.ctxDim" },
  { family: "nf", name: "actnorm a string", edit: (c) => (c.model.actnorm = "yes"), field: "model.actnorm" },
  { family: "nf", name: "luSeeds fractional", edit: (c) => (c.model.luSeeds = [1.5]), field: "model.luSeeds[0]" },
  { family: "nf", name: "bins 1", edit: (c) => (c.model.bins = 1), field: "model.bins" },
  { family: "nf", name: "std 0", edit: (c) => (c.model.standardizer = { mean: [0, 0], std: [1, 0] }), field: "model.standardizer.std[1]" },
  { family: "nf", name: "negative step", edit: (c) => (c.train.step = -1), field: "train.step" },
  { family: "nf", name: "short rngState", edit: (c) => (c.train.rngState = [1, 2]), field: "train.rngState" },
];

function corrupt(c: Case, i: number): string {
  const src = c.family === "fm" ? fmDir : nfDir;
  const dir = path.join(root, `case-${i}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(src, "weights.safetensors"), path.join(dir, "weights.safetensors"));
  const json = JSON.parse(c.family === "fm" ? fmJson : nfJson) as Json;
  c.edit(json);
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(json, null, 2));
  return dir;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("the uncorrupted checkpoints of both families load", () => {
  using a = loadTrainState(fmDir);
  using b = loadTrainState(nfDir, {}, { kind: "normalizing-flow" });
  assert.equal(a.step, 0);
  assert.equal(b.step, 0);
});

test(`a table of ${cases.length} corruptions: each one CheckpointError line naming the file and the field`, () => {
  assert.ok(cases.length >= 30);
  cases.forEach((c, i) => {
    const dir = corrupt(c, i);
    for (const load of [() => loadTrainState(dir, {}, { kind: "any" }), () => loadModel(dir, { kind: "any" })]) {
      assert.throws(load, (e: unknown) => {
        assert.ok(e instanceof CheckpointError, `${c.name}: ${String((e as Error)?.stack ?? e)}`);
        const m = e.message;
        assert.ok(!m.includes("\n"), `${c.name}: more than one line: ${m}`);
        assert.match(m, new RegExp(`^${esc(dir)}/config\\.json: ${esc(c.field)}: `), `${c.name}: ${m}`);
        if (c.says) assert.match(m, c.says, `${c.name}: ${m}`);
        return true;
      }, c.name);
    }
  });
});

function poisonWeights(src: string, name: string, tensor: (n: string) => boolean, value: number): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(src, "config.json"), path.join(dir, "config.json"));
  const t = decodeSafetensors(new Uint8Array(fs.readFileSync(path.join(src, "weights.safetensors"))));
  const target = Object.keys(t.tensors).filter(tensor).sort()[0]!;
  (t.tensors[target]!.data as Float32Array)[1] = value;
  fs.writeFileSync(path.join(dir, "weights.safetensors"), encodeSafetensors(t.tensors, t.metadata));
  return `${dir}|${target}`;
}

test("non-finite weights (params, ema, optimizer moments) are refused in one line naming the tensor", () => {
  const cases: [string, (n: string) => boolean, number][] = [
    [fmDir, (n) => n.startsWith("params."), NaN],
    [fmDir, (n) => n.startsWith("ema."), Infinity],
    [fmDir, (n) => n.startsWith("opt.v."), -Infinity],
    [nfDir, (n) => n.startsWith("params."), NaN],
    [nfDir, (n) => n.startsWith("opt.m."), NaN],
  ];
  cases.forEach(([src, pick, value], i) => {
    const [dir, tensor] = poisonWeights(src, `nan-${i}`, pick, value).split("|") as [string, string];
    for (const load of [() => loadTrainState(dir, {}, { kind: "any" }), () => loadModel(dir, { kind: "any" })]) {
      assert.throws(load, (e: unknown) => {
        assert.ok(e instanceof CheckpointError, String(e));
        assert.ok(!e.message.includes("\n"));
        assert.match(e.message, new RegExp(`^${esc(dir)}/weights\\.safetensors: tensor ${esc(tensor)} holds ${String(value)}`));
        return true;
      });
    }
  });
});

test("a 0.1 checkpoint still loads (validated after migration)", () => {
  using m = loadModel(new URL("../fixtures/checkpoint-0.1/model", import.meta.url).pathname);
  assert.equal(m.config.net.dim, 2);
});
