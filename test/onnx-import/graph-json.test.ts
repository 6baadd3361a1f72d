/**
 * The graph as stored in config.json: float initializers read as scales stay constants (not weights), −∞ survives
 * JSON, and a config that went through JSON.stringify/parse runs the same network.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost } from "../../src/engine/index.js";
import { encodeModel, tensorBytes, DataType } from "../../src/onnx/proto.js";
import { importOnnx } from "../../src/onnx/import/model.js";
import { VelocityModel, type ModelConfig } from "../../src/fm/velocity-model.js";

await initEngine();

test("Resize scales from a float initializer stay constant; −∞ constants round-trip through JSON", () => {
  // v = max(avgpool2(upsample2(x)), −∞) = x, with the 2×2 stride-2 conv weight 0.25 the only weight.
  const bytes = encodeModel({
    opset: 14,
    graph: {
      name: "g",
      nodes: [
        { opType: "Resize", name: "up", inputs: ["x", "", "scales"], outputs: ["u"], attrs: { mode: { s: "nearest" } } },
        { opType: "Conv", name: "pool", inputs: ["u", "w"], outputs: ["p"], attrs: { strides: { ints: [2, 2] } } },
        { opType: "Constant", name: "c", inputs: [], outputs: ["ninf"], attrs: { value: { t: { name: "", dataType: DataType.FLOAT, dims: [1], raw: tensorBytes([-Infinity], DataType.FLOAT) } } } },
        { opType: "Max", name: "m", inputs: ["p", "ninf"], outputs: ["v"] },
      ],
      initializers: [
        { name: "scales", dataType: DataType.FLOAT, dims: [4], raw: tensorBytes([1, 1, 2, 2], DataType.FLOAT) },
        { name: "w", dataType: DataType.FLOAT, dims: [1, 1, 2, 2], raw: tensorBytes([0.25, 0.25, 0.25, 0.25], DataType.FLOAT) },
      ],
      inputs: [{ name: "x", dataType: DataType.FLOAT, shape: ["B", 1, 2, 3] }, { name: "t", dataType: DataType.FLOAT, shape: ["B", 1] }],
      outputs: [{ name: "v", dataType: DataType.FLOAT, shape: ["B", 1, 2, 3] }],
    },
  });
  const { config, params } = importOnnx(bytes);
  const net = config.net as unknown as { image: number[]; graph: { params: { name: string }[]; constants: { name: string }[] } };
  assert.deepEqual(net.image, [2, 3, 1]);
  assert.deepEqual(net.graph.params.map((p) => p.name), ["w"]);
  assert.deepEqual(net.graph.constants.map((c) => c.name), ["scales"]);
  const stored = JSON.parse(JSON.stringify(config)) as ModelConfig;
  assert.match(JSON.stringify(stored), /"-Infinity"/);
  using model = new VelocityModel(stored, params);
  const xs = [1, -2, 3, 4.5, 5, -6, 0, 1, 2, 3, 4, 5];
  const x = fromHost(xs, [2, 6], np.float32);
  const t = fromHost([0.1, 0.9], [2], np.float32);
  const v = Array.from(model.velocity(x, t).dataSync());
  x.dispose();
  t.dispose();
  assert.deepEqual(v, xs);
});

test("inputs named otherwise are mapped with inputs: { x }; t as [B, 1] broadcasts; an unmapped x is one line", () => {
  const bytes = encodeModel({
    opset: 13,
    graph: {
      name: "g",
      nodes: [{ opType: "Mul", name: "m", inputs: ["state", "time"], outputs: ["out"] }],
      initializers: [],
      inputs: [{ name: "state", dataType: DataType.FLOAT, shape: ["B", 2] }, { name: "time", dataType: DataType.FLOAT, shape: ["B", 1] }],
      outputs: [{ name: "out", dataType: DataType.FLOAT, shape: ["B", 2] }],
    },
  });
  assert.throws(() => importOnnx(bytes), /^OptionError: cannot tell which graph input is x \(the graph's inputs: state, time\); name them with --inputs/);
  const { config, params } = importOnnx(bytes, { inputs: { x: "state" } });
  assert.deepEqual(config.net.inputs, { x: "state", t: "time" });
  using model = new VelocityModel(config, params);
  const x = fromHost([1, 2, 3, 4], [2, 2], np.float32);
  const t = fromHost([0.5, 2], [2], np.float32);
  assert.deepEqual(Array.from(model.velocity(x, t).dataSync()), [0.5, 1, 6, 8]);
  x.dispose();
  t.dispose();
});
