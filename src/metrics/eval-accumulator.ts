/**
 * Evaluation a chunk at a time: the NLL (mean ± standard error), bits/dim and KL(p‖q) of held-out points that
 * arrive in pieces, so a large evaluation never holds every point or log-density at once. Means and squared
 * deviations combine per chunk (Chan et al.'s parallel update), which equals the two-pass `meanStderr` up to
 * rounding. The report has the fields of `evaluate`'s, without the per-point `logp` (the caller streams those).
 */
import { meanBitsPerDim } from "../likelihood/index.js";
import { ShapeError } from "../errors.js";
import type { EvalReport } from "./evaluate.js";

/** Running mean and sum of squared deviations of a stream of numbers. */
class Running {
  n = 0;
  mean = 0;
  m2 = 0;
  add(values: ArrayLike<number>, f: (i: number) => number): void {
    const m = values.length;
    if (m === 0) return;
    let s = 0;
    for (let i = 0; i < m; i++) s += f(i);
    const mean = s / m;
    let m2 = 0;
    for (let i = 0; i < m; i++) m2 += (f(i) - mean) ** 2;
    const n = this.n + m;
    const d = mean - this.mean;
    this.mean += (d * m) / n;
    this.m2 += m2 + (d * d * this.n * m) / n;
    this.n = n;
  }
  result(): { mean: number; stderr: number } {
    return { mean: this.mean, stderr: this.n > 1 ? Math.sqrt(this.m2 / (this.n - 1) / this.n) : NaN };
  }
}

export class EvalAccumulator {
  private readonly nll = new Running();
  private readonly kl = new Running();
  private bitsSum = 0;
  private entropySum = 0;
  private nfe: number | undefined;
  private known = false;

  constructor(readonly dim: number) {}

  /** One chunk: log q of its points, and log p where the data's density is known; nfe is added up. */
  add(logp: Float64Array, logpTrue?: Float64Array, nfe?: number): void {
    if (logpTrue && logpTrue.length !== logp.length) throw new ShapeError(`EvalAccumulator: ${logpTrue.length} true log-densities for ${logp.length} points`);
    this.nll.add(logp, (i) => -logp[i]!);
    if (logp.length) this.bitsSum += meanBitsPerDim(logp, this.dim) * logp.length;
    if (logpTrue) {
      this.known = true;
      this.kl.add(logp, (i) => logpTrue[i]! - logp[i]!);
      for (const v of logpTrue) this.entropySum -= v;
    }
    if (nfe !== undefined) this.nfe = (this.nfe ?? 0) + nfe;
  }

  /** The report so far (sample metrics and timing are the caller's). */
  report(): Omit<EvalReport, "logp" | "seconds"> {
    const n = this.nll.n;
    if (n === 0) throw new ShapeError("EvalAccumulator: no points were added");
    const r: Omit<EvalReport, "logp" | "seconds"> = { n, dim: this.dim, nll: this.nll.result(), bitsPerDim: this.bitsSum / n, ...(this.nfe !== undefined ? { nfe: this.nfe } : {}) };
    if (this.known) {
      const k = this.kl.result();
      r.kl = { kl: k.mean, stderr: k.stderr };
      r.entropy = this.entropySum / n;
    }
    return r;
  }
}
