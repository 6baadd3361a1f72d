/**
 * Conditions of a conditional flow as the context rows its `logProb`/`sample` take: from data conditions (labels or
 * context columns), from uniformly drawn class labels (sampling "all labels"), and the equal-weight mixture over
 * the classes (the density of a class-conditional flow when no label is fixed).
 *
 * @example
 * ```ts
 * const ctx = contextOf(flow, n, { labels });          // n one-hot rows for class labels
 * const logp = labelMixtureLogProb(flow, grid);        // log (1/K) Σ_k p(x | k)
 * ```
 */
import { Rng } from "../engine/index.js";
import { DataError } from "../errors.js";
import type { CondConfig } from "../fm/conditioning.js";
import type { FlowConds } from "../data/flow-data.js";
import { flowContext } from "./flow-config.js";
import type { Flow } from "./model.js";

/** The context rows of a conditional flow for n points with these conditions (undefined for an unconditional flow). */
export function contextOf(model: Flow, n: number, conds: FlowConds | undefined): Float64Array | undefined {
  const c = model.config;
  if (c.ctxDim === 0) return undefined;
  if (!conds) throw new DataError("this flow is conditional but the data give no conditions");
  return c.cond ? flowContext(c.cond, n, conds) : conds.context;
}

/**
 * n one-hot context rows with class labels drawn uniformly (an equal-weight mixture of the classes); `seed` fixes
 * the draw.
 */
export function uniformLabelContext(cond: CondConfig & { kind: "class" }, n: number, seed: number): Float64Array {
  return uniformLabelStream(cond, seed)(n);
}

/**
 * `uniformLabelContext` in pieces: each call gives the next m rows of the same draw (chunked sampling), so the
 * calls together equal one `uniformLabelContext(cond, n, seed)`.
 */
export function uniformLabelStream(cond: CondConfig & { kind: "class" }, seed: number): (m: number) => Float64Array {
  const rng = new Rng((seed ^ 0x3c6ef372) >>> 0);
  return (m) => flowContext(cond, m, { labels: Int32Array.from({ length: m }, () => rng.int(cond.classes.length)) });
}

/** The rows of x [n, D] whose label is k, in order. */
export function rowsWithLabel(x: Float64Array, D: number, labels: Int32Array, k: number): Float64Array {
  const keep = [...labels.keys()].filter((i) => labels[i] === k);
  const out = new Float64Array(keep.length * D);
  keep.forEach((r, i) => out.set(x.subarray(r * D, (r + 1) * D), i * D));
  return out;
}

/**
 * log p(x) of a class-conditional flow with no label fixed: the equal-weight mixture log (1/K) Σ_k p(x | k),
 * computed stably (log-sum-exp per point). x is row-major [n, D] in data units.
 */
export function labelMixtureLogProb(model: Flow, x: Float64Array): Float64Array {
  const cond = model.config.cond;
  if (cond?.kind !== "class") throw new DataError("labelMixtureLogProb: the flow is not conditioned on class labels");
  const K = cond.classes.length;
  const per = cond.classes.map((_, k) => model.logProb(x, { ctx: flowContext(cond, 1, { labels: [k] }) }));
  return x.subarray(0, x.length / model.dim).map((_, i) => {
    const m = Math.max(...per.map((lp) => lp[i]!));
    return m + Math.log(per.reduce((s, lp) => s + Math.exp(lp[i]! - m), 0) / K);
  });
}
