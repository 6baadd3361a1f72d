// Multi-scale Glow: squeeze is the expected permutation and invertible; the whole multi-scale flow on a tiny image
// round-trips and its logDet equals the autodiff Jacobian's log|det| (float64); dataInit standardizes the ActNorms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64, fromHost, np } from "../../src/engine/index.js";
import { Squeeze, MultiScaleGlow, squeeze, unsqueeze } from "../../src/flows/glow.js";
import { OptionError } from "../../src/errors.js";
import { checkBijector, perturb, randn, F64 } from "./check.js";

await initEngine();

test("squeeze moves each 2×2 block into channels (brute force) and unsqueeze inverts it", () => {
  const [B, H, W, C] = [2, 4, 6, 3];
  const v = Float64Array.from({ length: B * H * W * C }, (_, i) => i);
  const y = toHostF64(squeeze(fromHost(v, [B, H, W, C], F64)));
  const at = (b: number, i: number, j: number, c: number) => v[((b * H + i) * W + j) * C + c]!;
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H / 2; i++)
      for (let j = 0; j < W / 2; j++)
        for (let di = 0; di < 2; di++)
          for (let dj = 0; dj < 2; dj++)
            for (let c = 0; c < C; c++) {
              const got = y[(((b * H) / 2 + i) * (W / 2) + j) * 4 * C + (di * 2 + dj) * C + c];
              assert.equal(got, at(b, 2 * i + di, 2 * j + dj, c));
            }
  const back = toHostF64(unsqueeze(fromHost(y, [B, H / 2, W / 2, 4 * C], F64)));
  assert.deepEqual(Array.from(back), Array.from(v));
  const sq = new Squeeze([H, W, C]);
  const r = sq.forward({}, fromHost(v, [B, H, W, C], F64));
  assert.deepEqual(Array.from(toHostF64(r.logDet)), [0, 0]);
  const inv = sq.inverse({}, r.y);
  assert.deepEqual(Array.from(toHostF64(inv.x)), Array.from(v));
  inv.logDet.dispose();
  assert.throws(() => new Squeeze([3, 4, 1]), OptionError);
  assert.throws(() => new MultiScaleGlow([4, 4, 1], { levels: 3 }), OptionError);
});

test("multi-scale glow [2, 4, 4, 1]: round trip, logDet vs autodiff, inverse logDet = −forward", () => {
  const rng = new Rng(8);
  const g = new MultiScaleGlow([4, 4, 1], { levels: 2, steps: 1, hidden: [5], seed: 3 });
  const p = perturb(g.init(rng, F64), rng, 0.3);
  const x = randn(rng, [2, 4, 4, 1]);
  checkBijector(g, p, x, undefined, { extreme: 0 });
  x.dispose();
});

test("multi-scale glow dataInit: the first ActNorm's output is standardized per channel", () => {
  const rng = new Rng(9);
  const g = new MultiScaleGlow([4, 4, 1], { levels: 1, steps: 1, hidden: [4] });
  const p0 = g.init(rng, F64);
  const x = fromHost(rng.normals(64 * 16).map((v, i) => 3 + 2 * v + (i % 3)), [64, 4, 4, 1], F64);
  const p = g.dataInit(p0, x.ref);
  // Level 0 step 0 is ActNorm on the squeezed [2, 2, 4] tensor.
  const an = (p.levels[0]!.steps as { loc: ReturnType<typeof np.zeros>; logScale: ReturnType<typeof np.zeros> }[])[0]!;
  const s = toHostF64(squeeze(x));
  const loc = toHostF64(an.loc.ref);
  const mean = [0, 0, 0, 0];
  s.forEach((v, i) => (mean[i % 4]! += v / (s.length / 4)));
  mean.forEach((m, c) => assert.ok(Math.abs(m - loc[c]!) < 1e-10, `channel ${c}: ${m} vs ${loc[c]}`));
});
