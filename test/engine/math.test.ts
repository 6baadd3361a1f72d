import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, grad, vmap, exp, log, log1p, tanh } from "../../src/engine/index.js";

await initEngine();

// Wide grids, including the ranges where jax-js's own float64 kernels are only float32-accurate.
const grid = (a: number, b: number, n: number) => Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
const cases = [
  { name: "exp", f: exp, ref: Math.exp, d: Math.exp, xs: [...grid(-700, 700, 57), ...grid(-3, 3, 61), 1e-9, -1e-12] },
  { name: "log", f: log, ref: Math.log, d: (x: number) => 1 / x, xs: [...grid(1e-3, 50, 57), 1e-30, 1e30, 1 + 1e-12] },
  { name: "log1p", f: log1p, ref: Math.log1p, d: (x: number) => 1 / (1 + x), xs: [...grid(-0.99, 10, 57), 1e-12, -1e-15, 0] },
  { name: "tanh", f: tanh, ref: Math.tanh, d: (x: number) => 1 - Math.tanh(x) ** 2, xs: [...grid(-20, 20, 81), 1e-5, -0.0099, 0.0101, 400, -1000] },
];

for (const c of cases) {
  test(`${c.name} in float64 matches Math.${c.name} to 1e-14 relative (2e-16 absolute), gradient too`, () => {
    const x = np.array(c.xs, { dtype: np.float64 });
    const y = c.f(x.ref).dataSync();
    const g = vmap(grad((z: any) => c.f(z)))(x).dataSync();
    c.xs.forEach((v, i) => {
      const want = c.ref(v);
      assert.ok(Math.abs(y[i] - want) <= 1e-14 * Math.abs(want) + 2e-16, `${c.name}(${v}) = ${y[i]} vs ${want}`);
      const wantD = c.d(v);
      assert.ok(Math.abs(g[i] - wantD) <= 1e-13 * Math.abs(wantD) + 1e-15, `${c.name}'(${v}) = ${g[i]} vs ${wantD}`);
    });
  });
}

test("float32 inputs use the native kernels (dtype preserved, float32-accurate)", () => {
  const y = exp(np.array([0.5, -2], { dtype: np.float32 }));
  assert.equal(y.dtype, np.float32);
  const d = y.dataSync();
  assert.ok(Math.abs(d[0] - Math.exp(0.5)) < 1e-6 && Math.abs(d[1] - Math.exp(-2)) < 1e-6);
});

test("float64 accuracy survives jit (jax-js rounds JS scalars to float32 inside jit)", async () => {
  const { jit } = await import("../../src/engine/index.js");
  const xs = [-3.3, -0.7, 0.123, 1.9, 7.5];
  const f = jit((x: any) => np.stack([exp(x.ref), log(np.abs(x.ref)), tanh(x.ref), log1p(np.abs(x))]));
  const y = f(np.array(xs, { dtype: np.float64 })).js() as number[][];
  xs.forEach((v, i) => {
    const want = [Math.exp(v), Math.log(Math.abs(v)), Math.tanh(v), Math.log1p(Math.abs(v))];
    want.forEach((w, j) => assert.ok(Math.abs(y[j][i] - w) <= 2e-15 * Math.abs(w), `fn ${j} at ${v}: ${y[j][i]} vs ${w}`));
  });
});
