// The judge's pieces in plain JS (no engine): softmax regression, Fréchet distance, nearest neighbours.

/** Multinomial logistic regression on rows x [n, D] (features scaled by 1/scale) with labels 0…K−1: full-batch
 * gradient descent with momentum and a small L2 penalty. Returns weights [D + 1, K] (bias last). */
export function fitSoftmax(x: Float64Array, y: ArrayLike<number>, D: number, K: number, scale: number, iters = 400): Float64Array {
  const n = y.length, W = new Float64Array((D + 1) * K), V = new Float64Array(W.length);
  const lr = 0.5, mom = 0.9, l2 = 1e-3;
  const p = new Float64Array(K);
  for (let it = 0; it < iters; it++) {
    const g = new Float64Array(W.length);
    for (let i = 0; i < n; i++) {
      let m = -Infinity;
      for (let k = 0; k < K; k++) {
        let s = W[D * K + k]!;
        for (let d = 0; d < D; d++) s += (x[i * D + d]! / scale) * W[d * K + k]!;
        p[k] = s;
        if (s > m) m = s;
      }
      let z = 0;
      for (let k = 0; k < K; k++) z += p[k] = Math.exp(p[k]! - m);
      for (let k = 0; k < K; k++) {
        const r = p[k]! / z - (y[i] === k ? 1 : 0);
        for (let d = 0; d < D; d++) g[d * K + k] += (r * x[i * D + d]!) / scale;
        g[D * K + k] += r;
      }
    }
    for (let j = 0; j < W.length; j++) {
      V[j] = mom * V[j]! - lr * (g[j]! / n + l2 * W[j]!);
      W[j] += V[j]!;
    }
  }
  return W;
}

export function predict(W: Float64Array, x: Float64Array, D: number, K: number, scale: number): Int32Array {
  const n = x.length / D, out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bs = -Infinity;
    for (let k = 0; k < K; k++) {
      let s = W[D * K + k]!;
      for (let d = 0; d < D; d++) s += (x[i * D + d]! / scale) * W[d * K + k]!;
      if (s > bs) [bs, best] = [s, k];
    }
    out[i] = best;
  }
  return out;
}

function meanCov(x: Float64Array, D: number): { mu: Float64Array; C: Float64Array } {
  const n = x.length / D, mu = new Float64Array(D), C = new Float64Array(D * D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) mu[d] += x[i * D + d]! / n;
  for (let i = 0; i < n; i++)
    for (let a = 0; a < D; a++) {
      const da = x[i * D + a]! - mu[a]!;
      for (let b = 0; b < D; b++) C[a * D + b] += (da * (x[i * D + b]! - mu[b]!)) / (n - 1);
    }
  return { mu, C };
}

/** Symmetric eigendecomposition by cyclic Jacobi: eigenvalues and eigenvectors (columns of V). */
function eigSym(A0: Float64Array, D: number): { w: Float64Array; V: Float64Array } {
  const A = Float64Array.from(A0), V = new Float64Array(D * D);
  for (let i = 0; i < D; i++) V[i * D + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < D; p++) for (let q = p + 1; q < D; q++) off += A[p * D + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < D; p++)
      for (let q = p + 1; q < D; q++) {
        const apq = A[p * D + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const th = (A[q * D + q]! - A[p * D + p]!) / (2 * apq);
        const t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < D; k++) {
          const akp = A[k * D + p]!, akq = A[k * D + q]!;
          A[k * D + p] = c * akp - s * akq;
          A[k * D + q] = s * akp + c * akq;
        }
        for (let k = 0; k < D; k++) {
          const apk = A[p * D + k]!, aqk = A[q * D + k]!;
          A[p * D + k] = c * apk - s * aqk;
          A[q * D + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < D; k++) {
          const vkp = V[k * D + p]!, vkq = V[k * D + q]!;
          V[k * D + p] = c * vkp - s * vkq;
          V[k * D + q] = s * vkp + c * vkq;
        }
      }
  }
  return { w: Float64Array.from({ length: D }, (_, i) => A[i * D + i]!), V };
}

function sqrtm(A: Float64Array, D: number): Float64Array {
  const { w, V } = eigSym(A, D), out = new Float64Array(D * D);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += V[a * D + k]! * Math.sqrt(Math.max(0, w[k]!)) * V[b * D + k]!;
      out[a * D + b] = s;
    }
  return out;
}

function matmul(A: Float64Array, B: Float64Array, D: number): Float64Array {
  const out = new Float64Array(D * D);
  for (let i = 0; i < D; i++) for (let k = 0; k < D; k++) for (let j = 0; j < D; j++) out[i * D + j] += A[i * D + k]! * B[k * D + j]!;
  return out;
}

/** Fréchet distance between Gaussians fitted to x and y: |μx − μy|² + tr(Cx + Cy − 2 (Cx^½ Cy Cx^½)^½). */
export function frechet(x: Float64Array, y: Float64Array, D: number): number {
  const a = meanCov(x, D), b = meanCov(y, D);
  let d2 = 0, tr = 0;
  for (let d = 0; d < D; d++) d2 += (a.mu[d]! - b.mu[d]!) ** 2;
  const sa = sqrtm(a.C, D);
  const m = sqrtm(matmul(matmul(sa, b.C, D), sa, D), D);
  for (let d = 0; d < D; d++) tr += a.C[d * D + d]! + b.C[d * D + d]! - 2 * m[d * D + d]!;
  return d2 + tr;
}

/** For each row of x, the L2 distance to its nearest row of ref. */
export function nearest(x: Float64Array, ref: Float64Array, D: number): Float64Array {
  const n = x.length / D, m = ref.length / D, out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let d = 0; d < D && s < best; d++) s += (x[i * D + d]! - ref[j * D + d]!) ** 2;
      if (s < best) best = s;
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}

export const median = (v: Float64Array) => Float64Array.from(v).sort()[Math.floor(v.length / 2)]!;
