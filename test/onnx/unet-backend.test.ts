/**
 * The ONNX Runtime backend on a U-Net (`--net unet --backend onnx`), with the same lowering as the export: a few
 * training steps on the 8×8 digits follow the wasm trainer's loss curve and weights to float32 rounding, and the
 * exact log-likelihood (the augmented dynamics as a Loop over one RK4 step, jvp through the U-Net) equals
 * `logProb`'s. Small U-Nets and few steps keep it cheap.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, treeLeaves, Rng, type Tree } from "../../src/engine/index.js";
import { createTrainState, train } from "../../src/train/trainer.js";
import { VelocityModel } from "../../src/fm/velocity-model.js";
import { defaultUnetConfig } from "../../src/nets/unet.js";
import { openImageSource } from "../../src/node/images.js";
import { logProb } from "../../src/likelihood/logprob.js";
import { logProbOnnx } from "../../src/onnx/logprob.js";
import { trainOnnx } from "../../src/onnx/train.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { ORT_SKIP } from "../util/ort.js";

await initEngine();

const values = (t: Tree) => Float64Array.from(treeLeaves(t).flatMap((a) => [...(a.ref.dataSync() as Float32Array)]));

test("U-Net training steps on ONNX Runtime follow the wasm trainer (loss curve and weights)", { skip: ORT_SKIP }, async () => {
  const digits = () => openImageSource("digits", { testFraction: 0.1 });
  const d = digits();
  const config = { kind: "flow-matching", net: defaultUnetConfig([8, 8, 1], { width: 8 }), path: "condot", standardizer: d.standardizer } as const;
  const options = { steps: 4, batch: 8, warmupSteps: 0, checkpointEvery: 0 };
  using a = createTrainState(config, options);
  using b = createTrainState(config, options);
  train(a, d);
  await trainOnnx(b, digits());
  assert.equal(b.losses.length, 4);
  const lossErr = Math.max(...a.losses.map((l, i) => Math.abs(l - b.losses[i]!) / Math.abs(l)));
  assert.ok(lossErr <= 1e-4, `loss curves differ by ${lossErr}: ${a.losses} vs ${b.losses}`);
  // The gradients agree to float32 rounding: Adam's moments do.
  const m = maxRelDiff(values(b.m), values(a.m));
  const v = maxRelDiff(values(b.v), values(a.v));
  assert.ok(m <= 1e-6 && v <= 1e-6, `Adam moments differ by ${m} (m), ${v} (v)`);
  // Adam turns a gradient that is rounding noise (≈ 0, its sign either way) into a full ±lr step, so a few weights
  // differ by up to 2·lr (measured: 41 of 32,577); every other weight agrees.
  const [pa, pb] = [values(a.params), values(b.params)];
  const off = Array.from(pa).map((x, i) => Math.abs(x - pb[i]!)).filter((d) => d > 1e-5);
  assert.ok(off.length <= pa.length / 200 && off.every((d) => d <= 2.5 * b.options.lr), `${off.length} of ${pa.length} weights differ, by up to ${Math.max(...off)}`);
});

test("U-Net exact log-likelihood on ONNX Runtime equals logProb's (RK4, a step remainder too)", { skip: ORT_SKIP }, async () => {
  using m = VelocityModel.init({ kind: "flow-matching", net: defaultUnetConfig([4, 4, 1], { width: 8 }), path: "condot" }, 1);
  const x = new Rng(2).normals(5 * 16);
  const o = { method: "rk4", steps: 3, divergence: "exact" } as const;
  const got = await logProbOnnx(m, x, o);
  const want = logProb(m, x, o);
  assert.ok(maxRelDiff(got.logp, want.logp) <= 1e-5, `log p differs by ${maxRelDiff(got.logp, want.logp)}`);
  assert.ok(maxRelDiff(got.z, want.z) <= 1e-5, `z differs by ${maxRelDiff(got.z, want.z)}`);
});
