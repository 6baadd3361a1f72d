// The sinusoidal time embedding in float64 is float64-accurate (engine sinCos), and so is a float64 MLP velocity
// that uses it: checked against the same formulas evaluated in JS doubles.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, VelocityModel, defaultMlpConfig, nets } from "../../src/index.js";
const { embedTime } = nets;
type MlpParams = nets.MlpParams;

await initEngine();

const ts = [0, 0.013, 0.25, 0.5, 0.77, 0.999, 1];
/** The embedding's columns for time t in JS doubles: [t, sin(2πf_k t)…, cos(2πf_k t)…, zero padding]. */
function hostEmbed(t: number, size: number, fmax: number): number[] {
  const half = Math.floor((size - 1) / 2);
  const w = globalThis.Array.from({ length: half }, (_, k) => 2 * Math.PI * (0.5 * (fmax / 0.5) ** (half > 1 ? k / (half - 1) : 0)));
  const out = [t, ...w.map((f) => Math.sin(t * f)), ...w.map((f) => Math.cos(t * f))];
  while (out.length < size) out.push(0);
  return out;
}

test("float64 sinusoidal embedding equals Math.sin/Math.cos of the same arguments to 1e-15", () => {
  for (const [size, fmax] of [[16, 16], [9, 100], [6, 3]] as const) {
    const e = embedTime(np.array(ts, { dtype: np.float64 }).reshape([ts.length, 1]), { kind: "sinusoidal", size, maxFrequency: fmax });
    assert.deepEqual(e.shape, [ts.length, size]);
    const got = e.js() as number[][];
    ts.forEach((t, i) => hostEmbed(t, size, fmax).forEach((want, j) => {
      assert.ok(Math.abs(got[i]![j]! - want) <= 1e-15, `size ${size}, t ${t}, column ${j}: ${got[i]![j]} vs ${want}`);
    }));
  }
});

test("a float64 MLP velocity (sinusoidal time, SiLU) equals a JS-double forward pass to 1e-13", () => {
  const net = { ...defaultMlpConfig(3), hidden: [16, 16], activation: "silu" as const };
  const model = VelocityModel.init({ kind: "flow-matching", net, path: "condot" }, 5, np.float64);
  const layers = (model.params.net as MlpParams).layers.map((l) => ({ w: l.w.ref.js() as number[][], b: l.b.ref.js() as number[] }));
  const x = [[0.3, -1.2, 2.0], [1.5, 0.1, -0.7], [-2.2, 0.9, 0.4]];
  const t = [0.05, 0.5, 0.93];
  const xa = np.array(x, { dtype: np.float64 }), ta = np.array(t, { dtype: np.float64 });
  const v = model.velocity(xa, ta).js() as number[][]; // borrows xa and ta
  xa.dispose();
  ta.dispose();
  x.forEach((row, i) => {
    let h = [...row, ...hostEmbed(t[i]!, 16, 16)];
    layers.forEach((l, k) => {
      h = l.b.map((b, j) => h.reduce((s, hv, r) => s + hv * l.w[r]![j]!, b));
      if (k + 1 < layers.length) h = h.map((z) => z / (1 + Math.exp(-z)));
    });
    h.forEach((want, j) => assert.ok(Math.abs(v[i]![j]! - want) <= 1e-13 * Math.max(1, Math.abs(want)), `v[${i}][${j}] = ${v[i]![j]} vs ${want}`));
  });
  model.dispose();
});
