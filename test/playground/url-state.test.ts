/**
 * The playground's URL settings (playground/src/url-state.ts, plain TypeScript without the DOM): a round trip keeps
 * every setting, defaults stay out of the query, and malformed values fall back to the defaults.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULTS, readSettings, writeSettings, type Settings } from "../../playground/src/url-state.ts";
import { paths, solvers } from "../../src/index.js";

test("settings round-trip through the query string; defaults are left out", () => {
  const s: Settings = { ...DEFAULTS, data: "moons", model: "nsf", path: "cosine", pairing: "ot", width: 32, lr: 0.005, steps: 300, cond: true, solver: "dopri5", nsteps: 7, n: 500, res: 24, engine: "wasm" };
  const q = writeSettings(s);
  assert.equal(q, "?data=moons&model=nsf&path=cosine&pairing=ot&width=32&lr=0.005&steps=300&cond=mode&solver=dopri5&nsteps=7&n=500&res=24&engine=wasm");
  assert.deepEqual(readSettings(q), s);
  assert.equal(writeSettings(DEFAULTS), "");
  assert.deepEqual(readSettings(""), DEFAULTS);
});

test("malformed or out-of-range values keep their defaults", () => {
  const s = readSettings("?model=resnet&width=-3&lr=abc&steps=1e9&solver=heun2&path=nope&n=5");
  assert.deepEqual(s, DEFAULTS);
});

test("the page's path and solver choices exist in the library", async () => {
  const { PATHS, SOLVERS } = await import("../../playground/src/url-state.ts");
  for (const p of PATHS) assert.ok(paths.schedulerNames().includes(p), `path ${p}`);
  for (const m of SOLVERS) assert.ok(solvers.solverNames().includes(m), `solver ${m}`);
});
