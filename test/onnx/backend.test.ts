/**
 * The backend switch: `initEngine({ backend })` (auto → onnx where onnxruntime-node loads, wasm where it does not
 * or where no Node layer registered a way to look; onnx there → one-line OptionError), and `--backend` on `train`,
 * `eval` and `sample`: onnx gives the wasm run's answers (saved loss curve and weights; NLL) to float32 rounding,
 * dopri5 included (eval's default), refuses what it cannot do in one line, and auto falls back to wasm without onnxruntime-node.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { initEngine, computeBackend, registerOnnxProbe, resolveBackend } from "../../src/engine/index.js";
import { loadTrainState } from "../../src/node/index.js";
import { loadOrt } from "../../src/onnx/runtime.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { OptionError } from "../../src/errors.js";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { ORT_SKIP, assertSameRun, treeValues, withoutOrt } from "../util/ort.js";

const { dir, cli } = cliSandbox("flowmatch-backend-");
const small = ["--data", "8gaussians", "--steps", "30", "--batch", "64", "--hidden", "16,16", "--test-points", "0", "-q"];

test("initEngine({ backend }): wasm, onnx where it loads, auto; without a registered probe (the core alone) auto is wasm", async () => {
  await initEngine({ backend: "wasm" });
  assert.equal(computeBackend(), "wasm");
  const loads = await loadOrt().then(() => true, () => false);
  await initEngine({ backend: "auto" });
  assert.equal(computeBackend(), loads ? "onnx" : "wasm");
  registerOnnxProbe(undefined);
  try {
    assert.equal(await resolveBackend("auto"), "wasm");
    await assert.rejects(resolveBackend("onnx"), (e) => e instanceof OptionError && /Node only/.test(e.message));
    await assert.rejects(resolveBackend("gpu" as "onnx"), (e) => e instanceof OptionError && /auto, onnx or wasm/.test(e.message));
  } finally {
    registerOnnxProbe(() => loadOrt().then(() => true, () => false));
  }
  await initEngine({ backend: "wasm" });
});

test("train --backend onnx saves the wasm run's loss curve and weights; eval --backend onnx its NLL", { skip: ORT_SKIP }, async () => {
  const a = cli("train", ...small, "--workers", "1", "--out", "w");
  const b = cli("train", ...small, "--backend", "onnx", "--out", "o"); // --workers auto becomes 1
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  await initEngine();
  using sa = loadTrainState(join(dir, "w"));
  using sb = loadTrainState(join(dir, "o"));
  assertSameRun(sb, sa, 30);
  const ev = (...extra: string[]) => cli("eval", "--model", "w", "--data", "8gaussians", "--n", "300", "--method", "rk4", "--steps", "12", "--samples", "0", "--json", ...extra);
  const [ew, eo] = [ev(), ev("--backend", "onnx")];
  assert.equal(eo.code, 0, eo.err);
  const nll = (r: { out: string }) => (JSON.parse(r.out) as { nll: { mean: number }; nfe: number });
  assert.ok(Math.abs(nll(eo).nll.mean - nll(ew).nll.mean) <= 1e-5 * Math.abs(nll(ew).nll.mean), `${nll(eo).nll.mean} vs ${nll(ew).nll.mean}`);
  assert.equal(nll(eo).nfe, nll(ew).nfe);
  // eval's default method, dopri5: the same adaptive steps (NFE) and NLL on both backends.
  const dv = (...extra: string[]) => cli("eval", "--model", "w", "--data", "8gaussians", "--n", "300", "--samples", "0", "--json", ...extra);
  const [dw, dn] = [dv(), dv("--backend", "onnx")];
  assert.equal(dn.code, 0, dn.err);
  assert.ok(Math.abs(nll(dn).nll.mean - nll(dw).nll.mean) <= 1e-5 * Math.abs(nll(dw).nll.mean), `dopri5: ${nll(dn).nll.mean} vs ${nll(dw).nll.mean}`);
  assert.equal(nll(dn).nfe, nll(dw).nfe);
});

test("demo: auto (its default) trains on ONNX Runtime and says so; --backend wasm gives the same weights", { skip: ORT_SKIP }, async () => {
  const a = cli("demo", "--steps", "20", "--out", "da");
  const b = cli("demo", "--steps", "20", "--backend", "wasm", "--workers", "1", "--out", "db");
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  assert.match(a.err, /loss [0-9.]+ \(ONNX Runtime\)/);
  assert.doesNotMatch(b.err, /ONNX Runtime/);
  await initEngine();
  using sa = loadTrainState(join(dir, "da", "model"));
  using sb = loadTrainState(join(dir, "db", "model"));
  assert.ok(maxRelDiff(treeValues(sa.params), treeValues(sb.params)) <= 1e-4, `weights ${maxRelDiff(treeValues(sa.params), treeValues(sb.params))}`);
  assertOneLineError(cli("demo", "--steps", "2", "--backend", "gpu", "--out", "dc"), /--backend must be/);
});

test("refusals in one line: --workers 2 on onnx, an unknown backend", { skip: ORT_SKIP }, () => {
  assertOneLineError(cli("train", ...small, "--backend", "onnx", "--workers", "2", "--out", "x1"), /leave out --workers/);
  assertOneLineError(cli("train", ...small, "--backend", "gpu", "--out", "x2"), /--backend must be/);
});

test("without onnxruntime-node: --backend onnx is one line, auto trains on wasm", () => {
  withoutOrt(() => {
    assertOneLineError(cli("train", ...small, "--backend", "onnx", "--out", "y1"), /onnxruntime-node/);
    const r = cli("train", ...small, "--backend", "auto", "--out", "y2");
    assert.equal(r.code, 0, r.err);
  });
});
