// Float64 sin/cos (src/engine/math.ts): values against Math.sin/Math.cos, derivatives against the analytic ones
// (grad and jvp), under jit too; float32 keeps jax-js's kernels.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, grad, jvp, jit, vmap, sin, cos, sinCos, type Array } from "../../src/engine/index.js";

await initEngine();

const grid = (a: number, b: number, n: number) => globalThis.Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
// Wide and fine grids, quadrant boundaries (odd multiples of π/4), near-zeros of sin and cos (multiples of π/2),
// tiny and large arguments, and 2π·f·t for the time embedding's frequencies.
const xs = [
  ...grid(-50, 50, 401), ...grid(-1, 1, 101), ...grid(900, 1100, 37), -1e5 - 0.3, 123456.789, 1e-300, -1e-8, 0,
  ...[-7, -3, -1, 1, 3, 5, 99].map((m) => (m * Math.PI) / 4), ...[-4, -1, 1, 2, 3, 64, 1001].map((m) => (m * Math.PI) / 2),
  ...[0.5, 1.7, 16].flatMap((f) => [0.013, 0.5, 0.999].map((t) => 2 * Math.PI * f * t)),
];
const close = (got: number, want: number, tol: number) => Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));

test("float64 sin and cos match Math.sin/Math.cos to 1e-15 (absolute; relative beyond 1)", () => {
  const x = np.array(xs, { dtype: np.float64 });
  const s = sin(x.ref).dataSync(), c = cos(x.ref).dataSync();
  const [s2, c2] = sinCos(x).map((a) => a.dataSync());
  let worst = 0;
  xs.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(s[i]! - Math.sin(v)), Math.abs(c[i]! - Math.cos(v)));
    assert.ok(close(s[i]!, Math.sin(v), 1e-15), `sin(${v}) = ${s[i]} vs ${Math.sin(v)}`);
    assert.ok(close(c[i]!, Math.cos(v), 1e-15), `cos(${v}) = ${c[i]} vs ${Math.cos(v)}`);
    assert.equal(s2![i], s[i]);
    assert.equal(c2![i], c[i]);
  });
  // jax-js's own float64 kernels are float32-accurate: the test above would catch a fallback to them.
  const native = np.sin(np.array(xs, { dtype: np.float64 })).dataSync();
  const nativeWorst = Math.max(...xs.map((v, i) => Math.abs(native[i]! - Math.sin(v))));
  assert.ok(nativeWorst > 1e3 * Math.max(worst, 1e-18), `native ${nativeWorst} vs ours ${worst}`);
  // Tiny arguments keep their relative accuracy (sin x ≈ x).
  const tiny = sin(np.array([1e-300, -3e-20], { dtype: np.float64 })).dataSync();
  assert.equal(tiny[0], 1e-300);
  assert.equal(tiny[1], -3e-20);
});

test("gradients: d sin = cos, d cos = −sin to 1e-15 (grad through vmap, and jvp)", () => {
  const x = np.array(xs, { dtype: np.float64 });
  const ds = vmap(grad((z: Array) => sin(z)))(x.ref).dataSync();
  const dc = vmap(grad((z: Array) => cos(z)))(x.ref).dataSync();
  const [y, t] = jvp((z: Array) => sin(z), [x.ref], [np.onesLike(x.ref)]) as unknown as [Array, Array];
  const dj = t.dataSync();
  y.dispose();
  x.dispose();
  xs.forEach((v, i) => {
    assert.ok(close(ds[i]!, Math.cos(v), 1e-15), `sin'(${v}) = ${ds[i]} vs ${Math.cos(v)}`);
    assert.ok(close(dc[i]!, -Math.sin(v), 1e-15), `cos'(${v}) = ${dc[i]} vs ${-Math.sin(v)}`);
    assert.ok(close(dj[i]!, Math.cos(v), 1e-15), `jvp sin at ${v}: ${dj[i]} vs ${Math.cos(v)}`);
  });
});

test("float64 accuracy survives jit; second derivative too", () => {
  const f = jit((z: Array) => {
    const [s, c] = sinCos(z.ref);
    return np.stack([s, c, vmap(grad(grad((u: Array) => sin(u))))(z)]);
  });
  const vals = [-31.4, -2.2, 0.3, 7.9, 100.53];
  const y = f(np.array(vals, { dtype: np.float64 })).js() as number[][];
  vals.forEach((v, i) => {
    assert.ok(close(y[0]![i]!, Math.sin(v), 1e-15), `jit sin(${v})`);
    assert.ok(close(y[1]![i]!, Math.cos(v), 1e-15), `jit cos(${v})`);
    assert.ok(close(y[2]![i]!, -Math.sin(v), 1e-14), `jit sin''(${v}) = ${y[2]![i]} vs ${-Math.sin(v)}`);
  });
  (f as unknown as { dispose(): void }).dispose();
});

test("float32 inputs use jax-js's kernels (dtype kept)", () => {
  const [s, c] = sinCos(np.array([0.5, -2], { dtype: np.float32 }));
  assert.equal(s.dtype, np.float32);
  assert.equal(c.dtype, np.float32);
  const sv = s.dataSync(), cv = c.dataSync();
  assert.ok(Math.abs(sv[0]! - Math.sin(0.5)) < 1e-6 && Math.abs(cv[1]! - Math.cos(-2)) < 1e-6);
});
