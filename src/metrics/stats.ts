/** Mean and standard error of the mean, the form every per-point metric reports. */
import { ShapeError } from "../errors.js";

/** A Monte Carlo estimate with its standard error. */
export interface MeanStderr {
  mean: number;
  /** Sample std (n − 1 denominator) / √n; NaN when n = 1 (no spread to estimate). */
  stderr: number;
}

/** Mean and standard error of `values` (two-pass, so accurate when |mean| ≫ std). Throws on an empty array. */
export function meanStderr(values: ArrayLike<number>, fn: string): MeanStderr {
  const n = values.length;
  if (n === 0) throw new ShapeError(`${fn}: expected at least one value, got none`);
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  if (n === 1) return { mean, stderr: NaN };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  return { mean, stderr: Math.sqrt(ss / (n - 1) / n) };
}
