// A user network registered with its module trains on worker threads: each worker imports the module, rebuilds the
// network from config.json's `net`, and the run matches the one-thread run up to rounding.
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, createTrainState, train, disposeTrainState, openDataSource, type ModelConfig, nets } from "../../src/node/index.js";
import "./tanh-net.js";
const { netWorkerSource } = nets;

await initEngine();

test("a network registered with { module } trains on 2 worker threads like on one", () => {
  assert.match(netWorkerSource("test-tanh") ?? "", /tanh-net\.ts$/);
  const config: ModelConfig = { kind: "flow-matching", net: { kind: "test-tanh", dim: 2, width: 16 }, path: "condot" };
  const data = openDataSource("moons");
  const opts = { steps: 15, batch: 64, seed: 2, checkpointEvery: 0 };
  const one = train(createTrainState(config, { ...opts, workers: 1 }), data);
  const two = train(createTrainState(config, { ...opts, workers: 2 }), data);
  one.losses.forEach((l, i) => assert.ok(Math.abs(l - two.losses[i]!) < 1e-4 * Math.abs(l), `step ${i + 1}: ${l} vs ${two.losses[i]}`));
  disposeTrainState(one);
  disposeTrainState(two);
});
