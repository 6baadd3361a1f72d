/**
 * Where training batches come from: a named toy distribution (fresh samples every step) or a numeric CSV file
 * (rows drawn with replacement), always in standardized units. `spec` is what a user types after `--data`.
 */
import { existsSync } from "node:fs";
import type { Rng } from "../engine/rng.js";
import { getToy, isToyName, toyNames } from "../data/registry.js";
import type { ToyDistribution } from "../data/toy.js";
import { loadCsv } from "../data/csv.js";
import { fitStandardizer, standardize, type Standardizer } from "../data/normalize.js";
import { DataError } from "../errors.js";

export interface DataSource {
  /** The spec it was opened from: a toy name or a file path. */
  spec: string;
  kind: "toy" | "csv";
  dim: number;
  /** Maps data to model units; undefined for toys (used as they are). */
  standardizer?: Standardizer;
  /** `n` rows in model (standardized) units, row-major [n, dim]; draws only from `rng`. */
  sample(n: number, rng: Rng): Float64Array;
  /** The toy, when kind is "toy". */
  toy?: ToyDistribution;
  /** The full table in original units, when kind is "csv". */
  table?: { data: Float64Array; rows: number };
}

export function isCsvSpec(spec: string): boolean {
  return /\.csv(\.gz)?$/i.test(spec) || spec.includes("/") || existsSync(spec);
}

/** Opens a data source; unknown names list the valid ones. */
export function openDataSource(spec: string, opts: { standardizer?: Standardizer; columns?: number[] } = {}): DataSource {
  if (isToyName(spec)) {
    const toy = getToy(spec);
    return { spec, kind: "toy", dim: toy.dim, toy, sample: (n, rng) => toy.sample(n, rng) };
  }
  if (!isCsvSpec(spec)) {
    throw new DataError(`unknown data "${spec}": give a CSV file path or one of: ${toyNames.join(", ")}`);
  }
  const t = loadCsv(spec, opts.columns ? { columns: opts.columns } : {});
  if (t.rows < 2) throw new DataError(`${spec}: need at least 2 data rows, found ${t.rows}`);
  const s = opts.standardizer ?? fitStandardizer(t.data, t.rows, t.cols);
  const z = standardize(t.data, s);
  const dim = t.cols;
  return {
    spec,
    kind: "csv",
    dim,
    standardizer: s,
    table: { data: t.data, rows: t.rows },
    sample(n, rng) {
      const out = new Float64Array(n * dim);
      for (let i = 0; i < n; i++) {
        const r = rng.int(t.rows);
        for (let j = 0; j < dim; j++) out[i * dim + j] = z[r * dim + j];
      }
      return out;
    },
  };
}
