// The bad-input corpus (issue 12), flags: every numeric flag of every command given values out of range or not
// numbers at all (0, negatives, fractions, NaN, Infinity, 1e400, hex, empty), unknown and value-less flags, unknown
// names (--method, --model, --activation, --path, --objective, --divergence, …), conditions that do not fit the
// model (--cond, --label, --context). Each: exit 2, one stderr line naming the flag and the value, no internal
// error, no hang, and the checkpoints and data byte-identical afterwards.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliSandbox } from "../util/cli.js";
import { runCli, runCorpus, type CorpusCase } from "../util/corpus.js";

const { dir } = cliSandbox("flowmatch-corpus-flags-");
const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join("\n") + "\n";
const PROTECTED = ["ck", "fk", "cck", "cfk", "xfk", "d.csv", "d3.csv"];

let outs = 0;
const base: Record<string, () => string[]> = {
  train: () => ["train", "--data", "d.csv", "--steps", "2", "--batch", "8", "--hidden", "4", "--test-points", "0", "--workers", "1", "-q", "--out", `o${++outs}`],
  flow: () => ["train", "--model", "realnvp", "--data", "d.csv", "--steps", "2", "--batch", "8", "--layers", "1", "--hidden", "4", "-q", "--out", `o${++outs}`],
  sample: () => ["sample", "--model", "ck", "--n", "5", "--method", "euler", "--steps", "2", "--out", `s${++outs}.csv`],
  "flow sample": () => ["sample", "--model", "fk", "--n", "5", "--out", `s${++outs}.csv`],
  plot: () => ["plot", "--model", "ck", "--n", "20", "--trajectories", "2", "--method", "euler", "--steps", "2", "--out", `p${++outs}.png`],
  "flow plot": () => ["plot", "--model", "fk", "--n", "20", "--out", `p${++outs}.png`],
  eval: () => ["eval", "--model", "ck", "--data", "d.csv", "--samples", "0", "--method", "rk4", "--steps", "2"],
  "flow eval": () => ["eval", "--model", "fk", "--data", "d.csv", "--samples", "0"],
  reflow: () => ["reflow", "--model", "ck", "--pairs", "10", "--steps", "2", "--batch", "8", "-q", "--out", `r${++outs}`],
  demo: () => ["demo", "--steps", "2", "--workers", "1", "-q", "--out", `demo${++outs}`],
};

// Bad values by rule: each flag takes the next of its rule's list, so every value is used end to end here;
// flag-rules.test.ts tries every value on every flag in-process.
const BAD = {
  count: ["0", "-3", "1.5", "NaN", "Infinity", "1e400", "abc", "", "0x10", "2e", "1,000"],
  count0: ["-1", "2.5", "NaN", "-Infinity", "1e400", "x", "", " ", "0b11"],
  positive: ["0", "-0.1", "NaN", "Infinity", "1e400", "abc", "", "1e-400", "--"],
  nonneg: ["-1", "NaN", "Infinity", "1e400", "", "abc", "-1e-9"],
  fraction: ["1", "1.5", "-0.1", "NaN", "Infinity", "", "50%"],
  probability: ["1.01", "-0.5", "NaN", "2", "", "1e400"],
  finite: ["NaN", "Infinity", "-1e400", "abc", "", "1..2"],
  tolerance: ["0", "1e-300", "-1e-5", "2", "NaN", "", "1e-13"],
  seed: ["-1", "1.5", "4294967296", "NaN", "1e400", "", "seven"],
  bins: ["1", "0", "2.5", "NaN", "", "-4"],
} as const;
type Rule = keyof typeof BAD;

const numeric: [cmd: string, flag: string, rule: Rule][] = [
  ["train", "steps", "count"], ["train", "batch", "count"], ["train", "lr", "positive"], ["train", "seed", "seed"],
  ["train", "checkpoint-every", "count0"], ["train", "ema-decay", "fraction"], ["train", "t-mean", "finite"], ["train", "t-std", "positive"], ["train", "t-uniform", "probability"],
  ["train", "sinkhorn-reg", "positive"], ["train", "sb-sigma", "nonneg"], ["train", "cond-dropout", "probability"], ["train", "mle-steps", "count"],
  ["train", "mle-tol", "tolerance"], ["train", "probes", "count"], ["train", "kinetic", "nonneg"], ["train", "jacobian", "nonneg"],
  ["train", "workers", "count"], ["train", "test-fraction", "fraction"], ["train", "test-points", "count0"],
  ["flow", "steps", "count"], ["flow", "batch", "count"], ["flow", "lr", "positive"], ["flow", "layers", "count"], ["flow", "levels", "count"],
  ["flow", "bins", "bins"], ["flow", "seed", "seed"], ["flow", "checkpoint-every", "count0"], ["flow", "ema-decay", "fraction"],
  ["flow", "warmup", "count0"], ["flow", "test-fraction", "fraction"],
  ["sample", "n", "count"], ["sample", "steps", "count"], ["sample", "rtol", "tolerance"], ["sample", "atol", "tolerance"], ["sample", "seed", "seed"],
  ["sample", "guidance", "finite"], ["flow sample", "n", "count"], ["flow sample", "seed", "seed"], ["flow sample", "temperature", "nonneg"],
  ["plot", "n", "count"], ["plot", "trajectories", "count0"], ["plot", "steps", "count"], ["plot", "rtol", "tolerance"], ["plot", "seed", "seed"],
  ["flow plot", "n", "count"], ["flow plot", "temperature", "nonneg"],
  ["eval", "n", "count"], ["eval", "probes", "count"], ["eval", "steps", "count"], ["eval", "rtol", "tolerance"], ["eval", "atol", "tolerance"], ["eval", "rtol", "tolerance"],
  ["eval", "samples", "count0"], ["eval", "seed", "seed"], ["flow eval", "n", "count"], ["flow eval", "samples", "count0"],
  ["reflow", "pairs", "count"], ["reflow", "steps", "count"], ["reflow", "lr", "positive"], ["reflow", "batch", "count"], ["reflow", "seed", "seed"],
  ["demo", "steps", "count"], ["demo", "seed", "seed"], ["demo", "workers", "count"],
];

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const used = new Map<Rule, number>();
const cases: CorpusCase[] = [];
for (const [cmd, flag, rule] of numeric) {
  for (let k = 0; k < 1; k++) {
    const i = used.get(rule) ?? 0;
    used.set(rule, i + 1);
    const value = BAD[rule][i % BAD[rule].length]!;
    // "--flag=value" keeps values such as "--" and "" attached to their flag.
    cases.push([`${cmd} --${flag} "${value}"`, [...base[cmd]!(), `--${flag}=${value}`], 2, new RegExp(`--${esc(flag)} must be .*, got "${esc(value)}"`)]);
  }
}

const unknownFlag = /Unknown option '--bogus'.*\(see flowmatch \w+ --help\)/;
const missing = (flag: string) => new RegExp(`Option '--${flag} <value>' argument missing.*\\(see flowmatch \\w+ --help\\)`);
cases.push(
  // Unknown flags, a flag without its value, a stray positional argument.
  ...Object.entries(base).map(([cmd, args]): CorpusCase => [`${cmd}: unknown flag`, [...args(), "--bogus", "1"], 2, unknownFlag]),
  ["train: --steps without a value", [...base.train!(), "--steps"], 2, missing("steps")],
  ["flow: --layers without a value", [...base.flow!(), "--layers"], 2, missing("layers")],
  ["sample: --n without a value", [...base.sample!(), "--n"], 2, missing("n")],
  ["eval: --data without a value", ["eval", "--model", "ck", "--data"], 2, missing("data")],
  ["reflow: --model without a value", ["reflow", "--model"], 2, missing("model")],
  ["plot: --out without a value", ["plot", "--model", "ck", "--out"], 2, missing("out")],
  ["train: a stray argument", [...base.train!(), "extra"], 2, /Unexpected argument 'extra'/],
  ["sample: a stray argument", [...base.sample!(), "moons"], 2, /Unexpected argument 'moons'/],
  ["an unknown command", ["trian", "--data", "moons"], 2, /unknown command "trian"; valid commands: demo, train, sample, plot, eval, reflow/],
  // Required flags.
  ["train without --data", ["train", "--out", "o-nodata"], 2, /--data is required/],
  ["sample without --model", ["sample", "--n", "3"], 2, /--model DIR is required/],
  ["plot without --model", ["plot"], 2, /--model DIR is required/],
  ["eval without --data", ["eval", "--model", "ck"], 2, /--data is required/],
  ["reflow without --model", ["reflow", "--out", "r-none"], 2, /--model DIR is required/],
  // Unknown names.
  ["sample --method foo", [...base.sample!(), "--method", "foo"], 2, /--method must be one of euler, midpoint, heun, rk4, dopri5, got "foo"/],
  ["plot --method foo", [...base.plot!(), "--method", "foo"], 2, /--method must be one of .*, got "foo"/],
  ["eval --method foo", [...base.eval!(), "--method", "foo"], 2, /--method must be one of .*, got "foo"/],
  ["flow sample --method euler", [...base["flow sample"]!(), "--method", "euler"], 2, /--method applies to flow-matching models; fk holds a normalizing flow/],
  ["flow sample --steps 10", [...base["flow sample"]!(), "--steps", "10"], 2, /--steps applies to flow-matching models; fk holds a normalizing flow/],
  ["flow plot --method rk4", [...base["flow plot"]!(), "--method", "rk4"], 2, /--method applies to flow-matching models/],
  ["sample --temperature on a flow-matching model", [...base.sample!(), "--temperature", "2"], 2, /--temperature applies to normalizing flows; ck holds a flow-matching model/],
  ["plot --temperature on a flow-matching model", [...base.plot!(), "--temperature", "0.5"], 2, /--temperature applies to normalizing flows/],
  ["flow sample --guidance", [...base["flow sample"]!(), "--guidance", "1"], 2, /--guidance applies to flow-matching models; fk holds a normalizing flow/],
  ["flow plot --trajectories 5", [...base["flow plot"]!(), "--trajectories", "5"], 2, /--trajectories applies to flow-matching models/],
  ["train --model foo", [...base.train!(), "--model", "foo"], 2, /unknown --model "foo"; valid: fm, .*realnvp/],
  ["train --model ''", [...base.train!(), "--model="], 2, /unknown --model ""; valid: fm/],
  ["train --activation foo", [...base.train!(), "--activation", "foo"], 2, /unknown activation "foo"; valid: .*silu/],
  ["train --path foo", [...base.train!(), "--path", "foo"], 2, /unknown path "foo"; valid paths: condot, poly, cosine, vp, linear-vp, condot-sigma-min/],
  ["train --objective foo", [...base.train!(), "--objective", "foo"], 2, /--objective must be fm or mle, got "foo"/],
  ["train --divergence foo", [...base.train!(), "--objective", "mle", "--divergence", "foo"], 2, /--divergence must be exact or hutchinson, got "foo"/],
  ["train --schedule foo", [...base.train!(), "--schedule", "foo"], 2, /--schedule must be one of constant, warmup, cosine, got "foo"/],
  ["flow --schedule foo", [...base.flow!(), "--schedule", "foo"], 2, /--schedule must be one of constant, warmup, cosine, got "foo"/],
  ["train --time-sampling foo", [...base.train!(), "--time-sampling", "foo"], 2, /--time-sampling must be uniform or logit-normal, got "foo"/],
  ["train --prediction foo", [...base.train!(), "--prediction", "foo"], 2, /--prediction must be one of velocity, x1, eps, got "foo"/],
  ["train --coupling foo", [...base.train!(), "--coupling", "foo"], 2, /coupling "foo"; valid couplings: independent, ot, sinkhorn, sb/],
  ["train --mle-solver foo", [...base.train!(), "--objective", "mle", "--mle-solver", "foo"], 2, /--mle-solver must be one of euler, midpoint, heun, rk4, dopri5, got "foo"/],
  ["train --cond-type foo", [...base.train!(), "--cond", "x", "--cond-type", "foo"], 2, /--cond-type must be class or context, got "foo"/],
  ["train --hidden 8,,8", [...base.train!(), "--hidden", "8,,8"], 2, /--hidden must be comma-separated positive integers/],
  ["train --hidden 0", [...base.train!(), "--hidden", "0"], 2, /--hidden must be comma-separated positive integers/],
  ["flow --hidden -4", [...base.flow!(), "--hidden", "-4"], 2, /--hidden must be comma-separated positive integers/],
  ["flow --variant foo", ["train", "--model", "nsf", "--data", "d.csv", "--steps", "2", "-q", "--out", "o-variant", "--variant", "foo"], 2, /--variant must be coupling or autoregressive, got "foo"/],
  ["flow --base foo", [...base.flow!(), "--base", "foo"], 2, /--base must be standard or diagonal, got "foo"/],
  ["flow --dequantize 1", [...base.flow!(), "--dequantize", "1"], 2, /--dequantize must be auto, off or a level count ≥ 2, got "1"/],
  ["flow --columns a-b", [...base.flow!(), "--columns", "a-b"], 2, /--columns must look like 0-63 or 0,2,5, got "a-b"/],
  ["flow --columns 5", [...base.flow!(), "--columns", "5"], 2, /d\.csv: column index 5 is out of range \(the file has 2 columns, 0-based\)/],
  ["flow --image on realnvp", [...base.flow!(), "--image", "2,1,1"], 2, /--image H,W,C is for --model glow/],
  ["glow --image of the wrong size", ["train", "--model", "glow", "--data", "d.csv", "--steps", "2", "-q", "--out", "o-img", "--image", "4,4,1"], 2, /--image 4,4,1 has 16 values but d\.csv rows have 2/],
  ["eval --divergence foo", [...base.eval!(), "--divergence", "foo"], 2, /--divergence must be exact or hutchinson, got "foo"/],
  ["demo --data foo", [...base.demo!(), "--data", "foo"], 2, /unknown data "foo"/],
  ["train --workers lots", [...base.train!(), "--workers", "lots"], 2, /--workers must be .*got "lots"/],
  // Conditions that do not fit the data or the model.
  ["train --cond not in the file", [...base.train!(), "--cond", "z"], 2, /d\.csv: no column "z"; columns: x, y/],
  ["flow --cond not in the file", [...base.flow!(), "--cond", "z"], 2, /d\.csv: no column "z"; columns: x, y/],
  ["train --cond out of range", [...base.train!(), "--cond", "7"], 2, /d\.csv: no column "7"/],
  ["train --cond on a toy without modes", ["train", "--data", "moons", "--steps", "2", "-q", "--out", "o-moons", "--cond", "mode"], 2, /moons.*(mode|cond)/],
  ["train --cond-type without --cond", [...base.train!(), "--cond-type", "class"], 2, /--cond-type needs --cond/],
  ["sample --label on an unconditional model", [...base.sample!(), "--label", "1"], 2, /unconditional/],
  ["plot --label on an unconditional model", [...base.plot!(), "--label", "1"], 2, /unconditional/],
  ["flow sample --label on an unconditional flow", [...base["flow sample"]!(), "--label", "1"], 2, /this flow is unconditional: --label and --context do not apply/],
  ["flow sample --context on an unconditional flow", [...base["flow sample"]!(), "--context", "1"], 2, /this flow is unconditional/],
  ["sample --label unknown", ["sample", "--model", "cck", "--n", "4", "--method", "euler", "--steps", "2", "--label", "9"], 2, /label "?9"?.*(known|valid|labels).*0, 1, 2/],
  ["flow sample --label unknown", ["sample", "--model", "cfk", "--n", "4", "--label", "9"], 2, /label "?9"?.*0, 1, 2/],
  ["flow sample --context on a class flow", ["sample", "--model", "cfk", "--n", "4", "--context", "1"], 2, /conditioned on class labels: pass --label \(0, 1, 2\)/],
  ["sample --context on a flow-matching model", ["sample", "--model", "cck", "--n", "4", "--context", "1"], 2, /--context is for conditional normalizing flows/],
  ["flow sample --context of the wrong length", ["sample", "--model", "xfk", "--n", "4", "--context", "1,2"], 2, /--context: expected 1 comma-separated numbers?, got "1,2"/],
  ["flow sample --context NaN", ["sample", "--model", "xfk", "--n", "4", "--context", "NaN"], 2, /--context: expected 1 comma-separated numbers?, got "NaN"/],
  ["flow sample --context empty", ["sample", "--model", "xfk", "--n", "4", "--context="], 2, /--context: expected 1 comma-separated numbers?, got ""/],
  ["flow sample: a context flow without --context", ["sample", "--model", "xfk", "--n", "4"], 2, /this flow is conditional: pass --context with 1 comma-separated value/],
  ["flow plot --context of the wrong length", ["plot", "--model", "xfk", "--n", "10", "--context", "1,2,3", "--out", "p-ctx.png"], 2, /--context: expected 1/],
  ["eval of a conditional model on data without its column", ["eval", "--model", "cck", "--data", "d.csv", "--samples", "0", "--method", "rk4", "--steps", "2"], 2, /d\.csv: no column "c"; columns: x, y/],
  ["sample --guidance on an unconditional model", [...base.sample!(), "--guidance", "2"], 2, /this model is unconditional: drop the label\/context\/guidance/],
  ["plot --guidance on an unconditional model", [...base.plot!(), "--guidance", "1"], 2, /this model is unconditional: drop the label\/context\/guidance/],
  // A file output that would destroy an input of the same command.
  ["eval --logp-out = --data", [...base.eval!(), "--logp-out", "d.csv"], 2, /--logp-out d\.csv is the --data input; writing it would replace it/],
  ["eval --logp-out = --data, another spelling", [...base.eval!(), "--logp-out", "./ck/../d.csv"], 2, /is the --data input/],
  ["flow eval --logp-out = --data", [...base["flow eval"]!(), "--logp-out", "d.csv"], 2, /is the --data input/],
  ["eval --logp-out inside the checkpoint", [...base.eval!(), "--logp-out", "ck/logp.csv"], 2, /--logp-out ck\/logp\.csv is inside the --model checkpoint ck/],
  ["sample --out the checkpoint's config.json", [...base.sample!(), "--out", "ck/config.json"], 2, /--out ck\/config\.json is inside the --model checkpoint ck/],
  ["sample --out the checkpoint's weights", [...base.sample!(), "--out", "ck/weights.safetensors"], 2, /is inside the --model checkpoint ck/],
  ["flow sample --out the flow's config.json", [...base["flow sample"]!(), "--out", "fk/config.json"], 2, /is inside the --model checkpoint fk/],
  ["plot --out inside the checkpoint", [...base.plot!(), "--out", "ck/fig.png"], 2, /is inside the --model checkpoint ck/],
  ["plot --out = --data", [...base.plot!(), "--data", "d.csv", "--out", "d.csv"], 2, /--out d\.csv is the --data input/],
  ["flow eval of a conditional flow on data without its column", ["eval", "--model", "cfk", "--data", "d.csv", "--samples", "0"], 2, /d\.csv: no column "c"; columns: x, y/],
);

test(`flags corpus: ${cases.length} bad flags across every command`, async () => {
  writeFileSync(join(dir, "d.csv"), "x,y\n" + rows(64, (i) => `${Math.sin(i).toFixed(4)},${Math.cos(3 * i).toFixed(4)}`));
  writeFileSync(join(dir, "d3.csv"), "a,b,c\n" + rows(60, (i) => `${Math.sin(i).toFixed(4)},${Math.cos(3 * i).toFixed(4)},${i % 3}`));
  const fixtures = [
    ["train", "--data", "d.csv", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "ck"],
    ["train", "--model", "realnvp", "--data", "d.csv", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q", "--out", "fk"],
    ["train", "--data", "d3.csv", "--cond", "c", "--steps", "3", "--batch", "16", "--hidden", "8", "--test-points", "0", "--workers", "1", "-q", "--out", "cck"],
    ["train", "--model", "realnvp", "--data", "d3.csv", "--cond", "c", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q", "--out", "cfk"],
    ["train", "--model", "realnvp", "--data", "d3.csv", "--cond", "c", "--cond-type", "context", "--steps", "3", "--batch", "16", "--layers", "1", "--hidden", "4", "-q", "--out", "xfk"],
  ];
  for (const args of fixtures) {
    const r = await runCli(dir, args);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
  }
  assert.ok(cases.length >= 130, `${cases.length} cases`);
  await runCorpus(dir, PROTECTED, cases);
});
