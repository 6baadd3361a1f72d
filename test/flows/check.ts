/**
 * Shared checks for bijector tests (float64): round trip, logDet against the autodiff Jacobian, inverse logDet
 * = −forward logDet, and finite values/gradients for extreme inputs. Not a test file itself.
 */
import assert from "node:assert/strict";
import { np, grad, jit, treeOps, fromHost, toHostF64, Rng, type Array } from "../../src/engine/index.js";
import { autodiffLogDets } from "../util/jacobian.js";
import type { Bijector, Params } from "../../src/flows/index.js";

export const F64 = np.float64;

export function randn(rng: Rng, shape: number[], scale = 1): Array {
  const n = shape.reduce((a, b) => a * b, 1);
  return fromHost(rng.normals(n).map((v) => v * scale), shape, F64);
}

/** params + N(0, scale²) on every leaf (consumes nothing; returns a new tree). */
export function perturb<P extends Params>(p: P, rng: Rng, scale: number): P {
  return treeOps.map((a: Array) => a.ref.add(randn(rng, a.shape, scale).astype(a.dtype)), p) as P;
}

export const maxAbsDiff = (a: Float64Array, b: Float64Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

export interface CheckOptions {
  /** Round-trip tolerance (default 1e-10). */
  roundTrip?: number;
  /** logDet vs Jacobian tolerance (default 1e-8). */
  jacobian?: number;
  /** Largest |x| of the extreme-input check (default 1e3); 0 skips it. */
  extreme?: number;
}

/** Runs every check on x [B, ...event] (not consumed) and ctx (not consumed). Returns the forward logDet. */
export function checkBijector<P extends Params>(
  bij: Bijector<P>,
  params: P,
  x: Array,
  ctx?: Array,
  opts: CheckOptions = {},
): Float64Array {
  const B = x.shape[0]!;
  const D = x.size / B;
  const label = bij.name;
  const fwd = bij.forward(params, x.ref, ctx?.ref);
  assert.deepEqual(fwd.y.shape, x.shape, `${label}: y shape`);
  assert.deepEqual(fwd.logDet.shape, [B], `${label}: logDet shape`);
  const inv = bij.inverse(params, fwd.y.ref, ctx?.ref);
  const x0 = toHostF64(x.ref);
  const x1 = toHostF64(inv.x);
  const y = toHostF64(fwd.y);
  const ld = toHostF64(fwd.logDet);
  const ild = toHostF64(inv.logDet);
  const rt = maxAbsDiff(x0, x1);
  assert.ok(rt <= (opts.roundTrip ?? 1e-10), `${label}: round trip error ${rt}`);
  assert.ok(y.some((v, i) => Math.abs(v - x0[i]!) > 1e-6), `${label}: forward is the identity (test would be vacuous)`);
  const sym = maxAbsDiff(ld, ild.map((v) => -v));
  assert.ok(sym <= 1e-10, `${label}: inverse logDet + forward logDet = ${sym}`);
  const f = (xf: Array) => {
    const r = bij.forward(params, xf.reshape(x.shape), ctx?.ref);
    r.logDet.dispose();
    return r.y.reshape([B, D]);
  };
  const xf = x.ref.reshape([B, D]);
  // jvp of a jitted map: one compilation, then each one-hot column is cheap (eager float64 tanh/exp are slow).
  const jac = autodiffLogDets(jit(f), xf);
  xf.dispose();
  const jErr = maxAbsDiff(jac, ld);
  assert.ok(jErr <= (opts.jacobian ?? 1e-8), `${label}: logDet vs autodiff Jacobian error ${jErr} (${ld} vs ${jac})`);
  if ((opts.extreme ?? 1e3) > 0) checkExtreme(bij, params, x, ctx, opts.extreme ?? 1e3);
  return ld;
}

const allFinite = (a: Float64Array) => a.every((v) => Number.isFinite(v));

/** Inputs rescaled to max |x| = `scale`: finite outputs both ways, finite parameter gradients of Σ(logDet + y²) (and of Σ(logDet + x²) through the inverse). */
export function checkExtreme<P extends Params>(bij: Bijector<P>, params: P, x: Array, ctx: Array | undefined, scale: number): void {
  const xh = toHostF64(x.ref);
  const m = xh.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
  const big = fromHost(xh.map((v) => (v / m) * scale), x.shape, x.dtype);
  const label = `${bij.name} (|x| ≤ ${scale})`;
  const fwd = bij.forward(params, big.ref, ctx?.ref);
  assert.ok(allFinite(toHostF64(fwd.y.ref)) && allFinite(toHostF64(fwd.logDet)), `${label}: forward not finite`);
  const inv = bij.inverse(params, fwd.y, ctx?.ref);
  assert.ok(allFinite(toHostF64(inv.x)) && allFinite(toHostF64(inv.logDet)), `${label}: inverse not finite`);
  // The gradient of the slow direction of a one-way layer (planar: an unrolled iteration) is skipped to keep tests fast.
  const dirs = bij.fast === "forward" ? (["forward"] as const) : (["forward", "inverse"] as const);
  for (const dir of dirs) {
    const loss = (p: P) => {
      const r = dir === "forward" ? bij.forward(p, big.ref, ctx?.ref) : bij.inverse(p, big.ref, ctx?.ref);
      const out = dir === "forward" ? (r as { y: Array }).y : (r as { x: Array }).x;
      return r.logDet.sum().add(out.ref.mul(out).sum());
    };
    const g = grad(loss)(params) as P;
    const leaves = treeOps.leaves(g) as Array[];
    for (const leaf of leaves) assert.ok(allFinite(toHostF64(leaf)), `${label}: ${dir} gradient not finite`);
  }
  big.dispose();
}
