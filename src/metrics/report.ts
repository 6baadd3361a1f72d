/**
 * The held-out test report of either family: NLL (nats, data units, mean ± standard error) and bits/dim of a
 * model on its data's test points. Dequantized data get one draw of uniform noise (seeded), and their bits/dim
 * count the discrete levels (`dequantization: { levels: L, range: L }`, offset 0).
 *
 * ```ts
 * const data = openDataSource("points.csv", { testFraction: 0.1 });   // flow matching: opt in to a test split
 * const r = testReport(model, data);                                   // { n, nll, stderr, bitsPerDim }
 * ```
 */
import { Rng } from "../engine/rng.js";
import { DataError, OptionError } from "../errors.js";
import { nll } from "./nll.js";
import { meanBitsPerDim } from "../likelihood/units.js";
import { flowContext } from "../flows/flow-config.js";
import type { Flow } from "../flows/model.js";
import type { DensityModel, DensityOptions } from "../model/density-model.js";
import type { DataSource } from "../data/source.js";
import { dequantize } from "../data/flow-data.js";

export interface TestReport {
  /** Held-out points evaluated. */
  n: number;
  /** Mean negative log-likelihood, nats per point (data units), and its standard error. */
  nll: number;
  stderr: number;
  bitsPerDim: number;
}

/**
 * Test NLL and bits/dim of `model` on `data.test` (with `data.testCond` for a conditional flow). `logProb` options
 * pass through to the model (e.g. a CNF's solver, divergence, batchSize); `seed` (or a bare number) seeds the
 * dequantization noise: each level is a bin of width 1, so log p of the dequantized value bounds its level's log-probability.
 */
export function testReport(
  model: DensityModel,
  data: Pick<DataSource, "test" | "testCond" | "dequantize"> & Partial<Pick<DataSource, "spec" | "dim">>,
  options: number | { seed?: number; logProb?: DensityOptions & Record<string, unknown> } = {},
): TestReport {
  const o = typeof options === "number" ? { seed: options } : options;
  const spec = data.spec ?? "data";
  if (!data.test || data.test.length === 0)
    throw new DataError(`${spec}: no held-out test points (open the data with testFraction > 0)`);
  const D = model.dim;
  if (data.dim !== undefined && data.dim !== D) throw new DataError(`${spec}: data has dimension ${data.dim}, the model ${D}`);
  const pts = data.dequantize ? dequantize(data.test, new Rng(((o.seed ?? 0) + 4242) >>> 0)) : data.test;
  const n = pts.length / D;
  const opts: DensityOptions & Record<string, unknown> = { ...o.logProb };
  if (model.config.kind === "normalizing-flow") {
    const c = (model as Flow).config;
    if (c.ctxDim > 0) {
      if (!data.testCond) throw new DataError(`${spec}: this flow is conditional but the data give no conditions`);
      opts.context = c.cond ? flowContext(c.cond, n, data.testCond) : data.testCond.context;
    }
  } else if ((model.config as { cond?: unknown }).cond) {
    throw new OptionError("a test NLL needs an unconditional flow-matching model (its likelihood integrates the unconditional field)");
  }
  const logp = model.logProb(pts, opts);
  const L = data.dequantize?.levels;
  const r = nll(logp);
  return { n, nll: r.mean, stderr: r.stderr, bitsPerDim: meanBitsPerDim(logp, D, L ? { dequantization: { levels: L, range: L } } : {}) };
}
