import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initEngine } from "../../src/engine/index.js";
import { createTrainState, train, modelFromState, disposeTrainState } from "../../src/train/trainer.js";
import { saveTrainState, loadTrainState, loadModel } from "../../src/node/train-state.js";
import { trainStateToBytes, trainStateFromBytes, modelFromBytes } from "../../src/train/checkpoint.js";
import { openDataSource } from "../../src/data/data-source.js";
import { sample } from "../../src/fm/sample.js";
import type { ModelConfig } from "../../src/fm/velocity-model.js";
import type { MlpParams } from "../../src/nets/mlp.js";

await initEngine();

const config: ModelConfig = { kind: "flow-matching", net: { kind: "mlp", dim: 2, hidden: [32, 32], activation: "silu", time: { kind: "sinusoidal", size: 8 } }, path: "condot" };
const opts = { steps: 40, batch: 64, seed: 3, warmupSteps: 5, checkpointEvery: 0 };

test("resume after a stop reproduces the uninterrupted loss curve and weights exactly", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-resume-"));
  try {
    const data = openDataSource("moons");
    const full = train(createTrainState(config, opts), data);
    const part = train(createTrainState(config, opts), data, { stopAt: 17 });
    assert.equal(part.step, 17);
    saveTrainState(dir, part);
    disposeTrainState(part);
    const resumed = train(loadTrainState(dir), data);
    assert.equal(resumed.step, 40);
    assert.deepEqual(resumed.losses, full.losses, "loss curves differ");
    assert.ok(full.losses[39] < full.losses[0], "training should reduce the loss");
    assert.deepEqual(Array.from((resumed.params.net as MlpParams).layers[1].w.ref.dataSync()), Array.from((full.params.net as MlpParams).layers[1].w.ref.dataSync()));
    assert.deepEqual(Array.from((resumed.ema.net as MlpParams).layers[0].b.ref.dataSync()), Array.from((full.ema.net as MlpParams).layers[0].b.ref.dataSync()));
    disposeTrainState(full);
    disposeTrainState(resumed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("save → load → sample gives bit-identical samples for the same seed", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-save-"));
  try {
    const s = train(createTrainState(config, { ...opts, steps: 10 }), openDataSource("8gaussians"));
    saveTrainState(dir, s);
    const before = sample(modelFromState(s), 200, { method: "rk4", steps: 10, seed: 9 });
    const after = sample(loadModel(dir), 200, { method: "rk4", steps: 10, seed: 9 });
    assert.deepEqual(Array.from(after.samples), Array.from(before.samples));
    const other = sample(loadModel(dir), 200, { method: "rk4", steps: 10, seed: 10 });
    assert.notDeepEqual(Array.from(other.samples), Array.from(before.samples));
    disposeTrainState(s);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("checkpoint bytes (no file system): exact resume, and the same model as the directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-bytes-"));
  try {
    const data = openDataSource("moons");
    const full = train(createTrainState(config, opts), data);
    const part = train(createTrainState(config, opts), data, { stopAt: 11 });
    const bytes = trainStateToBytes(part);
    saveTrainState(dir, part);
    disposeTrainState(part);
    // The bytes are the directory's two files.
    assert.equal(readFileSync(join(dir, "config.json"), "utf8"), bytes.configJson);
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, "weights.safetensors"))), bytes.weights);
    const resumed = train(trainStateFromBytes(bytes), data);
    assert.deepEqual(resumed.losses, full.losses);
    const a = sample(modelFromBytes(trainStateToBytes(resumed)), 100, { method: "rk4", steps: 8, seed: 2 });
    const b = sample(modelFromState(full), 100, { method: "rk4", steps: 8, seed: 2 });
    assert.deepEqual(Array.from(a.samples), Array.from(b.samples));
    assert.throws(() => trainStateFromBytes({ configJson: '{"format":"other"}', weights: bytes.weights }), /config\.json: not a flowmatch checkpoint/);
    disposeTrainState(full);
    disposeTrainState(resumed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
