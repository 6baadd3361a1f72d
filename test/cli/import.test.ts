/**
 * `flowmatch import`: the PyTorch MLP and U-Net fixtures become checkpoints that sample (guided, for the U-Net),
 * eval (a finite NLL), fine-tune with train --resume and reflow; bad input is one line and exit 2, with nothing
 * written.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cliSandbox, assertOneLineError } from "../util/cli.js";
import { encodeModel, tensorBytes, DataType } from "../../src/onnx/proto.js";

const { dir, cli } = cliSandbox("flowmatch-import-");
const fx = (name: string) => fileURLToPath(new URL(`../fixtures/onnx/${name}`, import.meta.url));
const MLP = fx("mlp_velocity.onnx");
const UNET = fx("unet_velocity.onnx");

function csvRows(file: string): number[][] {
  const [, ...rows] = readFileSync(join(dir, file), "utf8").trim().split("\n");
  return rows.map((r) => r.split(",").map(Number));
}

test("an imported MLP samples, evaluates to a finite NLL, fine-tunes with train --resume, and reflows", () => {
  let r = cli("import", "--onnx", MLP, "--out", "mlp");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /imported .*mlp_velocity\.onnx \(opset 14, 13 nodes, 8 weight tensors; dim 2\) → mlp/);
  r = cli("sample", "--model", "mlp", "--n", "5", "--method", "rk4", "--steps", "10", "--out", "s.csv", "-q");
  assert.equal(r.code, 0, r.err);
  const rows = csvRows("s.csv");
  assert.equal(rows.length, 5);
  assert.ok(rows.every((row) => row.length === 2 && row.every(Number.isFinite)), "samples are finite");
  r = cli("eval", "--model", "mlp", "--data", "8gaussians", "--n", "30", "--samples", "0", "--json");
  assert.equal(r.code, 0, r.err);
  const nll = (JSON.parse(r.out) as { nll?: { mean?: number } }).nll?.mean;
  assert.ok(typeof nll === "number" && Number.isFinite(nll), `NLL ${nll}`);
  r = cli("train", "--data", "8gaussians", "--resume", "--out", "mlp", "--steps", "20", "--test-points", "0", "-q");
  assert.equal(r.code, 0, r.err);
  const config = JSON.parse(readFileSync(join(dir, "mlp/config.json"), "utf8"));
  assert.equal(config.train.step, 20);
  assert.equal(config.model.net.kind, "onnx");
  r = cli("reflow", "--model", "mlp", "--out", "mlp-reflow", "--pairs", "100", "--steps", "10", "--batch", "32", "-q");
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(dir, "mlp-reflow/weights.safetensors")));
});

test("an imported class-conditional U-Net samples with a label and guidance (images as 64-column rows)", () => {
  let r = cli("import", "--onnx", UNET, "--out", "unet", "--classes", "10", "--null-label", "10");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /images 8×8×1, 10 classes \(∅ = label 10\)/);
  r = cli("sample", "--model", "unet", "--n", "2", "--label", "3", "--guidance", "2", "--method", "euler", "--steps", "3", "--out", "u.csv", "-q");
  assert.equal(r.code, 0, r.err);
  const rows = csvRows("u.csv");
  assert.equal(rows.length, 2);
  assert.ok(rows.every((row) => row.length === 64 && row.every(Number.isFinite)), "samples are finite 64-column rows");
});

test("bad input is one line, exit 2, and writes nothing", () => {
  const weird = (op: string, attrs = {}) =>
    encodeModel({
      opset: 15,
      graph: {
        name: "g",
        nodes: [{ opType: op, name: "odd", inputs: ["x"], outputs: ["v"], attrs }],
        initializers: [{ name: "w", dataType: DataType.FLOAT, dims: [1], raw: tensorBytes([1], DataType.FLOAT) }],
        inputs: [{ name: "x", dataType: DataType.FLOAT, shape: ["B", 2] }, { name: "t", dataType: DataType.FLOAT, shape: ["B"] }],
        outputs: [{ name: "v", dataType: DataType.FLOAT, shape: ["B", 2] }],
      },
    });
  writeFileSync(join(dir, "unsupported.onnx"), weird("Einsum", { equation: { s: "bi->bi" } }));
  writeFileSync(join(dir, "softmax0.onnx"), weird("Softmax", { axis: { i: 5 } }));
  writeFileSync(join(dir, "garbage.onnx"), "not a model");
  const cases: [string, string[], RegExp][] = [
    ["missing file", ["--onnx", "nope.onnx", "--out", "o"], /--onnx nope\.onnx: cannot read it/],
    ["not ONNX", ["--onnx", "garbage.onnx", "--out", "o"], /--onnx garbage\.onnx: not (a readable ONNX model|an ONNX model)/],
    ["unsupported op", ["--onnx", "unsupported.onnx", "--out", "o"], /ONNX op Einsum \(node "odd", opset 15\): not supported by the importer/],
    ["bad attribute value (at the test run)", ["--onnx", "softmax0.onnx", "--out", "o"], /ONNX op Softmax \(node "odd", opset 15\): axis 5 is out of range/],
    ["bad --inputs", ["--onnx", MLP, "--out", "o", "--inputs", "x:state"], /--inputs must be comma-separated x=NAME/],
    ["unknown input", ["--onnx", MLP, "--out", "o", "--inputs", "t=time"], /the graph has no input "time"/],
    ["--classes without a label input", ["--onnx", MLP, "--out", "o", "--classes", "3"], /the graph has no label input/],
    ["--dim mismatch", ["--onnx", MLP, "--out", "o", "--dim", "3"], /--dim 3 does not match the graph's x input \[batch,2\]/],
    ["--image on vector data", ["--onnx", MLP, "--out", "o", "--image", "1,2,1"], /--image H,W,C needs a graph whose x input is \[B, C, H, W\]/],
    ["existing checkpoint", ["--onnx", MLP, "--out", "mlp-exists"], /mlp-exists/],
  ];
  assert.equal(cli("import", "--onnx", MLP, "--out", "mlp-exists", "-q").code, 0);
  for (const [what, args, pattern] of cases) {
    const r = cli("import", ...args);
    try {
      assertOneLineError(r, pattern);
    } catch (e) {
      throw new Error(`${what}: ${(e as Error).message}`);
    }
    assert.ok(!existsSync(join(dir, "o")), `${what}: wrote o`);
  }
});
