/**
 * What every numeric and named flag of the CLI accepts, in one table keyed by the flag's name (a name means the same
 * thing in every command: --steps is always a count, --seed always a 32-bit seed). `parseCommand` checks each flag
 * a command has against this table before the command runs, so a bad value is one line naming the flag, the rule
 * and the value as typed, before any file is read or any work starts. Numbers must be written as decimal numbers:
 * JavaScript's Number() would take "" and " " as 0, "0x10" as 16 and "1e400" as Infinity.
 */
import { OptionError } from "../errors.js";

/** A number: optional sign, digits with an optional fraction, an optional exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The value of a decimal number string, or NaN for anything else (hex, empty, "NaN", "Infinity"). */
export function parseDecimal(raw: string): number {
  const t = raw.trim();
  return DECIMAL.test(t) ? Number(t) : NaN;
}

export interface NumberRule {
  int?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower / upper bounds. */
  above?: number;
  below?: number;
  /** Words accepted besides numbers (e.g. "auto"). */
  words?: readonly string[];
}

const count: NumberRule = { int: true, min: 1 };
const count0: NumberRule = { int: true, min: 0 };
const positive: NumberRule = { above: 0 };
const nonneg: NumberRule = { min: 0 };
const fraction: NumberRule = { min: 0, below: 1 };
const share: NumberRule = { min: 0, max: 1 };
const finite: NumberRule = {};
/** Solver tolerances: below 1e-12 no float32 (or float64) solve can meet them, and dopri5 would step forever. */
const tolerance: NumberRule = { min: 1e-12, max: 1 };
/** Seeds are used as uint32: 2^32 would silently give the stream of seed 0. */
export const SEED_RULE: NumberRule = { int: true, min: 0, max: 0xffffffff };

export const NUMBER_RULES: Readonly<Record<string, NumberRule>> = {
  steps: count, batch: count, n: count, pairs: count, layers: count, levels: count, probes: count, "mle-steps": count,
  "net-width": count, "net-depth": count,
  bins: { int: true, min: 2 },
  "checkpoint-every": count0, warmup: count0, trajectories: count0, "test-points": count0, samples: count0,
  lr: positive, "data-scale": positive, "t-std": positive, "sinkhorn-reg": positive, "mle-tol": tolerance, rtol: tolerance, atol: tolerance,
  "sb-sigma": nonneg, kinetic: nonneg, "clip-norm": nonneg, jacobian: nonneg, temperature: nonneg,
  "ema-decay": fraction, "cond-dropout": fraction, "test-fraction": fraction,
  "t-mean": finite, guidance: finite, "t-uniform": share,
  seed: SEED_RULE,
  workers: { int: true, min: 1, words: ["auto"] },
  // flowmatch import: the data dimension, the classes of a label input and the graph's own ∅ label value.
  dim: count, classes: count, "null-label": { int: true },
};

export const CHOICE_RULES: Readonly<Record<string, readonly string[]>> = {
  objective: ["fm", "mle"],
  divergence: ["exact", "hutchinson"],
  schedule: ["constant", "warmup", "cosine"],
  "time-sampling": ["uniform", "logit-normal"],
  prediction: ["velocity", "x1", "eps"],
  "mle-solver": ["euler", "midpoint", "heun", "rk4", "dopri5"],
  method: ["euler", "midpoint", "heun", "rk4", "dopri5"],
  "cond-type": ["class", "context"],
  variant: ["coupling", "autoregressive"],
  base: ["standard", "diagonal"],
  "time-embedding": ["sinusoidal", "none"],
  standardize: ["column", "global", "none"],
  sampler: ["euler", "midpoint", "rk4"],
  graph: ["logp", "sampler"],
  backend: ["wasm", "onnx", "auto"],
  net: ["mlp", "unet"],
};

/** "an integer ≥ 1", "a number in [0, 1)", "an integer in [0, 4294967295]", "a number > 0", with "or auto". */
export function describeRule(r: NumberRule): string {
  const what = r.int ? "an integer" : "a number";
  const lo = r.min !== undefined ? `[${r.min}` : r.above !== undefined ? `(${r.above}` : undefined;
  const hi = r.max !== undefined ? `${r.max}]` : r.below !== undefined ? `${r.below})` : undefined;
  let range = "";
  if (lo && hi) range = ` in ${lo}, ${hi}`;
  else if (r.min !== undefined) range = ` ≥ ${r.min}`;
  else if (r.above !== undefined) range = ` > ${r.above}`;
  else if (r.max !== undefined) range = ` ≤ ${r.max}`;
  else if (r.below !== undefined) range = ` < ${r.below}`;
  else range = " (finite)";
  return `${what}${range}${r.words?.length ? ` or ${r.words.join(" or ")}` : ""}`;
}

/** The value of `raw` under rule `r`, or an OptionError naming `--flag`, the rule and the value as typed. */
export function checkNumber(flag: string, raw: string, r: NumberRule): number {
  const v = parseDecimal(raw);
  const ok =
    Number.isFinite(v) && (!r.int || Number.isInteger(v)) && (r.min === undefined || v >= r.min) && (r.max === undefined || v <= r.max) &&
    (r.above === undefined || v > r.above) && (r.below === undefined || v < r.below);
  if (!ok) throw new OptionError(`--${flag} must be ${describeRule(r)}, got "${raw}"`);
  return v;
}

/** "a or b" / "one of a, b, c". */
export function describeChoices(c: readonly string[]): string {
  return c.length === 2 ? `${c[0]} or ${c[1]}` : `one of ${c.join(", ")}`;
}

/** Checks every flag in `values` that has a rule (numbers and names); the first bad one throws. */
export function checkFlagValues(values: Record<string, unknown>): void {
  for (const [flag, raw] of Object.entries(values)) {
    if (typeof raw !== "string") continue;
    const rule = NUMBER_RULES[flag];
    if (rule && !rule.words?.includes(raw)) checkNumber(flag, raw, rule);
    const choices = CHOICE_RULES[flag];
    if (choices && !choices.includes(raw)) throw new OptionError(`--${flag} must be ${describeChoices(choices)}, got "${raw}"`);
  }
}
