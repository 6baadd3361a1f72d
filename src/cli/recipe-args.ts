/**
 * train's recipe switches of issue 13 (the plain PyTorch-like recipe needs both): --time-embedding, the MLP's time
 * input, and --standardize, how a CSV is scaled against the N(0, I) source. Their values are checked by the CHOICE
 * table in flag-rules.ts before the command runs.
 */
import { OptionError } from "../errors.js";
import { isToyName } from "../data/registry.js";
import { CSV_SCALING, type StandardizeMode } from "../data/normalize.js";
import type { TimeEmbeddingKind } from "../nets/time-embedding.js";
import { givenOptions } from "./resume-check.js";

export function timeEmbeddingArg(v: Record<string, unknown>): TimeEmbeddingKind {
  return String(v["time-embedding"] ?? "sinusoidal") as TimeEmbeddingKind;
}

/** `--standardize`: scales a CSV only; given with a toy (used as drawn) it is refused rather than ignored. */
export function standardizeArg(v: Record<string, unknown>, argv: string[]): StandardizeMode {
  const mode = String(v.standardize ?? CSV_SCALING.standardize) as StandardizeMode;
  if (givenOptions(argv).has("standardize") && isToyName(String(v.data))) {
    throw new OptionError(`--standardize ${mode}: ${String(v.data)} is a toy, used as drawn; --standardize scales CSV data`);
  }
  return mode;
}

/** `--data-scale`: CSV only, like --standardize (a toy is used as drawn). */
export function dataScaleArg(v: Record<string, unknown>, argv: string[]): number {
  const scale = Number(v["data-scale"] ?? CSV_SCALING.dataScale);
  if (givenOptions(argv).has("data-scale") && isToyName(String(v.data))) {
    throw new OptionError(`--data-scale ${scale}: ${String(v.data)} is a toy, used as drawn; --data-scale scales CSV data`);
  }
  return scale;
}
