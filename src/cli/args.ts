/**
 * Argument parsing on node:util's parseArgs, with errors that name the option (exit 2 via OptionError), and the
 * options several commands share (solver flags, conditions).
 */
import { parseArgs } from "node:util";
import { availableParallelism } from "node:os";
import { OptionError } from "../errors.js";
import type { Flow } from "../flows/model.js";
import { flowContext } from "../flows/flow-config.js";
import { uniformLabelContext } from "../flows/context.js";
import { labelIndex } from "../fm/conditioning.js";
import type { CondSpec } from "../data/data-source.js";
import { checkFlagValues, parseDecimal } from "./flag-rules.js";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  help: string;
  default?: string;
}
export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
}

export function helpText(c: CommandSpec): string {
  const lines = [`${c.summary}`, "", `Usage: ${c.usage}`, "", "Options:"];
  const opts = { ...c.options, help: { type: "boolean", short: "h", help: "show this help" } as OptionSpec };
  for (const [k, o] of Object.entries(opts)) {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${k}${o.type === "string" ? " <value>" : ""}`;
    lines.push(`  ${flag.padEnd(30)} ${o.help}${o.default !== undefined ? ` (default ${o.default})` : ""}`);
  }
  if (c.examples?.length) lines.push("", "Examples:", ...c.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/**
 * `--name -0.5` → `--name=-0.5` for string options: parseArgs would read a value that starts with "-" as an option
 * ("argument is ambiguous"), which rules out negative numbers such as `--t-mean -0.5`.
 */
function joinNegativeValues(argv: string[], options: Record<string, { type: string; short?: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, next = argv[i + 1];
    if (a.startsWith("--") && options[a.slice(2)]?.type === "string" && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Parses argv for a command; returns null after printing help. */
export function parseCommand(c: CommandSpec, argv: string[]): Record<string, string | boolean | undefined> | null {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = { help: { type: "boolean", short: "h" } };
  for (const [k, o] of Object.entries(c.options)) options[k] = o.short ? { type: o.type, short: o.short } : { type: o.type };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: false, strict: true }) as { values: Record<string, string | boolean | undefined> });
  } catch (e) {
    throw new OptionError(`${(e as Error).message.split("\n")[0]} (see flowmatch ${c.name} --help)`);
  }
  if (values.help) {
    console.log(helpText(c));
    return null;
  }
  for (const [k, o] of Object.entries(c.options)) if (values[k] === undefined && o.default !== undefined) values[k] = o.default;
  checkFlagValues(values); // every number and name against its rule (flag-rules.ts), before any work
  return values;
}

export function num(values: Record<string, unknown>, key: string, opts: { int?: boolean; min?: number } = {}): number | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const v = parseDecimal(String(raw));
  if (!Number.isFinite(v) || (opts.int && !Number.isInteger(v)) || (opts.min !== undefined && v < opts.min)) {
    throw new OptionError(`--${key} must be ${opts.int ? "an integer" : "a number"}${opts.min !== undefined ? ` ≥ ${opts.min}` : ""}, got "${String(raw)}"`);
  }
  return v;
}

export function intList(values: Record<string, unknown>, key: string): number[] | undefined {
  const raw = values[key];
  if (raw === undefined) return undefined;
  const parts = String(raw).split(",").map(parseDecimal);
  if (!parts.length || parts.some((p) => !Number.isInteger(p) || p < 1)) {
    throw new OptionError(`--${key} must be comma-separated positive integers (e.g. 256,256,256), got "${String(raw)}"`);
  }
  return parts;
}

/**
 * `--workers`: a positive integer, or "auto" — this machine's cores, at most 4 (shards of a 512 batch get too thin
 * beyond that), and 1 where data-parallel training does not apply (`parallel` false).
 */
export function workersArg(values: Record<string, unknown>, parallel: boolean): number | undefined {
  const raw = values.workers;
  if (raw === undefined) return undefined;
  if (raw === "auto") return parallel ? Math.max(1, Math.min(4, availableParallelism())) : 1;
  return num(values, "workers", { int: true, min: 1 });
}

/** `train --resume`'s help: what may change and what must match (src/cli/resume-fields.ts). */
export const RESUME_HELP =
  "continue the run saved in --out (same step, optimizer, EMA, RNG). May change: --steps, --workers, --checkpoint-every, --test-points, -q. Every other option shapes the model, the objective, the data or the training stream: left out, it is taken from the checkpoint; given, it must match (a conflict stops with the saved value)";

/** Run options both training families share (resume, overwrite, saving, EMA, schedule); the save interval's default differs. */
export function trainRunOptions(checkpointEvery: string) {
  return {
    resume: { type: "boolean", help: RESUME_HELP },
    overwrite: { type: "boolean", help: "replace a checkpoint already in --out (without it, train refuses to)" },
    "checkpoint-every": { type: "string", help: "save every N steps (0: only at the end)", default: checkpointEvery },
    "ema-decay": { type: "string", help: "EMA decay of the weights used for sampling (0: off)", default: "0.999" },
    schedule: { type: "string", help: "learning-rate schedule: constant, warmup, cosine", default: "cosine" },
    "clip-norm": { type: "string", help: "clip the gradient to this global norm before Adam (0: no clipping)", default: "1" },
  } as const satisfies Record<string, OptionSpec>;
}

/** Solver and condition options shared by `sample` and `plot`. */
export const sampleOptions = {
  method: { type: "string", help: "ODE solver: euler, midpoint, heun, rk4, dopri5 (flow matching)", default: "rk4" },
  steps: { type: "string", help: "steps for fixed-step solvers", default: "50" },
  rtol: { type: "string", help: "dopri5 relative tolerance", default: "1e-5" },
  atol: { type: "string", help: "dopri5 absolute tolerance", default: "1e-5" },
  seed: { type: "string", help: "noise seed", default: "0" },
  temperature: { type: "string", help: "normalizing flows: base temperature (std multiplier)", default: "1" },
  label: { type: "string", help: "class-conditional models: the label to sample (default: ∅, unconditional)" },
  context: { type: "string", help: "conditional normalizing flows: the context values, comma-separated" },
  guidance: { type: "string", help: "classifier-free guidance weight w: (1 + w)·v(c) − w·v(∅)", default: "0" },
} as const satisfies Record<string, OptionSpec>;

/** The options of `sampleOptions` that only a flow-matching model's ODE uses. */
const FM_ONLY = ["method", "steps", "rtol", "atol", "guidance"];

/**
 * A normalizing flow samples exactly (no ODE): solver flags typed for one are refused instead of ignored, so
 * `--method foo` or `--steps 10` never seem to have been applied. `given`: the flags typed (givenOptions).
 */
export function refuseSolverFlags(given: ReadonlySet<string>, dir: string, extra: readonly string[] = []): void {
  const flag = [...FM_ONLY, ...extra].find((f) => given.has(f));
  if (flag) throw new OptionError(`--${flag} applies to flow-matching models; ${dir} holds a normalizing flow, which samples exactly (leave --${flag} out)`);
}

/** The converse: --temperature scales a flow's base distribution; a flow-matching model has none to scale. */
export function refuseFlowFlags(given: ReadonlySet<string>, dir: string): void {
  if (given.has("temperature")) throw new OptionError(`--temperature applies to normalizing flows; ${dir} holds a flow-matching model (leave --temperature out)`);
}

/** The flow-matching sampler's options from `sampleOptions`. */
export function solverArgs(v: Record<string, unknown>) {
  return {
    method: String(v.method),
    steps: num(v, "steps", { int: true, min: 1 }),
    rtol: num(v, "rtol", { min: 0 }),
    atol: num(v, "atol", { min: 0 }),
    seed: num(v, "seed", { int: true, min: 0 }),
    label: v.label === undefined ? undefined : String(v.label),
    guidance: num(v, "guidance"),
  };
}

/** `--cond` and `--cond-type` (train). */
export function condSpecArg(v: Record<string, unknown>): CondSpec | undefined {
  const type = v["cond-type"] === undefined ? undefined : String(v["cond-type"]);
  if (type !== undefined && type !== "class" && type !== "context") throw new OptionError(`--cond-type must be class or context, got "${type}"`);
  if (v.cond === undefined) {
    if (type) throw new OptionError("--cond-type needs --cond");
    return undefined;
  }
  return { columns: String(v.cond).split(",").map((c) => c.trim()), kind: type };
}

/**
 * The context rows for n samples of a (conditional) flow from `--label K` (class labels), `--context a,b,…`
 * (shared by all samples), or, for class labels without `--label`, labels drawn uniformly (an equal-weight mixture).
 */
export function flowContextArg(model: Flow, n: number, v: Record<string, unknown>, seed: number): Float64Array | undefined {
  const { ctxDim: C, cond } = model.config;
  if (C === 0) {
    if (v.label !== undefined || v.context !== undefined) throw new OptionError("this flow is unconditional: --label and --context do not apply");
    return undefined;
  }
  // A flag of the other kind is named, not ignored (a --label beside --context of a context flow was dropped).
  if (cond?.kind !== "class" && v.label !== undefined)
    throw new OptionError(`this flow is conditioned on a context vector, not class labels: drop --label and pass --context with ${C} comma-separated values${cond ? ` (${cond.source})` : ""}`);
  if (v.context !== undefined) {
    if (cond?.kind === "class") throw new OptionError(`this flow is conditioned on class labels: pass --label (${cond.classes.join(", ")})${v.label === undefined ? "" : " alone"}, not --context`);
    const vals = String(v.context).split(",").map(parseDecimal);
    if (vals.length !== C || !vals.every(Number.isFinite)) throw new OptionError(`--context: expected ${C} comma-separated numbers, got "${String(v.context)}"`);
    return Float64Array.from(vals);
  }
  if (cond?.kind !== "class") throw new OptionError(`this flow is conditional: pass --context with ${C} comma-separated values${cond ? ` (${cond.source})` : ""}`);
  if (v.label !== undefined) return flowContext(cond, 1, { labels: [labelIndex(cond, String(v.label))] });
  return uniformLabelContext(cond, n, seed);
}

/** "0-63" or "0,2,5" → indices. */
export function parseColumns(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const out: number[] = [];
  for (const part of raw.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new OptionError(`--columns must look like 0-63 or 0,2,5, got "${raw}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new OptionError(`--columns: empty range ${part.trim()}`);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}
