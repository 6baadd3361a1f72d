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
  return csvOnly("standardize", String(v.standardize ?? CSV_SCALING.standardize) as StandardizeMode, v, argv);
}

/** `--data-scale`: CSV only, like --standardize (a toy is used as drawn). */
export function dataScaleArg(v: Record<string, unknown>, argv: string[]): number {
  return csvOnly("data-scale", Number(v["data-scale"] ?? CSV_SCALING.dataScale), v, argv);
}

/** `value` of a flag that scales CSV data; given with a toy (used as drawn), it is refused rather than ignored. */
function csvOnly<T>(flag: string, value: T, v: Record<string, unknown>, argv: string[]): T {
  if (givenOptions(argv).has(flag) && isToyName(String(v.data))) {
    throw new OptionError(`--${flag} ${String(value)}: ${String(v.data)} is a toy, used as drawn; --${flag} scales CSV data`);
  }
  return value;
}
