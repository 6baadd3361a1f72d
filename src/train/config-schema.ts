/**
 * The schema of a checkpoint's config.json (both families), checked field by field on load with valibot. Every
 * failure is one CheckpointError line naming the file, the field path and what was expected, e.g.
 * `runs/x/config.json: model.net.hidden[1]: expected a positive integer, got "b"`. Names that must be registered
 * (network kinds, activations, path schedulers, flow architectures) are checked against their registries, so an
 * unknown name is one line too rather than an internal error later. Browser-safe.
 *
 * Also here: `checkFiniteTensors`, which refuses weights holding NaN or ±Inf (naming the tensor).
 */
import * as v from "valibot";
import { activations } from "../engine/index.js";
import { CheckpointError } from "../errors.js";
import { netKinds } from "../nets/registry.js";
import { isSchedulerName, schedulerNames } from "../paths/scheduler.js";
import { FLOW_ARCHS } from "../flows/architectures.js";
import type { HostTensor } from "../io/safetensors.js";

const POS_INT = "a positive integer";
const NONNEG_INT = "an integer ≥ 0";
const FINITE = "a finite number";

const posInt = v.pipe(v.number(POS_INT), v.integer(POS_INT), v.minValue(1, POS_INT));
const nonNegInt = v.pipe(v.number(NONNEG_INT), v.integer(NONNEG_INT), v.minValue(0, NONNEG_INT));
const finite = v.pipe(v.number(FINITE), v.finite(FINITE));
const nonNeg = v.pipe(v.number("a finite number ≥ 0"), v.finite("a finite number ≥ 0"), v.minValue(0, "a finite number ≥ 0"));
const posNum = v.pipe(v.number("a finite number > 0"), v.finite("a finite number > 0"), v.gtValue(0, "a finite number > 0"));
const str = v.string("a string");
const oneOf = (names: () => readonly string[], what: string, accepts: (s: string) => boolean = (s) => names().includes(s)) =>
  v.pipe(str, v.check(accepts, () => `${what} (one of ${names().join(", ")})`));
const list = <T extends v.GenericSchema>(item: T, what: string) => v.array(item, `an array of ${what}`);
const obj = <T extends v.ObjectEntries>(entries: T, what = "an object") => v.looseObject(entries, what);

const activation = oneOf(() => Object.keys(activations), "a known activation");

const standardizer = v.pipe(
  obj({ mean: list(finite, "finite numbers"), std: list(posNum, "finite numbers > 0") }),
  v.check((s) => s.mean.length === s.std.length, "as many std values as mean values"),
);

const cond = v.variant("kind", [
  obj({ kind: v.literal("class"), classes: v.pipe(list(str, "strings"), v.minLength(1, "at least one class")), embedDim: posInt, source: v.optional(str) }),
  obj({ kind: v.literal("context"), dim: posInt, source: v.optional(str) }),
], 'a condition of kind "class" or "context"');

const time = obj({ kind: str, size: v.optional(posInt) }, "a time embedding { kind, size }");
/** The built-in MLP's time inputs (nets/time-embedding.ts); other registered nets may read `time` their own way. */
const MLP_TIMES = ["sinusoidal", "none"];

/** The velocity network: any registered kind; the built-in "mlp" also needs hidden widths, activation and time. */
const net = v.pipe(
  obj({
    kind: v.pipe(str, v.check((k) => netKinds().includes(k), (i) => `a registered network kind (registered: ${netKinds().join(", ") || "none"}; call registerNet(${JSON.stringify(i.input)}, …) before loading)`)),
    dim: posInt,
    condWidth: v.optional(nonNegInt),
    hidden: v.optional(list(posInt, "positive integers")),
    activation: v.optional(activation),
    time: v.optional(time),
  }),
  v.forward(v.check((n) => n.kind !== "mlp" || n.hidden !== undefined, "an array of positive integers"), ["hidden"]),
  v.forward(v.check((n) => n.kind !== "mlp" || n.activation !== undefined, "a known activation"), ["activation"]),
  v.forward(v.check((n) => n.kind !== "mlp" || n.time !== undefined, "a time embedding { kind, size }"), ["time"]),
  v.forward(v.check((n) => n.kind !== "mlp" || MLP_TIMES.includes(n.time!.kind), 'one of "sinusoidal", "none"'), ["time", "kind"]),
);

const common = {
  standardizer: v.optional(standardizer),
  data: v.optional(str),
  testFraction: v.optional(v.pipe(nonNeg, v.maxValue(1, "a number in [0, 1)"))),
  cond: v.optional(cond),
};

const flowMatching = obj({
  kind: v.literal("flow-matching"),
  net,
  path: oneOf(schedulerNames, "a known path", isSchedulerName),
  prediction: v.optional(v.picklist(["velocity", "x1", "eps"], 'one of "velocity", "x1", "eps"')),
  standardize: v.optional(v.picklist(["column", "global", "none"], 'one of "column", "global", "none"')),
  dataScale: v.optional(v.pipe(v.number("a number"), v.finite("a finite number"), v.minValue(Number.MIN_VALUE, "a number > 0"))),
  ...common,
});

const normalizingFlow = obj({
  kind: v.literal("normalizing-flow"),
  arch: v.picklist([...FLOW_ARCHS, "custom"], `a flow architecture (one of ${[...FLOW_ARCHS, "custom"].join(", ")})`),
  eventShape: v.pipe(list(posInt, "positive integers"), v.minLength(1, "a non-empty array of positive integers")),
  ctxDim: v.optional(nonNegInt),
  seed: v.optional(nonNegInt),
  layers: v.optional(posInt),
  hidden: v.optional(list(posInt, "positive integers")),
  activation: v.optional(activation),
  levels: v.optional(posInt),
  bins: v.optional(v.pipe(posInt, v.minValue(2, "an integer ≥ 2"))),
  splineBound: v.optional(posNum),
  variant: v.optional(v.picklist(["coupling", "autoregressive"], 'one of "coupling", "autoregressive"')),
  actnorm: v.optional(v.boolean("true or false")),
  base: v.optional(v.string("a string")),
  luSeeds: v.optional(list(nonNegInt, "integers ≥ 0")),
  dequantize: v.optional(obj({ levels: v.pipe(posInt, v.minValue(2, "an integer ≥ 2")) })),
  structure: v.optional(obj({ layers: list(str, "strings"), base: str })),
  columns: v.optional(list(nonNegInt, "integers ≥ 0")),
  ...common,
});

const U32 = "an integer in [0, 2^32)";
const trainOptions = obj({
  steps: v.optional(nonNegInt),
  batch: v.optional(posInt),
  lr: v.optional(nonNeg),
  warmupSteps: v.optional(nonNegInt),
  minLr: v.optional(nonNeg),
  weightDecay: v.optional(nonNeg),
  clipNorm: v.optional(nonNeg),
  emaDecay: v.optional(v.pipe(nonNeg, v.maxValue(1, "a number in [0, 1]"))),
  condDropout: v.optional(v.pipe(nonNeg, v.maxValue(1, "a number in [0, 1]"))),
  checkpointEvery: v.optional(nonNegInt),
  seed: v.optional(v.pipe(v.number("an integer"), v.integer("an integer"))),
  workers: v.optional(posInt),
  schedule: v.optional(v.picklist(["constant", "warmup", "cosine"], 'one of "constant", "warmup", "cosine"')),
  objective: v.optional(v.picklist(["fm", "mle"], 'one of "fm", "mle"')),
});

const train = obj({
  options: trainOptions,
  step: nonNegInt,
  rngState: v.pipe(
    list(v.pipe(v.number(U32), v.integer(U32), v.minValue(0, U32), v.maxValue(2 ** 32 - 1, U32)), "4 integers in [0, 2^32)"),
    v.length(4, "an array of 4 integers in [0, 2^32)"),
  ),
  losses: v.optional(list(v.number("a number"), "numbers")),
});

const configSchema = obj({
  format: v.string("a string"),
  model: v.variant("kind", [flowMatching, normalizingFlow], 'a model of kind "flow-matching" or "normalizing-flow"'),
  train,
  dtype: v.optional(v.picklist(["float32", "float64"], 'one of "float32", "float64"')),
});

/** `a.b[1].c` for a valibot issue path. */
function fieldPath(issue: v.BaseIssue<unknown>): string {
  let s = "";
  for (const item of issue.path ?? []) {
    const k = (item as { key: unknown }).key;
    s += typeof k === "number" ? `[${k}]` : s ? `.${String(k)}` : String(k);
  }
  return s || "(top level)";
}

function shown(x: unknown): string {
  if (x === undefined) return "undefined";
  if (typeof x === "number" && !Number.isFinite(x)) return String(x);
  try {
    const s = JSON.stringify(x);
    return s.length > 60 ? `${s.slice(0, 57)}…` : s;
  } catch {
    return String(x);
  }
}

/** The schema at a path of keys (through pipes, optionals, variants and arrays), to describe a missing field. */
function schemaAt(keys: unknown[], input: unknown): { message?: unknown } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let s: any = configSchema;
  let x: any = input; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const k of keys) {
    while (s?.wrapped) s = s.wrapped;
    if (s?.type === "variant") s = s.options.find((o: any) => o.entries.kind.literal === x?.kind) ?? s.options[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    s = typeof k === "number" ? s?.item : s?.entries?.[k as string];
    x = x?.[k as never];
  }
  while (s?.wrapped) s = s.wrapped;
  return s;
}

/**
 * Checks a parsed config.json (after migration from 0.1) against the schema of both families; `where` names the
 * file in the one-line CheckpointError (e.g. "runs/x/config.json").
 */
export function validateConfig(config: unknown, where: string): void {
  const r = v.safeParse(configSchema, config, { abortEarly: true });
  if (r.success) return;
  let i: v.BaseIssue<unknown> = r.issues[0];
  // The innermost issue of a union/variant says the most.
  while (i.issues?.length && i.issues[0]!.path?.length) i = i.issues[0]!;
  const last = i.path?.[i.path.length - 1] as { input?: unknown; key?: unknown } | undefined;
  const parent = last?.input;
  const missing = last !== undefined && parent !== null && typeof parent === "object" && !((last.key as string) in parent);
  let expected = i.message;
  if (missing && i.type !== "check") {
    const m = schemaAt((i.path ?? []).map((p) => (p as { key: unknown }).key), config)?.message;
    expected = typeof m === "string" ? m : "a value";
  }
  // A check forwarded to a field (v.forward) gets the whole object as input; the path's last item holds the field's value.
  const got = i.type === "check" && last !== undefined && "value" in last ? (last as { value: unknown }).value : i.input;
  throw new CheckpointError(`${where}: ${fieldPath(i)}: expected ${expected}, got ${missing ? "nothing (the field is missing)" : shown(got)}`);
}

/** Refuses tensors with NaN or ±Inf values, naming the first such tensor and the position of its first bad value. */
export function checkFiniteTensors(tensors: Record<string, HostTensor>, where: string): void {
  for (const [name, t] of Object.entries(tensors)) {
    const d = t.data;
    if (!(d instanceof Float32Array || d instanceof Float64Array)) continue;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new CheckpointError(`${where}: tensor ${name} holds ${d[i]} at index ${i}: the weights are not finite (the run diverged or the file is corrupt); resume from an earlier checkpoint or retrain`);
      }
    }
  }
}
