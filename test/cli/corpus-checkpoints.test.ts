// The bad-input corpus (issue 12), checkpoints: missing, a file, empty, without weights or config, truncated or
// garbage weights, NaN/Inf weights, invalid JSON, config fields of the wrong type or range, the wrong family (a flow
// where flow matching is needed and back). Each given to sample, eval, plot, reflow and train --resume: exit 2, one
// stderr line naming the checkpoint and the file or field, no internal error, no hang, and every checkpoint
// (the broken ones too: --resume must not write into them) byte-identical afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox } from "../util/cli.js";
import { runCli, runCorpus, type CorpusCase } from "../util/corpus.js";

const { dir } = cliSandbox("flowmatch-corpus-ckpt-");
const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join("\n") + "\n";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A copy of checkpoint `from` as `name`, changed by `edit` (its config.json, parsed) or `files` (raw bytes). */
function variant(from: string, name: string, edit?: (c: Json) => void, files?: (d: string) => void): string {
  cpSync(join(dir, from), join(dir, name), { recursive: true });
  if (edit) {
    const c = JSON.parse(readFileSync(join(dir, name, "config.json"), "utf8")) as Json;
    edit(c);
    writeFileSync(join(dir, name, "config.json"), JSON.stringify(c, null, 2));
  }
  files?.(join(dir, name));
  return name;
}
/** The weights file with every tensor byte set to `byte` (0xff: NaN floats; see inf below). */
function fillWeights(d: string, fill: (data: Buffer) => void): void {
  const buf = readFileSync(join(d, "weights.safetensors"));
  const headerLen = Number(buf.readBigUInt64LE(0));
  fill(buf.subarray(8 + headerLen));
  writeFileSync(join(d, "weights.safetensors"), buf);
}
const nanFill = (b: Buffer) => b.fill(0xff);
const infFill = (b: Buffer) => {
  for (let i = 0; i + 4 <= b.length; i += 4) b.writeFloatLE(Infinity, i);
};

const FM_VARIANTS: [name: string, make: () => void, pattern: RegExp][] = [];
const FLOW_VARIANTS: typeof FM_VARIANTS = [];
const fmv = (name: string, pattern: RegExp, edit?: (c: Json) => void, files?: (d: string) => void) => FM_VARIANTS.push([name, () => variant("ck", name, edit, files), pattern]);
const flv = (name: string, pattern: RegExp, edit?: (c: Json) => void, files?: (d: string) => void) => FLOW_VARIANTS.push([name, () => variant("fk", name, edit, files), pattern]);

fmv("no-weights", /no-weights.*weights\.safetensors/, undefined, (d) => rmSync(join(d, "weights.safetensors")));
fmv("no-config", /no-config.*config\.json/, undefined, (d) => rmSync(join(d, "config.json")));
fmv("trunc", /trunc.*weights\.safetensors/, undefined, (d) => writeFileSync(join(d, "weights.safetensors"), readFileSync(join(d, "weights.safetensors")).subarray(0, 1000)));
fmv("garbage-w", /garbage-w.*weights\.safetensors/, undefined, (d) => writeFileSync(join(d, "weights.safetensors"), Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256))));
fmv("empty-w", /empty-w.*weights\.safetensors/, undefined, (d) => writeFileSync(join(d, "weights.safetensors"), ""));
fmv("nan-w", /nan-w.*weights\.safetensors.*(NaN|non-finite|not finite)/, undefined, (d) => fillWeights(d, nanFill));
fmv("inf-w", /inf-w.*weights\.safetensors.*(Inf|non-finite|not finite)/, undefined, (d) => fillWeights(d, infFill));
fmv("bad-json", /bad-json.*config\.json.*JSON/, undefined, (d) => writeFileSync(join(d, "config.json"), "{not json"));
fmv("empty-json", /empty-json.*config\.json/, undefined, (d) => writeFileSync(join(d, "config.json"), ""));
fmv("json-array", /json-array.*config\.json/, undefined, (d) => writeFileSync(join(d, "config.json"), "[1, 2]"));
fmv("config-dir", /config-dir.*config\.json/, undefined, (d) => (rmSync(join(d, "config.json")), mkdirSync(join(d, "config.json"))));
fmv("dim0", /dim0.*config\.json.*dim/, (c) => (c.model.net.dim = 0));
fmv("dim-str", /dim-str.*config\.json.*dim/, (c) => (c.model.net.dim = "two"));
fmv("hidden-str", /hidden-str.*config\.json.*hidden/, (c) => (c.model.net.hidden = ["a", "b"]));
fmv("activation", /activation.*config\.json.*activation/, (c) => (c.model.net.activation = "swish9"));
fmv("neg-step", /neg-step.*config\.json.*step/, (c) => (c.train.step = -1));
fmv("short-rng", /short-rng.*config\.json.*rngState/, (c) => (c.train.rngState = [1, 2]));
fmv("format", /format.*config\.json.*format/, (c) => (c.format = "something-else"));
fmv("version", /version\/config\.json: formatVersion: expected 1 \(this flowmatch reads version 1\), got 99/, (c) => (c.formatVersion = 99));
fmv("kind", /kind.*config\.json.*kind/, (c) => (c.model.kind = "diffusion"));
fmv("path", /path.*config\.json.*path/, (c) => (c.model.path = "zigzag"));
fmv("std-short", /std-short.*config\.json.*standardizer/, (c) => (c.model.standardizer.std = [1]));
fmv("std-zero", /std-zero.*config\.json.*(std|standardizer)/, (c) => (c.model.standardizer.std = [0, 1]));
fmv("no-model", /no-model\/config\.json: model: expected the model's description, got nothing \(the field is missing\)/, (c) => delete c.model);
fmv("wrong-weights", /wrong-weights\/weights\.safetensors: tensor ema\.net\.layers\.0\.w is missing/, undefined, (d) => cpSync(join(dir, "fk", "weights.safetensors"), join(d, "weights.safetensors")));
fmv("wide-net", /wide-net.*(weights\.safetensors|shape|hidden)/, (c) => (c.model.net.hidden = [16]));
flv("flow-arch", /flow-arch.*config\.json.*arch/, (c) => (c.model.arch = "zigzag"));
flv("flow-layers", /flow-layers.*config\.json.*layers/, (c) => (c.model.layers = 0));
flv("flow-shape", /flow-shape.*config\.json.*eventShape/, (c) => (c.model.eventShape = [-2]));
flv("flow-nan-w", /flow-nan-w.*weights\.safetensors.*(NaN|non-finite|not finite)/, undefined, (d) => fillWeights(d, nanFill));
flv("flow-trunc", /flow-trunc.*weights\.safetensors/, undefined, (d) => writeFileSync(join(d, "weights.safetensors"), readFileSync(join(d, "weights.safetensors")).subarray(0, 500)));
flv("flow-bad-json", /flow-bad-json.*config\.json/, undefined, (d) => writeFileSync(join(d, "config.json"), '{"format": "flowmatch-checkpoint", '));
flv("flow-columns", /flow-columns\/config\.json: model\.columns\[0\]: expected an integer ≥ 0, got "x"/, (c) => (c.model.columns = ["x", 1]));

const sample = (m: string) => ["sample", "--model", m, "--n", "3", "--method", "euler", "--steps", "2", "--out", `s-${m}.csv`];
const evalOf = (m: string) => ["eval", "--model", m, "--data", "d.csv", "--samples", "0", "--method", "rk4", "--steps", "2"];
const plot = (m: string) => ["plot", "--model", m, "--n", "10", "--trajectories", "2", "--method", "euler", "--steps", "2", "--out", `p-${m}.png`];
const reflow = (m: string) => ["reflow", "--model", m, "--pairs", "10", "--steps", "2", "--batch", "8", "-q", "--out", `r-${m}`];
const resume = (m: string) => ["train", "--data", "d.csv", "--steps", "6", "--workers", "1", "--test-points", "0", "-q", "--out", m, "--resume"];
const flowSample = (m: string) => ["sample", "--model", m, "--n", "3", "--out", `s-${m}.csv`];
const flowEval = (m: string) => ["eval", "--model", m, "--data", "d.csv", "--samples", "0"];
const flowResume = (m: string) => ["train", "--model", "realnvp", "--data", "d.csv", "--steps", "6", "-q", "--out", m, "--resume"];

const cases: CorpusCase[] = [];
const others = [evalOf, plot, reflow, resume];
FM_VARIANTS.forEach(([name, , pattern], i) => {
  cases.push([`sample of ${name}`, sample(name), 2, pattern]);
  cases.push([`${others[i % others.length]!(name)[0]} of ${name}`, others[i % others.length]!(name), 2, pattern]);
});
FLOW_VARIANTS.forEach(([name, , pattern], i) => {
  cases.push([`flow sample of ${name}`, flowSample(name), 2, pattern]);
  cases.push([`flow ${i % 2 ? "eval" : "resume"} of ${name}`, (i % 2 ? flowEval : flowResume)(name), 2, pattern]);
});
const MISSING = /nowhere: checkpoint (directory|folder) does not exist/;
cases.push(
  // Not a checkpoint at all.
  ["sample of a missing folder", sample("nowhere"), 2, MISSING],
  ["eval of a missing folder", evalOf("nowhere"), 2, MISSING],
  ["plot of a missing folder", plot("nowhere"), 2, MISSING],
  ["reflow of a missing folder", reflow("nowhere"), 2, MISSING],
  ["sample of a file", sample("d.csv"), 2, /d\.csv: not a directory \(expected a checkpoint directory\)/],
  ["eval of a file", evalOf("d.csv"), 2, /d\.csv: not a directory \(expected a checkpoint directory\)/],
  ["reflow of a file", reflow("d.csv"), 2, /d\.csv: not a directory \(expected a checkpoint directory\)/],
  ["sample of an empty folder", sample("empty"), 2, /empty.*(config\.json|not a checkpoint)/],
  ["plot of an empty folder", plot("empty"), 2, /empty.*(config\.json|not a checkpoint)/],
  ["train --resume of an empty folder", resume("empty"), 2, /empty/],
  // The wrong family.
  ["reflow of a flow", reflow("fk"), 2, /--model fk holds a realnvp normalizing flow; reflow straightens flow-matching models only/],
  ["train --resume (fm) of a flow", resume("fk"), 2, /holds a realnvp normalizing flow, not a flow-matching model; resume it with --model realnvp/],
  ["train --resume (realnvp) of a flow-matching model", flowResume("ck"), 2, /holds a flow-matching model, not a realnvp flow; resume it with --model fm/],
  ["train --resume (nsf) of a realnvp flow", ["train", "--model", "nsf", "--data", "d.csv", "-q", "--out", "fk", "--resume"], 2, /--model nsf conflicts with the checkpoint in fk, saved with realnvp/],
  // A model of another dimension given data of this one.
  ["eval of a 3-D model on 2-D data", evalOf("ck3"), 2, /d\.csv has 2 columns but the model in ck3 has dimension 3/],
  ["plot of a 3-D model on 2-D data", [...plot("ck3"), "--data", "d.csv"], 2, /d\.csv has 2 data columns but the model has dimension 3/],
  ["flow eval of a 3-D flow on 2-D data", flowEval("fk3"), 2, /d\.csv has 2 columns but the model reads 3/],
  ["train --resume of a 3-D model on 2-D data", resume("ck3"), 2, /d\.csv has 2 data columns but the model has dimension 3/],
  ["flow --resume of a 3-D flow on 2-D data", flowResume("fk3"), 2, /d\.csv: column index 2 is out of range \(the file has 2 columns, 0-based\)/],
);

test(`checkpoint corpus: ${cases.length} broken or mismatched checkpoints`, async () => {
  writeFileSync(join(dir, "d.csv"), "x,y\n" + rows(64, (i) => `${Math.sin(i).toFixed(4)},${Math.cos(3 * i).toFixed(4)}`));
  writeFileSync(join(dir, "d3.csv"), "a,b,c\n" + rows(64, (i) => `${Math.sin(i).toFixed(4)},${Math.cos(3 * i).toFixed(4)},${Math.sin(7 * i).toFixed(4)}`));
  const fixtures = [
    ["train", "--data", "d.csv", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "ck"],
    ["train", "--model", "realnvp", "--data", "d.csv", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q", "--out", "fk"],
    ["train", "--data", "d3.csv", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "ck3"],
    ["train", "--model", "realnvp", "--data", "d3.csv", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q", "--out", "fk3"],
  ];
  for (const args of fixtures) {
    const r = await runCli(dir, args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
  }
  for (const [, make] of [...FM_VARIANTS, ...FLOW_VARIANTS]) make();
  mkdirSync(join(dir, "empty"));
  const protectedPaths = ["ck", "fk", "ck3", "fk3", "empty", "d.csv", ...[...FM_VARIANTS, ...FLOW_VARIANTS].map(([n]) => n)];
  await runCorpus(dir, protectedPaths, cases);
});
