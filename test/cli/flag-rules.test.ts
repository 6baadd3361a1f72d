// Every flag of every command has a rule or is free-form on purpose, and every rule refuses every bad value with
// one message naming the flag and the value (in-process: the corpus runs one value per flag end to end).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCommand, type CommandSpec } from "../../src/cli/args.js";
import { NUMBER_RULES, CHOICE_RULES, checkNumber, describeRule } from "../../src/cli/flag-rules.js";
import { OptionError } from "../../src/errors.js";
import { trainSpec } from "../../src/cli/commands/train.js";
import { flowTrainSpec } from "../../src/cli/commands/train-flow.js";
import { sampleSpec } from "../../src/cli/commands/sample.js";
import { plotSpec } from "../../src/cli/commands/plot.js";
import { evalSpec } from "../../src/cli/commands/eval.js";
import { reflowSpec } from "../../src/cli/commands/reflow.js";
import { demoSpec } from "../../src/cli/commands/demo.js";
import { exportSpec } from "../../src/cli/commands/export.js";
import { importSpec } from "../../src/cli/commands/import.js";

const SPECS: CommandSpec[] = [trainSpec, flowTrainSpec, sampleSpec, plotSpec, evalSpec, reflowSpec, demoSpec, exportSpec, importSpec];
/** Flags with their own parser (lists, paths, names checked against a file, a registry or a checkpoint). */
const FREE_FORM = new Set(["data", "out", "model", "hidden", "activation", "cond", "columns", "image", "dequantize", "context", "label", "path", "coupling", "pairing", "logp-out", "onnx", "inputs"]);
const BAD = ["", " ", "abc", "NaN", "nan", "Infinity", "-Infinity", "1e400", "-1e400", "0x10", "0b11", "1,5", "1..2", "2e", "--", "1 2"];

test("every string flag of every command has a rule or its own parser", () => {
  for (const spec of SPECS)
    for (const [flag, o] of Object.entries(spec.options)) {
      if (o.type !== "string") continue;
      assert.ok(NUMBER_RULES[flag] || CHOICE_RULES[flag] || FREE_FORM.has(flag), `${spec.name} --${flag} has no rule`);
      // Defaults obey their own rules.
      if (o.default !== undefined) assert.doesNotThrow(() => parseCommand(spec, []), `${spec.name} defaults`);
    }
});

test("numeric flags: non-numbers, out-of-range values and fractions are refused with the flag, the rule and the value", () => {
  let checked = 0;
  for (const spec of SPECS)
    for (const [flag, o] of Object.entries(spec.options)) {
      const rule = NUMBER_RULES[flag];
      if (o.type !== "string" || !rule) continue;
      const bad = [...BAD];
      if (rule.min !== undefined) bad.push(String(rule.min - 1), String(rule.min - 1e-9));
      if (rule.above !== undefined) bad.push(String(rule.above), "1e-400");
      if (rule.max !== undefined) bad.push(String(rule.max + 1));
      if (rule.below !== undefined) bad.push(String(rule.below));
      if (rule.int) bad.push("1.5", "2.000001");
      for (const value of bad) {
        assert.throws(() => parseCommand(spec, [`--${flag}=${value}`]), (e: unknown) => {
          assert.ok(e instanceof OptionError, `${spec.name} --${flag}=${value}: ${String(e)}`);
          assert.equal(e.message, `--${flag} must be ${describeRule(rule)}, got "${value}"`);
          return true;
        }, `${spec.name} --${flag}=${value} accepted`);
        checked++;
      }
    }
  assert.ok(checked > 1000, `${checked}`);
});

test("numbers in range parse to their decimal value; rules read as the help would say them", () => {
  assert.equal(checkNumber("lr", "2e-3", NUMBER_RULES.lr!), 0.002);
  assert.equal(checkNumber("seed", "4294967295", NUMBER_RULES.seed!), 4294967295);
  assert.equal(checkNumber("t-mean", "-0.5", NUMBER_RULES["t-mean"]!), -0.5);
  assert.equal(checkNumber("steps", " 7 ", NUMBER_RULES.steps!), 7);
  assert.equal(describeRule(NUMBER_RULES.steps!), "an integer ≥ 1");
  assert.equal(describeRule(NUMBER_RULES["ema-decay"]!), "a number in [0, 1)");
  assert.equal(describeRule(NUMBER_RULES.seed!), "an integer in [0, 4294967295]");
  assert.equal(describeRule(NUMBER_RULES.lr!), "a number > 0");
  assert.equal(describeRule(NUMBER_RULES.workers!), "an integer ≥ 1 or auto");
  // A negative value as its own argument (--t-mean -0.5) is a value, not a flag.
  assert.equal(parseCommand(trainSpec, ["--t-mean", "-0.5"])!["t-mean"], "-0.5");
});

test("named flags: anything outside the list is refused, listing it", () => {
  for (const spec of SPECS)
    for (const [flag, o] of Object.entries(spec.options)) {
      const choices = CHOICE_RULES[flag];
      if (o.type !== "string" || !choices) continue;
      for (const value of ["foo", "", choices[0]!.toUpperCase(), ` ${choices[0]}`]) {
        assert.throws(() => parseCommand(spec, [`--${flag}=${value}`]), new RegExp(`^OptionError: --${flag} must be .*${choices.at(-1)}, got "${value}"$`));
      }
      for (const value of choices) assert.equal(parseCommand(spec, [`--${flag}=${value}`])![flag], value);
    }
});
