/**
 * Uploads go up in the target dtype (WebGPU has no float64): `hostArray`/`fromHost` round float64 host values to
 * float32 on the host, which must give exactly what the former float64-upload-then-cast gave, ties and extremes
 * included; float64 and int32 uploads keep every value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, Rng, hostArray, fromHost } from "../../src/engine/index.js";

await initEngine();

test("float32 uploads equal a float64 upload cast to float32, bit for bit", () => {
  const rng = new Rng(7);
  const v = Float64Array.from({ length: 20000 }, (_, i) => rng.normal() * 10 ** ((i % 40) - 20));
  // Halfway cases between float32 neighbours (round-half-even), subnormals, overflow and signed zero.
  const edge = [1 + 2 ** -24, 1 + 3 * 2 ** -24, -(1 + 2 ** -24), 2 ** -149, 2 ** -150, 3 * 2 ** -151, 3.4028235677973366e38, 3.5e38, -0, 0.1, 1 / 3];
  const all = Float64Array.from([...v, ...edge]);
  const cast = np.array(all, { dtype: np.float64 }).astype(np.float32).dataSync() as Float32Array;
  const direct = hostArray(all, np.float32);
  assert.equal(direct.dtype, np.float32);
  const got = direct.dataSync() as Float32Array;
  assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(cast.buffer));
});

test("float64 and int32 uploads keep their values; fromHost reshapes", () => {
  const v = Float64Array.of(0.1, -1 / 3, 1e300, 5e-324);
  assert.deepEqual(hostArray(v, np.float64).dataSync(), v);
  assert.deepEqual(Array.from(hostArray([3, -7, 2 ** 30], np.int32).dataSync()), [3, -7, 2 ** 30]);
  const a = fromHost([1, 2, 3, 4, 5, 6], [2, 3], np.float32);
  assert.deepEqual(a.shape, [2, 3]);
  assert.deepEqual(Array.from(a.dataSync()), [1, 2, 3, 4, 5, 6]);
});
