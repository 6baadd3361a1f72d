/**
 * Test helpers for bijectors: perturbing (zero-initialized) parameters so a test can fail, and the three standard
 * checks — inverse(forward(x)) = x, forward logDet = log|det| of the autodiff Jacobian, inverse logDet = −forward.
 */
import assert from "node:assert/strict";
import { np, jit, treeOps, fromHost, toHostF64, Rng, type Array, type JsTree } from "../../src/engine/index.js";
import type { Bijector, Params } from "../../src/flows/types.js";
import { autodiffLogDets } from "./jacobian.js";

/** params + scale·N(0, 1) leafwise (consumes params). */
export function perturb<P extends JsTree<Array>>(params: P, rng: Rng, scale: number): P {
  return treeOps.map((a: Array) => a.add(fromHost(rng.normals(a.size).map((v) => v * scale), a.shape, a.dtype)), params) as P;
}

/** A [B, D] float64 array of N(0, s²) draws. */
export function normals(rng: Rng, shape: number[], s = 1): Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromHost(rng.normals(n).map((v) => v * s), shape, np.float64);
}

export function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Round trip (1e-10), logDet vs autodiff (1e-8) and inverse logDet = −forward logDet (1e-10) for a bijector on
 * x [B, ...event] (not consumed); ctx (not consumed) optional. Returns the forward output on the host.
 */
export function checkBijector<P extends Params>(bij: Bijector<P>, params: P, x: Array, ctx?: Array): Float64Array {
  const [B] = x.shape as [number];
  const D = x.size / B;
  const fwd = bij.forward(params, x.ref, ctx?.ref);
  const y = toHostF64(fwd.y.ref);
  const ld = toHostF64(fwd.logDet);
  const inv = bij.inverse(params, fwd.y, ctx?.ref);
  const back = toHostF64(inv.x);
  const ldInv = toHostF64(inv.logDet);
  const xs = toHostF64(x.ref);
  assert.ok(maxAbsDiff(back, xs) < 1e-10, `${bij.name}: round trip error ${maxAbsDiff(back, xs)}`);
  assert.ok(maxAbsDiff(ldInv, ld.map((v) => -v)) < 1e-10, `${bij.name}: inverse logDet ≠ −forward`);
  // jit makes the D jvps of the Jacobian cheap (eager float64 exp/tanh are long op chains), and checks that the
  // layer traces in float64 without losing precision.
  const flat = (f: (v: Array) => Array) =>
    jit((v: Array) => f(v.reshape([B, ...bij.eventShape])).reshape([B, D])) as unknown as (v: Array) => Array;
  const ad = autodiffLogDets(flat((v) => bij.forward(params, v, ctx?.ref).y), x.ref.reshape([B, D]));
  assert.ok(maxAbsDiff(ad, ld) < 1e-8, `${bij.name}: logDet ${ld} vs autodiff ${ad}`);
  // The inverse's logDet against its own autodiff Jacobian, at y.
  const yArr = fromHost(y, x.shape, np.float64);
  const adInv = autodiffLogDets(flat((v) => bij.inverse(params, v, ctx?.ref).x), yArr.reshape([B, D]));
  assert.ok(maxAbsDiff(adInv, ldInv) < 1e-8, `${bij.name}: inverse logDet ${ldInv} vs autodiff ${adInv}`);
  return y;
}

/** A random permutation of 0…n−1 (Fisher–Yates) from `rng`: MADE orders in the tests. */
export function shuffle(rng: Rng, n: number): number[] {
  const p = globalThis.Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
