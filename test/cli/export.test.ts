/**
 * `flowmatch export`: a small trained checkpoint (CSV data, so a standardizer is folded into the sampler) exported
 * as the velocity field and as an rk4 sampler; each file is loaded in onnxruntime-node directly and compared with
 * the library's velocity (1e-5) and with `flowmatch sample` on the same noise (1e-4). Then the refusals, each one
 * line with exit 2, and the output rules of `sample --out`; a class-conditional model with label and guidance inputs;
 * an imported ONNX U-Net; `sample --backend onnx`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initEngine, np, fromHost, toHostF64, Rng } from "../../src/engine/index.js";
import { loadModel } from "../../src/node/index.js";
import { maxRelDiff } from "../../src/onnx/verify.js";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { ort as ortModule, ORT_SKIP } from "../util/ort.js";

type Ort = typeof import("onnxruntime-node");
const ort = ortModule as Ort; // only used by the tests that ORT_SKIP lets run

await initEngine();
const { dir, cli } = cliSandbox("flowmatch-export-");
const rng = new Rng(7);
const rows = Array.from({ length: 256 }, () => `${(5 + 3 * rng.normal()).toFixed(4)},${(-2 + 0.5 * rng.normal()).toFixed(4)}`);
writeFileSync(join(dir, "d.csv"), "a,b\n" + rows.join("\n") + "\n");
const trained = cli("train", "--data", "d.csv", "--steps", "20", "--batch", "64", "--hidden", "16,16", "--out", "m", "-q");
const n = 9; // neither traced batch size (3, 5)

async function run(file: string, feeds: Record<string, { data: ArrayLike<number>; dims: number[] }>): Promise<{ names: string[]; out: Float64Array }> {
  const s = await ort.InferenceSession.create(join(dir, file));
  const t: Record<string, InstanceType<Ort["Tensor"]>> = {};
  for (const [k, v] of Object.entries(feeds)) t[k] = new ort.Tensor("float32", Float32Array.from(v.data), v.dims);
  const r = await s.run(t);
  const names = [...s.inputNames, "→", ...s.outputNames];
  const out = Float64Array.from(r[s.outputNames[0]!]!.data as Float32Array);
  await s.release();
  return { names, out };
}

test("the velocity field: inputs x, t, output v, equal to the library's velocity", { skip: ORT_SKIP }, async () => {
  assert.equal(trained.code, 0, trained.err);
  const r = cli("export", "--model", "m", "--out", "v.onnx");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /wrote v\.onnx \(velocity field/);
  const xs = new Rng(1).normals(n * 2);
  const ts = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  const { names, out } = await run("v.onnx", { x: { data: xs, dims: [n, 2] }, t: { data: ts, dims: [n] } });
  assert.deepEqual(names, ["x", "t", "→", "v"]);
  using model = loadModel(join(dir, "m"));
  assert.ok(model.config.standardizer, "CSV training stores a standardizer");
  const x = fromHost(xs, [n, 2], np.float32);
  const t = fromHost(ts, [n], np.float32);
  const want = toHostF64(model.velocity(x, t));
  x.dispose();
  t.dispose();
  assert.ok(maxRelDiff(out, want) <= 1e-5, `velocity differs by ${maxRelDiff(out, want)}`);
});

test("an rk4 sampler: noise in, samples in data units out, equal to `flowmatch sample` on the same noise", { skip: ORT_SKIP }, async () => {
  let r = cli("export", "--model", "m", "--out", "s.onnx", "--sampler", "rk4", "--steps", "8", "--verify");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /verified with onnxruntime-node/);
  r = cli("sample", "--model", "m", "--n", String(n), "--method", "rk4", "--steps", "8", "--seed", "3", "--out", "s.csv");
  assert.equal(r.code, 0, r.err);
  const want = Float64Array.from(readFileSync(join(dir, "s.csv"), "utf8").trim().split("\n").slice(1).flatMap((l) => l.split(",").map(Number)));
  const noise = new Rng(3).normals(n * 2); // how `sample` draws its noise from --seed
  const { names, out } = await run("s.onnx", { noise: { data: noise, dims: [n, 2] } });
  assert.deepEqual(names, ["noise", "→", "samples"]);
  assert.ok(maxRelDiff(out, want) <= 1e-4, `samples differ by ${maxRelDiff(out, want)}`);
  const meanA = out.filter((_, i) => i % 2 === 0).reduce((a, b) => a + b, 0) / n;
  assert.ok(meanA > 2, `column a averages ${meanA}: samples should be in data units (the data is centred near 5)`);
});

test("an existing output file is replaced; the model's own files and bad options are refused in one line", () => {
  writeFileSync(join(dir, "old.onnx"), "old");
  let r = cli("export", "--model", "m", "--out", "old.onnx", "--sampler", "euler", "--steps", "2");
  assert.equal(r.code, 0, r.err);
  assert.notEqual(readFileSync(join(dir, "old.onnx"), "utf8"), "old");
  const config = readFileSync(join(dir, "m", "config.json"), "utf8");
  assertOneLineError(cli("export", "--model", "m", "--out", "m/config.json"), /--out m\/config\.json is inside the --model checkpoint/);
  assert.equal(readFileSync(join(dir, "m", "config.json"), "utf8"), config);
  assertOneLineError(cli("export", "--model", "m", "--out", "x.onnx", "--steps", "4"), /--steps needs --sampler/);
  assertOneLineError(cli("export", "--model", "m", "--out", "x.onnx", "--sampler", "dopri5"), /--sampler must be one of euler, midpoint, rk4, got "dopri5"/);
  assertOneLineError(cli("export", "--out", "x.onnx"), /--model DIR is required/);
  assertOneLineError(cli("export", "--model", "nowhere", "--out", "x.onnx"), /nowhere/);
  r = cli("train", "--model", "realnvp", "--data", "moons", "--steps", "2", "--layers", "1", "--hidden", "4", "--out", "flow", "-q");
  assert.equal(r.code, 0, r.err);
  // Flows export too now (test/cli/flow-onnx.test.ts); --graph is theirs alone.
  assertOneLineError(cli("export", "--model", "m", "--out", "x.onnx", "--graph", "sampler"), /--graph is for normalizing flows; m holds a flow-matching model/);
});

test("--verify without onnxruntime-node: one line, exit 2, no file written", () => {
  const r = spawnWithEnv({ FLOWMATCH_ORT_MODULE: "onnxruntime-node-missing-for-test" }, "export", "--model", "m", "--out", "nv.onnx", "--verify");
  assertOneLineError(r, /onnxruntime-node is not installed \(an optional dependency\)/);
  assert.throws(() => readFileSync(join(dir, "nv.onnx")));
});

test("a class-conditional model: label and guidance inputs; the sampler matches `sample --label --guidance`", { skip: ORT_SKIP }, async () => {
  const r3 = new Rng(11);
  const lines = Array.from({ length: 240 }, (_, i) => `${(3 * (i % 3) + 0.3 * r3.normal()).toFixed(4)},${(0.5 * r3.normal()).toFixed(4)},${i % 3}`);
  writeFileSync(join(dir, "c.csv"), "x,y,cls\n" + lines.join("\n") + "\n");
  let r = cli("train", "--data", "c.csv", "--cond", "cls", "--steps", "20", "--batch", "32", "--hidden", "16", "--out", "mc", "-q");
  assert.equal(r.code, 0, r.err);
  r = cli("export", "--model", "mc", "--out", "cv.onnx", "--verify"); // velocity: cycling labels with ∅, w = 1.5
  assert.equal(r.code, 0, r.err);
  r = cli("export", "--model", "mc", "--out", "cs.onnx", "--sampler", "rk4", "--steps", "4");
  assert.equal(r.code, 0, r.err);
  r = cli("sample", "--model", "mc", "--n", String(n), "--method", "rk4", "--steps", "4", "--seed", "5", "--label", "2", "--guidance", "2", "--out", "cs.csv");
  assert.equal(r.code, 0, r.err);
  const want = Float64Array.from(readFileSync(join(dir, "cs.csv"), "utf8").trim().split("\n").slice(1).flatMap((l) => l.split(",").map(Number)));
  using model = loadModel(join(dir, "mc"));
  const c = model.config.cond!;
  assert.equal(c.kind, "class");
  const label = c.kind === "class" ? c.classes.indexOf("2") : -1;
  const s = await ort.InferenceSession.create(join(dir, "cs.onnx"));
  assert.deepEqual([...s.inputNames], ["noise", "label", "guidance"]);
  const out = await s.run({
    noise: new ort.Tensor("float32", Float32Array.from(new Rng(5).normals(n * 2)), [n, 2]),
    label: new ort.Tensor("int64", new BigInt64Array(n).fill(BigInt(label)), [n]),
    guidance: new ort.Tensor("float32", new Float32Array(n).fill(2), [n]),
  });
  await s.release();
  const got = Float64Array.from(out.samples!.data as Float32Array);
  assert.ok(maxRelDiff(got, want) <= 1e-4, `guided samples differ by ${maxRelDiff(got, want)}`);
});

test("an imported U-Net (ONNX fixture): the velocity field and a guided sampler export and --verify to 1e-5", { skip: ORT_SKIP }, () => {
  const fixture = new URL("../fixtures/onnx/unet_velocity.onnx", import.meta.url).pathname;
  let r = cli("import", "--onnx", fixture, "--out", "imp");
  assert.equal(r.code, 0, r.err);
  for (const args of [[], ["--sampler", "midpoint", "--steps", "3"]]) {
    r = cli("export", "--model", "imp", "--out", "imp.onnx", "--verify", ...args);
    assert.equal(r.code, 0, r.err);
    const err = Number(/max relative difference (\S+)/.exec(r.err)?.[1]);
    assert.ok(err <= 1e-5, `${args.join(" ") || "velocity"}: ${r.err}`);
  }
});

test("sample --backend onnx: the same rows as the wasm backend (one line where it cannot apply)", { skip: ORT_SKIP }, () => {
  const csv = (f: string) => Float64Array.from(readFileSync(join(dir, f), "utf8").trim().split("\n").slice(1).flatMap((l) => l.split(",").map(Number)));
  let r = cli("sample", "--model", "m", "--n", "40", "--method", "midpoint", "--steps", "5", "--seed", "2", "--out", "bw.csv");
  assert.equal(r.code, 0, r.err);
  r = cli("sample", "--model", "m", "--n", "40", "--method", "midpoint", "--steps", "5", "--seed", "2", "--backend", "onnx", "--out", "bo.csv");
  assert.equal(r.code, 0, r.err);
  const [w, o] = [csv("bw.csv"), csv("bo.csv")];
  assert.equal(o.length, 80);
  assert.ok(maxRelDiff(o, w) <= 1e-5, `onnx vs wasm: ${maxRelDiff(o, w)}`);
  // dopri5: the same adaptive steps, hence the same rows (and NFE) as wasm.
  r = cli("sample", "--model", "m", "--n", "40", "--method", "dopri5", "--rtol", "1e-4", "--seed", "2", "--out", "dw.csv");
  assert.equal(r.code, 0, r.err);
  const ro = cli("sample", "--model", "m", "--n", "40", "--method", "dopri5", "--rtol", "1e-4", "--seed", "2", "--backend", "onnx", "--out", "do.csv");
  assert.equal(ro.code, 0, ro.err);
  assert.equal(/NFE (\d+)/.exec(ro.err)?.[1], /NFE (\d+)/.exec(r.err)?.[1], `${ro.err} vs ${r.err}`);
  assert.ok(maxRelDiff(csv("do.csv"), csv("dw.csv")) <= 1e-5, `dopri5 onnx vs wasm: ${maxRelDiff(csv("do.csv"), csv("dw.csv"))}`);
  assertOneLineError(cli("sample", "--model", "m", "--n", "4", "--method", "heun", "--backend", "onnx"), /onnx backend samples with euler, midpoint, rk4 \(fixed steps\) or dopri5/);
  // Normalizing flows sample on onnx too now (test/cli/flow-onnx.test.ts); without ONNX Runtime: one line.
  assertOneLineError(spawnWithEnv({ FLOWMATCH_ORT_MODULE: "onnxruntime-node-missing-for-test" }, "sample", "--model", "flow", "--n", "4", "--backend", "onnx"), /onnxruntime-node/);
  assertOneLineError(spawnWithEnv({ FLOWMATCH_ORT_MODULE: "onnxruntime-node-missing-for-test" }, "sample", "--model", "m", "--n", "4", "--backend", "onnx", "--out", "bm.csv"), /onnxruntime-node is not installed/);
  assert.throws(() => readFileSync(join(dir, "bm.csv")));
});

function spawnWithEnv(env: Record<string, string>, ...args: string[]) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return cli(...args);
  } finally {
    for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
  }
}
