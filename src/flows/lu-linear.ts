/**
 * Invertible linear map on the last axis (Glow's LU-decomposed 1×1 convolution): y = x Wᵀ (each feature vector is
 * multiplied by W) with W = P·L·(U + diag(sign · exp(logAbsDiag))), P a fixed permutation, L unit lower-triangular,
 * U strictly upper-triangular. logDet = Σ logAbsDiag per vector, times H·W for images [H, W, C] (the same W at
 * every pixel: the 1×1 convolution form). The inverse solves two triangular systems (lax.linalg.triangularSolve),
 * no explicit inverse.
 *
 * P and the signs of the diagonal are static configuration, not parameters (a gradient step must not flip a sign):
 * they come from the PLU decomposition of a random rotation drawn at construction from `seed`, so the model config
 * records the seed. `init` returns that decomposition's L, U and log|diag|, so a new layer is the rotation.
 */
import { np, lax, exp, fromHost, type Array, type DType, Rng, mulScalar } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { checkEvent, sizeOf } from "./shape.js";
import type { Bijector, ForwardResult, InverseResult } from "./types.js";

export type LULinearParams = { lower: Array; upper: Array; logAbsDiag: Array };

/** A Haar-random n×n rotation (row-major): Householder QR of a Gaussian matrix, columns sign-fixed by diag(R). */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  const a = rng.normals(n * n); // R is built in place
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = a[k * n + k]! > 0 ? -norm : norm;
    const v = new Float64Array(n);
    for (let i = k; i < n; i++) v[i] = a[i * n + k]!;
    v[k]! -= alpha;
    const vv = v.reduce((s, x) => s + x * x, 0);
    if (vv === 0) continue;
    // a ← (I − 2vvᵀ/vᵀv) a; q ← q (I − 2vvᵀ/vᵀv)
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = k; i < n; i++) d += v[i]! * a[i * n + j]!;
      for (let i = k; i < n; i++) a[i * n + j]! -= (2 * d * v[i]!) / vv;
      let e = 0;
      for (let i = k; i < n; i++) e += q[j * n + i]! * v[i]!;
      for (let i = k; i < n; i++) q[j * n + i]! -= (2 * e * v[i]!) / vv;
    }
  }
  for (let j = 0; j < n; j++) if (a[j * n + j]! < 0) for (let i = 0; i < n; i++) q[i * n + j] = -q[i * n + j]!;
  return q;
}

/** A = P·L·U with partial pivoting (row-major); perm[i] = the row of A that lands in row i of L·U, so P[perm[i], i] = 1. */
export function pluDecompose(a: Float64Array, n: number): { perm: number[]; lower: Float64Array; upper: Float64Array } {
  const m = Float64Array.from(a);
  const perm = globalThis.Array.from({ length: n }, (_, i) => i);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[p * n + k]!)) p = i;
    if (p !== k) {
      for (let j = 0; j < n; j++) [m[k * n + j], m[p * n + j]] = [m[p * n + j]!, m[k * n + j]!];
      [perm[k], perm[p]] = [perm[p]!, perm[k]!];
    }
    for (let i = k + 1; i < n; i++) {
      m[i * n + k]! /= m[k * n + k]!;
      for (let j = k + 1; j < n; j++) m[i * n + j]! -= m[i * n + k]! * m[k * n + j]!;
    }
  }
  const lower = new Float64Array(n * n);
  const upper = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) (j < i ? lower : upper)[i * n + j] = m[i * n + j]!;
  return { perm, lower, upper };
}

export interface LULinearOptions {
  /** Seed of the random rotation that fixes P and the signs and gives the initial L, U, diag (default 0). */
  seed?: number;
}

export class LULinear implements Bijector<LULinearParams> {
  readonly name: string = "lu-linear";
  readonly fast = "both" as const;
  /** jax-js 0.1.25 cannot jit `triangularSolve` on computed inputs, which the inverse needs. */
  readonly jit = { forward: true, inverse: false };
  readonly eventShape: number[];
  /** Size of the last axis, on which W acts. */
  readonly dim: number;
  /** Positions sharing W (1 for vectors, H·W for images). */
  readonly positions: number;
  readonly perm: readonly number[];
  readonly signs: readonly number[];
  private readonly init0: { lower: Float64Array; upper: Float64Array; logAbsDiag: Float64Array };
  // Constant 0/1 matrices, built on the host as float64 (exact in any dtype).
  private readonly pMat: Float64Array;
  private readonly strictLower: Float64Array;
  private readonly strictUpper: Float64Array;

  constructor(eventShape: number[], opts: LULinearOptions = {}) {
    if (eventShape.length < 1 || !eventShape.every((d) => Number.isInteger(d) && d >= 1))
      throw new OptionError(`${new.target.name}: expected a non-empty event shape of positive sizes, got [${eventShape}]`);
    this.eventShape = [...eventShape];
    const n = (this.dim = eventShape[eventShape.length - 1]!);
    this.positions = sizeOf(eventShape) / n;
    const plu = pluDecompose(randomOrthogonal(n, new Rng(opts.seed ?? 0)), n);
    this.perm = plu.perm;
    const diag = globalThis.Array.from({ length: n }, (_, i) => plu.upper[i * n + i]!);
    this.signs = diag.map((d) => (d < 0 ? -1 : 1));
    const upper = Float64Array.from(plu.upper);
    for (let i = 0; i < n; i++) upper[i * n + i] = 0;
    this.init0 = { lower: plu.lower, upper, logAbsDiag: Float64Array.from(diag, (d) => Math.log(Math.abs(d))) };
    this.pMat = new Float64Array(n * n);
    plu.perm.forEach((row, i) => (this.pMat[row * n + i] = 1));
    this.strictLower = new Float64Array(n * n);
    this.strictUpper = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) (j < i ? this.strictLower : this.strictUpper)[i * n + j] = i === j ? 0 : 1;
  }

  /** The initial rotation's factors (rng unused: the rotation is fixed by the constructor's seed). */
  init(_rng: Rng, dtype: DType): LULinearParams {
    const n = this.dim;
    return {
      lower: fromHost(this.init0.lower, [n, n], dtype),
      upper: fromHost(this.init0.upper, [n, n], dtype),
      logAbsDiag: fromHost(this.init0.logAbsDiag, [n], dtype),
    };
  }

  /** [unit-lower L, U + diag(s)] as arrays. */
  private factors(p: LULinearParams): [Array, Array] {
    const n = this.dim;
    const dtype = p.lower.dtype;
    const L = p.lower.ref.mul(fromHost(this.strictLower, [n, n], dtype)).add(np.eye(n, undefined, { dtype }));
    const s = exp(p.logAbsDiag.ref).mul(fromHost(Float64Array.from(this.signs), [n], dtype));
    const U = p.upper.ref.mul(fromHost(this.strictUpper, [n, n], dtype)).add(np.diag(s));
    return [L, U];
  }

  /** W = P·L·U (n×n). */
  weight(p: LULinearParams): Array {
    const [L, U] = this.factors(p);
    return np.matmul(np.matmul(fromHost(this.pMat, [this.dim, this.dim], L.dtype), L), U);
  }

  private logDet(p: LULinearParams, B: number, sign: number): Array {
    return np.broadcastTo(mulScalar(p.logAbsDiag.ref.sum(), sign * this.positions), [B]);
  }

  forward(p: LULinearParams, x: Array, ctx?: Array): ForwardResult {
    ctx?.dispose();
    const B = checkEvent(x, this.eventShape, `${this.name}.forward`);
    const rows = x.reshape([B * this.positions, this.dim]);
    const y = np.matmul(rows, this.weight(p).transpose());
    return { y: y.reshape([B, ...this.eventShape]), logDet: this.logDet(p, B, 1) };
  }

  /** x Wᵀ = y ⇔ (x Uᵀ) Lᵀ = y P: solve the unit upper system Lᵀ, then the lower system Uᵀ. */
  inverse(p: LULinearParams, y: Array, ctx?: Array): InverseResult {
    ctx?.dispose();
    const B = checkEvent(y, this.eventShape, `${this.name}.inverse`);
    const [L, U] = this.factors(p);
    const yp = np.matmul(y.reshape([B * this.positions, this.dim]), fromHost(this.pMat, [this.dim, this.dim], L.dtype));
    const z = lax.linalg.triangularSolve(L.transpose(), yp, { leftSide: false, lower: false, unitDiagonal: true });
    const x = lax.linalg.triangularSolve(U.transpose(), z, { leftSide: false, lower: true });
    return { x: x.reshape([B, ...this.eventShape]), logDet: this.logDet(p, B, -1) };
  }
}

/** Glow's invertible 1×1 convolution on images [H, W, C]: LULinear on the channel axis at every pixel. */
export class InvertibleConv1x1 extends LULinear {
  override readonly name = "conv1x1";
  constructor(eventShape: number[], opts: LULinearOptions = {}) {
    if (eventShape.length !== 3) throw new OptionError(`conv1x1: expected an image event shape [H, W, C], got [${eventShape}]`);
    super(eventShape, opts);
  }
}
