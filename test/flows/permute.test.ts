import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, Rng, toHostF64, fromHost } from "../../src/engine/index.js";
import { Permute, halfMask, alternatingMask, checkerboardMask, channelMask } from "../../src/flows/index.js";
import { OptionError, ShapeError } from "../../src/errors.js";
import { checkBijector, randn, F64 } from "./check.js";

await initEngine();

test("masks: half, alternating, checkerboard and channel patterns", () => {
  assert.deepEqual(halfMask(5), [1, 1, 1, 0, 0]);
  assert.deepEqual(halfMask(5, 1), [0, 0, 0, 1, 1]);
  assert.deepEqual(alternatingMask(4), [1, 0, 1, 0]);
  assert.deepEqual(alternatingMask(4, 1), [0, 1, 0, 1]);
  // [2, 2, 2]: pixel (0,0) and (1,1) kept, both channels.
  assert.deepEqual(checkerboardMask(2, 2, 2), [1, 1, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual(checkerboardMask(2, 2, 1, 1), [0, 1, 1, 0]);
  assert.deepEqual(channelMask(1, 2, 3), [1, 1, 0, 1, 1, 0]);
  assert.throws(() => channelMask(2, 2, 1), OptionError);
  assert.throws(() => halfMask(0), OptionError);
});

test("permutations: reverse, random, channels — exact round trip, logDet 0, Jacobian a permutation", () => {
  const rng = new Rng(3);
  for (const shape of [[5], [3, 2, 2], [7]]) {
    const x = randn(rng, [3, ...shape]);
    const perms = [Permute.reverse(shape), Permute.random(shape, rng)];
    if (shape.length === 3) perms.push(Permute.channels(shape, [1, 0]));
    for (const p of perms) {
      const ld = checkBijector(p, p.init(rng, F64), x, undefined, { roundTrip: 0, jacobian: 0 });
      assert.ok(ld.every((v) => v === 0));
    }
    x.dispose();
  }
  const p = Permute.reverse([3]);
  const y = p.forward({}, fromHost(Float64Array.from([1, 2, 3]), [1, 3], F64)).y;
  assert.deepEqual(Array.from(toHostF64(y)), [3, 2, 1]);
  assert.throws(() => new Permute([3], [0, 0, 1]), ShapeError);
  assert.throws(() => p.forward({}, randn(rng, [2, 4])), ShapeError);
});

