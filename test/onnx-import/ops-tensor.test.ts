/**
 * The importer's shape, indexing, convolution and resize ops against hand-computed values, at the opsets where
 * their axes move from attributes to inputs; and a torch-style Shape → Gather → Concat → Reshape chain, which must
 * fold on the host so one graph runs at any batch size.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { initEngine, np, fromHost } from "../../src/engine/index.js";
import { prepareGraph, runGraph } from "../../src/onnx/import/interpret.js";
import type { Node } from "../../src/onnx/import/decode.js";
import { runOp, close, f, h, hf, ints, int, str } from "./run-op.js";

await initEngine();

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

test("Concat, Split (sizes as input from opset 13, attribute before), Transpose, Reshape", () => {
  close(runOp("Concat", [f([1, 2], [1, 2]), f([3, 4, 5, 6], [2, 2])], { axis: int(0) })[0]!, [1, 2, 3, 4, 5, 6], [3, 2], 0, "Concat");
  close(runOp("Concat", [h([2]), h([3, 4])], { axis: int(0) })[0]!, [2, 3, 4], [3], 0, "Concat (host)");
  const x = f(range(6, 1), [2, 3]);
  for (const [opset, ins, attrs] of [[13, [x, h([1, 2])], { axis: int(1) }], [11, [x], { axis: int(1), split: ints([1, 2]) }]] as const) {
    const [a, b] = runOp("Split", [...ins], attrs, { opset, outputs: 2 });
    close(a!, [1, 4], [2, 1], 0, `Split opset ${opset} [0]`);
    close(b!, [2, 3, 5, 6], [2, 2], 0, `Split opset ${opset} [1]`);
  }
  close(runOp("Transpose", [x], { perm: ints([1, 0]) })[0]!, [1, 4, 2, 5, 3, 6], [3, 2], 0, "Transpose");
  close(runOp("Reshape", [x, h([0, -1])])[0]!, range(6, 1), [2, 3], 0, "Reshape [0, -1]");
  close(runOp("Reshape", [x, h([3, -1])])[0]!, range(6, 1), [3, 2], 0, "Reshape [3, -1]");
  close(runOp("Flatten", [f(range(8), [2, 2, 2])], { axis: int(2) })[0]!, range(8), [4, 2], 0, "Flatten");
});

test("Slice (negative steps, clamped ends) and Squeeze/Unsqueeze (axes as input from opset 13, attribute before)", () => {
  const x = f(range(12), [3, 4]);
  close(runOp("Slice", [x, h([0, 3]), h([3, 0]), h([0, 1]), h([2, -1])])[0]!, [3, 2, 1, 11, 10, 9], [2, 3], 0, "Slice with steps");
  close(runOp("Slice", [x, h([1]), h([9.223372036854776e18]), h([1])])[0]!, [1, 2, 3, 5, 6, 7, 9, 10, 11], [3, 3], 0, "Slice to INT64_MAX");
  close(runOp("Slice", [hf(range(5)), h([-2]), h([5])])[0]!, [3, 4], [2], 0, "Slice (host)");
  close(runOp("Squeeze", [f([1, 2, 3], [1, 3]), h([0])], {}, { opset: 13 })[0]!, [1, 2, 3], [3], 0, "Squeeze opset 13");
  close(runOp("Squeeze", [f([1, 2, 3], [1, 3])], { axes: ints([0]) }, { opset: 11 })[0]!, [1, 2, 3], [3], 0, "Squeeze opset 11");
  close(runOp("Unsqueeze", [f([1, 2, 3]), h([0, -1])], {}, { opset: 13 })[0]!, [1, 2, 3], [1, 3, 1], 0, "Unsqueeze opset 13");
  close(runOp("Unsqueeze", [f([1, 2, 3])], { axes: ints([1]) }, { opset: 11 })[0]!, [1, 2, 3], [3, 1], 0, "Unsqueeze opset 11");
});

test("Gather (host, traced and scalar indices), Shape, ConstantOfShape, Expand", () => {
  const d = f(range(6, 1), [3, 2]);
  close(runOp("Gather", [d, h([2, 0])], { axis: int(0) })[0]!, [5, 6, 1, 2], [2, 2], 0, "Gather host indices");
  close(runOp("Gather", [d, { v: [1, -1], s: [2], int: true }], { axis: int(0) })[0]!, [3, 4, 5, 6], [2, 2], 0, "Gather traced indices (negative wraps)");
  close(runOp("Gather", [d, h([1], [])], { axis: int(1) })[0]!, [2, 4, 6], [3], 0, "Gather scalar index");
  close(runOp("Shape", [f(range(24), [2, 3, 4])])[0]!, [2, 3, 4], [3], 0, "Shape");
  close(runOp("Shape", [f(range(24), [2, 3, 4])], { start: int(1) }, { opset: 15 })[0]!, [3, 4], [2], 0, "Shape start");
  close(runOp("ConstantOfShape", [h([2, 3])], { value: { t: { name: "", dataType: 1, dims: [1], data: Float64Array.of(1.5) } } })[0]!, new Array(6).fill(1.5), [2, 3], 0, "ConstantOfShape");
  close(runOp("Expand", [f([1, 2, 3], [1, 3]), h([2, 1])])[0]!, [1, 2, 3, 1, 2, 3], [2, 3], 0, "Expand");
  close(runOp("Expand", [hf([1, 2], [2, 1]), h([2, 2])])[0]!, [1, 1, 2, 2], [2, 2], 0, "Expand (host)");
});

test("Conv (padding, stride, bias, groups) and ConvTranspose (stride 2, full convolution)", () => {
  const x = f(range(9, 1), [1, 1, 3, 3]);
  const ones = f([1, 1, 1, 1], [1, 1, 2, 2]);
  close(runOp("Conv", [x, ones])[0]!, [12, 16, 24, 28], [1, 1, 2, 2], 1e-12, "Conv valid");
  close(runOp("Conv", [x, ones, f([1])], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) })[0]!, [2, 6, 12, 29], [1, 1, 2, 2], 1e-12, "Conv pads + stride + bias");
  close(runOp("Conv", [f([1, 2], [1, 2, 1, 1]), f([3, 4], [2, 1, 1, 1])], { group: int(2) })[0]!, [3, 8], [1, 2, 1, 1], 1e-12, "Conv groups");
  close(runOp("Conv", [x, ones], { auto_pad: str("SAME_UPPER") })[0]!, [12, 16, 9, 24, 28, 15, 15, 17, 9], [1, 1, 3, 3], 1e-12, "Conv SAME_UPPER");
  const y = f([1, 2, 3, 4], [1, 1, 2, 2]);
  const w = f([1, 10, 100, 1000], [1, 1, 2, 2]);
  const blocks = [1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000];
  close(runOp("ConvTranspose", [y, w], { strides: ints([2, 2]) })[0]!, blocks, [1, 1, 4, 4], 1e-12, "ConvTranspose stride 2");
  close(runOp("ConvTranspose", [y, ones])[0]!, [1, 3, 2, 4, 10, 6, 3, 7, 4], [1, 1, 3, 3], 1e-12, "ConvTranspose full");
  close(runOp("ConvTranspose", [y, ones, f([0.5])], { pads: ints([1, 1, 1, 1]) })[0]!, [10.5], [1, 1, 1, 1], 1e-12, "ConvTranspose pads + bias");
});

test("Resize nearest (scales or sizes; asymmetric/floor and half_pixel/round_prefer_floor) and an unsupported mode", () => {
  const x = f([1, 2, 3, 4], [1, 1, 2, 2]);
  const up = [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4];
  const attrs = { mode: str("nearest"), coordinate_transformation_mode: str("asymmetric"), nearest_mode: str("floor") };
  close(runOp("Resize", [x, null, hf([1, 1, 2, 2])], attrs)[0]!, up, [1, 1, 4, 4], 0, "Resize scales");
  close(runOp("Resize", [x, hf([]), hf([]), h([1, 1, 3, 3])], { mode: str("nearest") })[0]!, [1, 1, 2, 1, 1, 2, 3, 3, 4], [1, 1, 3, 3], 0, "Resize sizes, half_pixel");
  assert.throws(() => runOp("Resize", [x, null, hf([1, 1, 2, 2])], { mode: str("linear") }, { opset: 14 }), /^OptionError: ONNX op Resize \(node "n_Resize", opset 14\): mode "linear" is not supported/);
});

test("a torch-style Shape → Gather → Unsqueeze → Concat → Reshape chain folds on the host at any batch size", () => {
  const nodes: Node[] = [
    { opType: "Shape", name: "s", domain: "", inputs: ["x"], outputs: ["shape"], attrs: {} },
    { opType: "Gather", name: "g", domain: "", inputs: ["shape", "zero"], outputs: ["b"], attrs: { axis: int(0) } },
    { opType: "Unsqueeze", name: "u", domain: "", inputs: ["b", "axes0"], outputs: ["b1"], attrs: {} },
    { opType: "Concat", name: "c", domain: "", inputs: ["b1", "minus1"], outputs: ["target"], attrs: { axis: int(0) } },
    { opType: "Reshape", name: "r", domain: "", inputs: ["x", "target"], outputs: ["y"], attrs: {} },
  ];
  const t = (name: string, v: number[], dims: number[]) => ({ name, dataType: 7, dims, data: Float64Array.from(v) });
  const g = prepareGraph({ opset: 14, nodes, constants: [t("zero", [0], []), t("axes0", [0], [1]), t("minus1", [-1], [1])], params: [], inputs: ["x"], outputs: ["y"] });
  for (const B of [3, 5]) {
    const [y] = runGraph(g, { x: fromHost(range(B * 6), [B, 2, 3], np.float32) }, {}, np.float32);
    assert.deepEqual(y!.shape, [B, 6]);
    assert.deepEqual(Array.from(y!.dataSync()), range(B * 6));
  }
});

test("an unknown attribute, op or domain is refused in one line naming the op, its node and the opset", () => {
  const x = f([1, 2]);
  assert.throws(() => runOp("Relu", [x], { slope: int(1) }), /^OptionError: ONNX op Relu \(node "n_Relu", opset 17\): the attribute "slope" is not supported$/);
  assert.throws(() => runOp("Conv", [f([1], [1, 1, 1, 1]), f([1], [1, 1, 1, 1])], { auto_pad: str("CIRCULAR") }, { opset: 13 }), /^OptionError: ONNX op Conv \(node "n_Conv", opset 13\): auto_pad "CIRCULAR" is not supported$/);
  assert.throws(() => runOp("Upsample", [x]), /^OptionError: ONNX op Upsample \(node "n_Upsample", opset 17\): not supported by the importer \(supported: Abs, Add, /);
});
