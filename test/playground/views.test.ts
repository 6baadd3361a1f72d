/**
 * The playground's pure view helpers (no DOM): trajectory states at time t interpolate the solver's output grid
 * exactly at its times and linearly between them; a view's extent is square, holds every point and ignores NaNs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { statesAt } from "../../playground/src/views/trajectories.ts";
import { extentOf } from "../../playground/src/views/plot.ts";

test("statesAt: the grid's states at its times, linear in between, clamped outside [0, 1]", () => {
  const tr = { ts: [0, 0.25, 1], states: [Float64Array.from([0, 0, 1, 1]), Float64Array.from([1, 2, 1, 1]), Float64Array.from([4, 8, 1, 1])] };
  assert.deepEqual([...statesAt(tr, 0)], [0, 0, 1, 1]);
  assert.deepEqual([...statesAt(tr, 0.25)], [1, 2, 1, 1]);
  assert.deepEqual([...statesAt(tr, 1)], [4, 8, 1, 1]);
  assert.deepEqual([...statesAt(tr, 0.125)], [0.5, 1, 1, 1]);
  assert.deepEqual([...statesAt(tr, 0.625)], [2.5, 5, 1, 1]); // halfway from 0.25 to 1
  assert.deepEqual([...statesAt(tr, 2)], [4, 8, 1, 1]);
});

test("extentOf: square, centred on the points' box, with the margin; NaN rows ignored; a default when empty", () => {
  const e = extentOf(Float64Array.from([0, 0, 4, 2, NaN, 100]), 0);
  assert.deepEqual(e, { x0: 0, x1: 4, y0: -1, y1: 3 });
  const m = extentOf(Float64Array.from([-1, -1, 1, 1]), 0.5);
  assert.deepEqual(m, { x0: -1.5, x1: 1.5, y0: -1.5, y1: 1.5 });
  assert.deepEqual(extentOf(new Float64Array()), { x0: -4, x1: 4, y0: -4, y1: 4 });
});
