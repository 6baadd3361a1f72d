/**
 * Velocity networks as plug-ins. A network is named in config.json by a JSON object whose `kind` picks a factory
 * from this registry (`{ "kind": "mlp", "dim": 2, "hidden": [256, 256], … }`), so a checkpoint can rebuild any
 * registered network: training, sampling, likelihoods and checkpoints only ever see `init` and `apply`. This is
 * Meta flow_matching's ModelWrapper `(x, t, **extras)` with the parameters kept outside, as jax-js transforms need.
 * Worker threads start from a fresh import of the library, so they know the built-in kinds, and a user's kind only
 * when its registration names a module to import.
 */
import { np, type Array, type DType, type Tree } from "../engine/index.js";
import { OptionError } from "../errors.js";

/**
 * A network's JSON description. `dim` is the data dimension (x and the output are [B, dim]); `condWidth` the width
 * of the condition input it receives (set by the trainer from the model's conditioning; 0 or absent: none). Every
 * other field belongs to the kind and must survive JSON.stringify.
 */
export type NetConfig = { kind: string; dim: number; condWidth?: number; [field: string]: unknown };

/**
 * A velocity network v(x, t[, cond]). `init` draws a parameter pytree (nested objects/arrays with jax-js array
 * leaves) deterministically from `seed`; `apply` is traced by jit, grad and jvp: x [B, …event], t a scalar or [B]
 * (t = 0 noise, t = 1 data), cond [B, condWidth] — all consumed, as in jax-js (a building block for traced code;
 * `VelocityModel.velocity` is the borrowing call) — and params borrowed (use `.ref` on each leaf you read). The output has x's shape (a velocity, or x1/ε for models trained on those predictions).
 */
export interface VelocityNet<P extends Tree = Tree, C extends NetConfig = NetConfig> {
  readonly kind: string;
  readonly config: C;
  init(seed: number, dtype?: DType): P;
  apply(params: P, x: Array, t: Array, cond?: Array): Array;
}

export type NetFactory<C extends NetConfig = NetConfig> = (config: C) => VelocityNet<Tree, C>;

export interface RegisterNetOptions {
  /**
   * URL of an ES module that registers this kind when imported (often `import.meta.url` of the file that calls
   * `registerNet`). Worker threads (`workers` > 1) import it to rebuild the network; without it they are refused.
   */
  module?: string | URL;
}

const registry = new Map<string, { factory: NetFactory; module?: string; builtin?: boolean }>();
const built = new WeakMap<NetConfig, VelocityNet>();

/**
 * Adds (or replaces) the factory for `kind`; from then on a model config `{ net: { kind, dim, … } }` trains,
 * samples, gives likelihoods and round-trips checkpoints with that network.
 *
 * ```ts
 * registerNet("linear", (c) => ({
 *   kind: "linear", config: c,
 *   init: (seed, dtype) => ({ w: fromHost(new Rng(seed).normals((c.dim + 1) * c.dim), [c.dim + 1, c.dim], dtype) }),
 *   apply: (p, x, t) => np.matmul(np.concatenate([x, broadcastTime(t, x)], 1), p.w.ref),
 * }), { module: import.meta.url });
 * const state = createTrainState({ kind: "flow-matching", net: { kind: "linear", dim: 2 }, path: "condot" });
 * ```
 */
export function registerNet<C extends NetConfig>(kind: string, factory: NetFactory<C>, options: RegisterNetOptions = {}): void {
  if (!kind || typeof kind !== "string") throw new OptionError("registerNet: kind must be a non-empty string");
  registry.set(kind, { factory: factory as unknown as NetFactory, module: options.module?.toString() });
}

/** For flowmatch's own networks, registered when src/nets loads — so every worker thread has them too. */
export function registerBuiltinNet<C extends NetConfig>(kind: string, factory: NetFactory<C>): void {
  registry.set(kind, { factory: factory as unknown as NetFactory, builtin: true });
}

/** The registered kinds, in registration order. */
export function netKinds(): string[] {
  return [...registry.keys()];
}

/**
 * How a worker thread gets `kind`: "builtin" (flowmatch registers it on load), the URL of the module that registers
 * it, or undefined (registered in this thread only, or not at all).
 */
export function netWorkerSource(kind: string): "builtin" | string | undefined {
  const e = registry.get(kind);
  return e?.builtin ? "builtin" : e?.module;
}

/** The network a config describes (built once per config object). Throws a one-line OptionError for unknown kinds. */
export function getNet(config: NetConfig): VelocityNet {
  const cached = built.get(config);
  if (cached) return cached;
  const entry = config && typeof config === "object" ? registry.get(config.kind) : undefined;
  if (!entry) {
    const kind = config && typeof config === "object" ? String(config.kind) : String(config);
    throw new OptionError(`unknown network kind "${kind}" (registered: ${netKinds().join(", ") || "none"}); call registerNet("${kind}", …) first`);
  }
  if (!(Number.isInteger(config.dim) && config.dim >= 1)) throw new OptionError(`network "${config.kind}": dim must be an integer ≥ 1, got ${String(config.dim)}`);
  const net = entry.factory(config);
  built.set(config, net);
  return net;
}

/** t (scalar or [B], consumed) as a [B, 1] column for a batch shaped like `x` (borrowed), in x's dtype. */
export function broadcastTime(t: Array, x: Array): Array {
  const B = x.shape[0]!;
  const col = t.ndim === 0 ? np.broadcastTo(t.reshape([1, 1]), [B, 1]) : t.reshape([B, 1]);
  return col.astype(x.dtype);
}
