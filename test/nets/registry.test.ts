// The network registry: the MLP is one registered kind, unknown kinds fail in one line, and checkpoints written by
// flowmatch 0.1 (model.mlp, tensors params.layers.…) load through the migration with 0.1's own samples and resume.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync, cpSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  initEngine, np, getNet, defaultMlpConfig, VelocityModel,
  loadModel, loadTrainState, train, sample, openDataSource, disposeTrainState, OptionError, CheckpointError, nets } from "../../src/node/index.js";
type MlpParams = nets.MlpParams;
const { netKinds, netWorkerSource, initMlp, mlpApply } = nets;

await initEngine();

const fixture = fileURLToPath(new URL("../fixtures/checkpoint-0.1/", import.meta.url));
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as { samples: number[]; losses: number[] };

test("the MLP is a registered kind, available to worker threads; getNet gives initMlp/mlpApply", () => {
  assert.ok(netKinds().includes("mlp"));
  assert.equal(netWorkerSource("mlp"), "builtin");
  const c = { ...defaultMlpConfig(2), hidden: [8] };
  const net = getNet(c);
  assert.equal(getNet(c), net, "built once per config object");
  const [p, q] = [net.init(3) as MlpParams, initMlp(c, 3)];
  const x = np.array([[0.5, -1], [2, 0.25]]);
  const a = net.apply(p, x.ref, np.array([0.1, 0.9])).js() as number[][];
  const b = mlpApply(c, q, x, np.array([0.1, 0.9])).js() as number[][];
  assert.deepEqual(a, b);
});

test("an unknown kind is a one-line OptionError naming it and the registered kinds", () => {
  assert.throws(() => getNet({ kind: "no-such-net", dim: 2 }), (e: unknown) => {
    assert.ok(e instanceof OptionError);
    assert.match(e.message, /"no-such-net".*mlp/);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  assert.throws(() => VelocityModel.init({ kind: "flow-matching", net: { kind: "mlp", dim: 0 }, path: "condot" }, 0), /dim must be an integer/);
});

test("a 0.1 checkpoint (model.mlp) loads: the samples 0.1 drew, and a resume with 0.1's loss curve", () => {
  const m = loadModel(join(fixture, "model"));
  assert.equal(m.config.net.kind, "mlp");
  assert.equal((m.config as unknown as Record<string, unknown>).mlp, undefined);
  assert.deepEqual([...sample(m, 4, { method: "rk4", steps: 8, seed: 1 }).samples], expected.samples);
  m.dispose();
  const s = train(loadTrainState(join(fixture, "model"), { steps: 12 }), openDataSource("8gaussians"));
  assert.deepEqual(s.losses, expected.losses);
  disposeTrainState(s);
});

test("a checkpoint naming an unregistered network, or none, fails in one line saying why", () => {
  const dir = mkdtempSync(join(tmpdir(), "fm-registry-"));
  try {
    const edit = (f: (model: Record<string, unknown>) => void) => {
      cpSync(join(fixture, "model"), join(dir, "m"), { recursive: true });
      const c = JSON.parse(readFileSync(join(fixture, "model", "config.json"), "utf8"));
      f(c.model);
      writeFileSync(join(dir, "m", "config.json"), JSON.stringify(c));
      return join(dir, "m");
    };
    const oneLine = (re: RegExp) => (e: unknown) => {
      assert.ok(e instanceof CheckpointError, String(e));
      assert.match(e.message, re);
      assert.ok(!e.message.includes("\n"));
      return true;
    };
    const unknown = edit((m) => ((m.net = { kind: "my-unet", dim: 2 }), delete m.mlp));
    assert.throws(() => loadModel(unknown), oneLine(/config\.json: model\.net\.kind: expected a registered network kind.*registerNet\("my-unet"/));
    const none = edit((m) => delete m.mlp);
    assert.throws(() => loadModel(none), oneLine(/config\.json: model has no "net"/));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
