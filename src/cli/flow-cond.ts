/**
 * Conditions of the flow CLI (`train --cond`, `sample`/`plot --label` or `--context`, `eval` on labelled rows): how
 * parsed options and data conditions become the context rows a conditional flow takes.
 */
import { Rng } from "../engine/index.js";
import type { Flow } from "../flows/model.js";
import { flowContext } from "../flows/flow-config.js";
import { labelIndex } from "../model/conditioning.js";
import type { CondSpec } from "../train/data-source.js";
import type { FlowConds } from "../train/flow-data.js";
import { DataError, OptionError } from "../errors.js";

/** The context rows of a conditional flow for points with these conditions (undefined for an unconditional flow). */
export function contextOf(model: Flow, n: number, conds: FlowConds | undefined): Float64Array | undefined {
  const c = model.config;
  if (c.ctxDim === 0) return undefined;
  if (!conds) throw new DataError("this flow is conditional but the data give no conditions");
  return c.cond ? flowContext(c.cond, n, conds) : conds.context;
}

export function parseCondSpec(v: Record<string, unknown>): CondSpec | undefined {
  const type = v["cond-type"] === undefined ? undefined : String(v["cond-type"]);
  if (type !== undefined && type !== "class" && type !== "context") throw new OptionError(`--cond-type must be class or context, got "${type}"`);
  if (v.cond === undefined) {
    if (type) throw new OptionError("--cond-type needs --cond");
    return undefined;
  }
  return { columns: String(v.cond).split(",").map((c) => c.trim()), kind: type };
}

/**
 * The context rows for n samples of a conditional flow: `--label K` (class labels), `--context a,b,…` (shared by
 * all samples), or, for class labels without `--label`, labels drawn uniformly (an equal-weight mixture).
 */
export function sampleContext(model: Flow, n: number, v: Record<string, unknown>, seed: number): Float64Array | undefined {
  const { ctxDim: C, cond } = model.config;
  if (C === 0) {
    if (v.label !== undefined || v.context !== undefined) throw new OptionError("this flow is unconditional: --label and --context do not apply");
    return undefined;
  }
  if (v.context !== undefined) {
    if (cond?.kind === "class") throw new OptionError(`this flow is conditioned on class labels: pass --label (${cond.classes.join(", ")})`);
    const vals = String(v.context).split(",").map(Number);
    if (vals.length !== C || !vals.every(Number.isFinite)) throw new OptionError(`--context: expected ${C} comma-separated numbers, got "${String(v.context)}"`);
    return Float64Array.from(vals);
  }
  if (cond?.kind !== "class") throw new OptionError(`this flow is conditional: pass --context with ${C} comma-separated values${cond ? ` (${cond.source})` : ""}`);
  if (v.label !== undefined) return flowContext(cond, 1, { labels: [labelIndex(cond, String(v.label))] });
  const rng = new Rng((seed ^ 0x3c6ef372) >>> 0);
  return flowContext(cond, n, { labels: Int32Array.from({ length: n }, () => rng.int(cond.classes.length)) });
}

/** Rows of x [n, D] whose label is k. */
export function onlyLabel(x: Float64Array, D: number, labels: Int32Array, k: number): Float64Array {
  const keep = [...labels.keys()].filter((i) => labels[i] === k);
  const out = new Float64Array(keep.length * D);
  keep.forEach((r, i) => out.set(x.subarray(r * D, (r + 1) * D), i * D));
  return out;
}

/** log p on a grid: given one label or context; for class labels without --label, the equal-weight mixture. */
export function gridLogProb(model: Flow, grid: Float64Array, v: Record<string, unknown>, label: number | undefined): Float64Array {
  const cond = model.config.cond;
  if (model.config.ctxDim === 0 || cond?.kind !== "class" || label !== undefined) return model.logProb(grid, { ctx: sampleContext(model, 1, v, 0) });
  const K = cond.classes.length;
  const per = cond.classes.map((_, k) => model.logProb(grid, { ctx: flowContext(cond, 1, { labels: [k] }) }));
  return grid.subarray(0, grid.length / model.dim).map((_, i) => {
    const m = Math.max(...per.map((lp) => lp[i]!));
    return m + Math.log(per.reduce((s, lp) => s + Math.exp(lp[i]! - m), 0) / K);
  });
}
