// The U-Net velocity network (src/nets/unet.ts): shapes for every supported image size, its gradient against
// central finite differences in float64 (parameters and input), that time and class inputs reach the output, that
// batch rows stay independent (GroupNorm is per image), and finite outputs and gradients at |x| ≥ 100.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, grad, jvp, jit, treeOps, fromHost, Rng, treeRef, treeLeaves, treeDispose, type Array, type Tree } from "../../src/engine/index.js";
import { getNet } from "../../src/nets/registry.js";
import { defaultUnetConfig, unetApply, initUnet, checkUnetConfig, type UnetConfig, type UnetParams } from "../../src/nets/unet.js";
import { OptionError } from "../../src/errors.js";

await initEngine();

const tiny = (image: [number, number, number], o: Partial<UnetConfig> = {}): UnetConfig => ({
  ...defaultUnetConfig(image, { width: 4, levels: 2 }), time: { kind: "sinusoidal", size: 8 }, ...o,
});
const arr = (v: Float64Array | number[], shape: number[], dtype = np.float64) => fromHost(Float64Array.from(v), shape, dtype);
const host = (a: Array) => Float64Array.from(a.dataSync() as ArrayLike<number>);
const normals = (seed: number, n: number, scale = 1) => new Rng(seed).normals(n).map((v) => v * scale);

test("output has the input's [B, H·W·C] shape for sizes from 8×8×1 to 32×32×3; defaults follow the size", () => {
  for (const image of [[8, 8, 1], [4, 4, 3], [28, 28, 1], [32, 32, 3], [6, 10, 2]] as [number, number, number][]) {
    const c = { ...defaultUnetConfig(image, { width: 4 }), time: { kind: "sinusoidal" as const, size: 8 } };
    const D = image[0] * image[1] * image[2];
    const p = initUnet(c, 0);
    const out = host(unetApply(c, p, arr(normals(1, 2 * D), [2, D], np.float32), np.array([0.3, 0.7]), undefined));
    treeDispose(p as unknown as Tree);
    assert.equal(out.length, 2 * D, `image ${image}`);
    assert.ok(out.every(Number.isFinite), `finite output for ${image}`);
  }
  assert.deepEqual(defaultUnetConfig([8, 8, 1]).mults, [1, 2]);
  assert.deepEqual(defaultUnetConfig([28, 28, 1]).mults, [1, 2, 2]);
  assert.deepEqual(defaultUnetConfig([6, 10, 2]).mults, [1, 2], "6×10 halves once only (3×5 is odd)");
  assert.deepEqual(defaultUnetConfig([5, 5, 1]).mults, [1]);
});

test("bad configs are one-line OptionErrors: image ↔ dim, divisibility by the levels", () => {
  assert.throws(() => checkUnetConfig({ ...defaultUnetConfig([8, 8, 1]), dim: 63 }), (e: Error) => e instanceof OptionError && /64 values but the data has dimension 63/.test(e.message));
  assert.throws(() => getNet({ ...defaultUnetConfig([6, 6, 1]), mults: [1, 2, 2] }), (e: Error) => e instanceof OptionError && /divisible by 4/.test(e.message));
});

/** A fixed scalar loss Σ r ⊙ v(x, t, cond), its gradient in the parameters, in float64. */
function setup(seed: number) {
  // 8×8 so the lowest level is 4×4: GroupNorm over a 2×2 level curves so sharply that central differences need
  // ε ≈ 1e-7 to agree to 1e-6.
  const c = tiny([8, 8, 1], { condWidth: 3 });
  const B = 2, D = 64;
  const p = initUnet(c, seed, np.float64);
  const x = normals(seed + 1, B * D), r = normals(seed + 2, B * D), cond = normals(seed + 3, B * 3);
  // Compiled: float64 runs op by op otherwise, seconds per pass.
  const loss = jit((q: UnetParams, xx: Array) => unetApply(c, q, xx, arr([0.25, 0.8], [2]), arr(cond, [B, 3])).mul(arr(r, [B, D])).sum());
  return { c, p, x, B, D, loss, cond };
}

/** Parameters p + ε·d leaf by leaf (d: one host array per leaf, in treeLeaves order, which sorts object keys). */
function shifted(p: UnetParams, d: Float64Array[], eps: number): UnetParams {
  let i = 0;
  return treeOps.map((leaf: Array) => {
    const di = d[i++]!;
    return arr(host(leaf.ref).map((v, j) => v + eps * di[j]!), leaf.shape);
  }, p as unknown as Tree) as unknown as UnetParams;
}

test("float64 gradient in the parameters matches central finite differences along a random direction", () => {
  const { p, x, B, D, loss } = setup(3);
  const g = jit(grad((q: UnetParams) => loss(q, arr(x, [B, D]))))(treeRef(p as unknown as Tree) as unknown as UnetParams);
  const leaves = treeLeaves(p as unknown as Tree);
  const d = leaves.map((l, k) => normals(100 + k, l.size));
  const gl = treeLeaves(g as unknown as Tree).map(host);
  const analytic = gl.reduce((s, gi, k) => s + gi.reduce((a, v, j) => a + v * d[k]![j]!, 0), 0);
  const eps = 1e-5;
  const f = (e: number) => {
    const q = shifted(p, d, e);
    return loss(q, arr(x, [B, D])).item() as number; // the compiled loss consumes q
  };
  // Richardson extrapolation of the central difference: its ε² error term cancels (norms and attention curve enough
  // for it to show at 1e-6 otherwise).
  const central = (e: number) => (f(e) - f(-e)) / (2 * e);
  const numeric = (4 * central(eps / 2) - central(eps)) / 3;
  treeDispose(p as unknown as Tree);
  assert.ok(Math.abs(analytic - numeric) <= 1e-6 * Math.max(1, Math.abs(numeric)), `grad·d ${analytic} vs finite differences ${numeric}`);
  assert.ok(Math.abs(analytic) > 1e-3, "the check is not vacuous");
});

test("float64 forward-mode derivative in x (what exact likelihoods use) matches finite differences", () => {
  const { p, x, B, D, loss } = setup(5);
  const u = normals(77, B * D);
  const [, tangent] = jvp((xx: Array) => loss(treeRef(p as unknown as Tree) as unknown as UnetParams, xx), [arr(x, [B, D])], [arr(u, [B, D])]) as [Array, Array];
  const eps = 1e-5;
  const at = (e: number) => loss(treeRef(p as unknown as Tree) as unknown as UnetParams, arr(x.map((v, j) => v + e * u[j]!), [B, D])).item() as number;
  const numeric = (at(eps) - at(-eps)) / (2 * eps);
  const analytic = tangent.item() as number;
  treeDispose(p as unknown as Tree);
  assert.ok(Math.abs(analytic - numeric) <= 1e-6 * Math.max(1, Math.abs(numeric)), `jvp ${analytic} vs finite differences ${numeric}`);
  assert.ok(Math.abs(analytic) > 1e-3, "the check is not vacuous");
});

test("time and class inputs change the output; batch rows do not see each other", () => {
  const c = tiny([8, 8, 1], { condWidth: 4 });
  const p = initUnet(c, 2, np.float64);
  const x = normals(9, 2 * 64);
  const apply = jit((q: UnetParams, xs: Array, t: Array, cond: Array) => unetApply(c, q, xs, t, cond));
  const run = (t: number[], cond: number[], xs = x) => host(apply(treeRef(p as unknown as Tree) as unknown as UnetParams, arr(xs, [2, 64]), arr(t, [2]), arr(cond, [2, 4])));
  const cond = [1, 0, 0, 0, 0, 1, 0, 0];
  const base = run([0.3, 0.3], cond);
  const maxDiff = (a: Float64Array, b: Float64Array, rows: [number, number]) => Math.max(...a.subarray(rows[0] * 64, rows[1] * 64).map((v, j) => Math.abs(v - b[rows[0] * 64 + j]!)));
  assert.ok(maxDiff(base, run([0.9, 0.3], cond), [0, 1]) > 1e-3, "t reaches the output");
  assert.ok(maxDiff(base, run([0.3, 0.3], [0, 0, 1, 0, 0, 1, 0, 0]), [0, 1]) > 1e-3, "the class reaches the output");
  // Changing row 1's time, class and pixels leaves row 0 exactly as it was (no batch statistics anywhere).
  const other = run([0.3, 0.95], [1, 0, 0, 0, 0, 0, 0, 1], Float64Array.from(x, (v, j) => (j >= 64 ? -3 * v : v)));
  assert.equal(maxDiff(base, other, [0, 1]), 0);
  assert.ok(maxDiff(base, other, [1, 2]) > 1e-3);
  treeDispose(p as unknown as Tree);
});

test("no NaN or Inf in outputs and gradients at |x| ≥ 100 (float32)", () => {
  const c = tiny([8, 8, 1], { condWidth: 2 });
  const p = initUnet(c, 4);
  for (const scale of [100, 1e4]) {
    const x = normals(11, 2 * 64).map((v) => Math.sign(v) * (scale + Math.abs(v) * scale));
    const f = (q: UnetParams) => unetApply(c, q, arr(x, [2, 64], np.float32), np.array([0.01, 0.99]), arr([1, 0, 0, 1], [2, 2], np.float32)).mul(arr(x.map((v) => 1 / v), [2, 64], np.float32)).sum();
    const out = host(unetApply(c, p, arr(x, [2, 64], np.float32), np.array([0.01, 0.99]), arr([1, 0, 0, 1], [2, 2], np.float32)));
    assert.ok(out.every(Number.isFinite), `finite output at scale ${scale}`);
    const g = grad(f)(treeRef(p as unknown as Tree) as unknown as UnetParams);
    for (const leaf of treeLeaves(g as unknown as Tree)) assert.ok(host(leaf).every(Number.isFinite), `finite gradient at scale ${scale}`);
  }
  treeDispose(p as unknown as Tree);
});
