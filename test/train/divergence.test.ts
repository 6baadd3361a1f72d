/**
 * A diverged run names its likely cause instead of always the learning rate: a table over both families of
 * (setting → the clause the DivergenceError must contain and the clauses it must not), each a short run on tiny
 * models. The default clause (the learning rate) is reached by data that turn NaN only on the third draw (the
 * diagnosis then sees clean data and a usual learning rate). nsf with one bin is refused up front.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  np, Rng, initEngine, createTrainState, createFlowTrainState, train, trainFlow, disposeTrainState, treeOps,
  DivergenceError, OptionError, Flow, type DataSource, type ModelConfig, type Array,
} from "../../src/index.js";
import type { AnyTrainState } from "../../src/train/checkpoint.js";
import { openDataSource } from "../../src/node/index.js";

await initEngine();

const opts = { steps: 6, batch: 32, seed: 5, warmupSteps: 0, checkpointEvery: 0, lr: 5e-3 };
const fmConfig: ModelConfig = { kind: "flow-matching", net: { kind: "mlp", dim: 2, hidden: [8], activation: "silu", time: { kind: "sinusoidal", size: 4 } }, path: "condot" };
const families = [
  { name: "flow matching", create: (o: object) => createTrainState(fmConfig, { ...opts, ...o }, np.float32), run: (s: AnyTrainState, d: DataSource) => train(s as never, d) },
  {
    name: "normalizing flow",
    create: (o: object) => createFlowTrainState({ arch: "realnvp", eventShape: [2], hidden: [8], layers: 1 }, { ...opts, ...o }, np.float32),
    run: (s: AnyTrainState, d: DataSource) => trainFlow(s as never, d),
  },
];

const moons = openDataSource("moons");
/** moons with one value replaced by `v` in every batch after `after` clean draws (`once`: in that batch only). */
function tainted(v: number, after = 0, once = false): DataSource {
  let calls = 0;
  return { spec: "tainted", kind: "toy", dim: 2, sample: (n: number, rng: Rng) => {
    const x = moons.sample(n, rng);
    const k = calls++;
    if (once ? k === after : k >= after) x[3] = v;
    return x;
  } };
}

interface Case { what: string; o?: object; data: () => DataSource; scale?: number; want: RegExp; not?: RegExp; only?: string }
const cases: Case[] = [
  { what: "lr 1e30", o: { lr: 1e30 }, data: () => moons, want: /learning rate \(1e\+30\) is far above usual values/, not: /data/ },
  { what: "NaN in the data", data: () => tainted(NaN), want: /at step 1: training diverged, the data: a training batch from tainted holds NaN in column 2/ },
  // After one clean draw: a flow's ActNorm initialization on a batch holding the outlier would absorb it.
  { what: "outliers (1e30)", data: () => tainted(1e30, 1), want: /the data scale: a training batch from tainted holds 1e\+30 in column 2/ },
  {
    // realnvp's zero-initialized output layers and bounded scales keep any weight scale finite: flow matching only.
    what: "huge initial weights", data: () => moons, scale: 1e30, only: "flow matching",
    want: /at step 1: .*before any update of this run, so the learning rate is not the cause: the model's settings .* \(largest \|w\| [0-9.]+e\+(29|30) in [\w.]+\)/,
  },
  { what: "NaN only in the 3rd batch", data: () => tainted(NaN, 2, true), want: /at step [23]: training diverged, most likely because the learning rate \(0\.005\) is too high/, not: /far above/ },
];

for (const f of families) {
  for (const c of cases.filter((c) => (c.only ?? f.name) === f.name)) {
    test(`${f.name}: divergence from ${c.what} names its cause`, () => {
      const s = f.create(c.o ?? {});
      if (c.scale) s.params = treeOps.map((a: Array) => a.mul(c.scale!), s.params as never) as never;
      let msg = "";
      assert.throws(() => f.run(s, c.data()), (e: unknown) => e instanceof DivergenceError && ((msg = e.message), true));
      disposeTrainState(s);
      assert.match(msg, /^loss became (NaN|-?Infinity) at step \d+: training diverged, /);
      assert.match(msg, c.want);
      if (c.not) assert.doesNotMatch(msg, c.not);
      assert.doesNotMatch(msg, /\n/);
    });
  }
}

test("nsf with one spline bin is refused up front (the minimum that trains is 2)", () => {
  for (const variant of ["coupling", "autoregressive"] as const)
    assert.throws(() => Flow.init({ arch: "nsf", eventShape: [2], bins: 1, variant }), (e: unknown) => e instanceof OptionError && /bins ≥ 2/.test((e as Error).message));
  using ok = Flow.init({ arch: "nsf", eventShape: [2], bins: 2, hidden: [8], layers: 1 });
  assert.ok(Number.isFinite(ok.logProb(Float64Array.of(0.1, 0.2))[0]!));
});
