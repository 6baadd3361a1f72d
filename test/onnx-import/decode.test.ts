/**
 * The ONNX reader against the writer of the export side (src/onnx/proto.ts): every field the writer emits comes
 * back, tensors of each element type byte-exact; typed *_data fields (packed and unpacked), which PyTorch and other
 * writers use, through a tiny hand encoder; and malformed bytes as one-line errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { encodeModel, tensorBytes, DataType, type ModelProto } from "../../src/onnx/proto.js";
import { decodeModel } from "../../src/onnx/import/decode.js";

test("decodeModel reads back what encodeModel wrote: nodes, attributes, initializers of every type, inputs, outputs, opset", () => {
  const m: ModelProto = {
    opset: 17,
    producer: "test",
    graph: {
      name: "g",
      nodes: [
        { opType: "Gemm", name: "gemm", inputs: ["x", "w", ""], outputs: ["y"], attrs: { alpha: { f: 0.5 }, transB: { i: 1 }, mode: { s: "nearest" }, pads: { ints: [1, -2, 3] }, scales: { floats: [1.5, 2] } } },
        { opType: "Constant", inputs: [], outputs: ["c"], attrs: { value: { t: { name: "", dataType: DataType.INT64, dims: [2], raw: tensorBytes([-1, 2 ** 40], DataType.INT64) } } } },
      ],
      initializers: [
        { name: "w", dataType: DataType.FLOAT, dims: [2, 3], raw: tensorBytes([0.1, -2, 3.5, 4, 5, 6], DataType.FLOAT) },
        { name: "d", dataType: DataType.DOUBLE, dims: [2], raw: tensorBytes([Math.PI, -1e-300], DataType.DOUBLE) },
        { name: "i", dataType: DataType.INT32, dims: [3], raw: tensorBytes([-7, 0, 2 ** 31 - 1], DataType.INT32) },
        { name: "b", dataType: DataType.BOOL, dims: [2], raw: tensorBytes([1, 0], DataType.BOOL) },
        { name: "s", dataType: DataType.INT64, dims: [], raw: tensorBytes([-3], DataType.INT64) },
      ],
      inputs: [{ name: "x", dataType: DataType.FLOAT, shape: ["batch", 3] }],
      outputs: [{ name: "y", dataType: DataType.FLOAT, shape: ["batch", 2] }],
    },
  };
  const d = decodeModel(encodeModel(m));
  assert.equal(d.opset, 17);
  assert.equal(d.producer, "test");
  assert.equal(d.irVersion, 8);
  assert.deepEqual(d.graph.inputs, [{ name: "x", elemType: 1, shape: ["batch", 3] }]);
  assert.deepEqual(d.graph.outputs, [{ name: "y", elemType: 1, shape: ["batch", 2] }]);
  const [gemm, c] = d.graph.nodes;
  assert.deepEqual({ ...gemm }, { opType: "Gemm", domain: "", name: "gemm", inputs: ["x", "w", ""], outputs: ["y"], attrs: { alpha: { f: 0.5 }, transB: { i: 1 }, mode: { s: "nearest" }, pads: { ints: [1, -2, 3] }, scales: { floats: [1.5, 2] } } });
  const ct = (c!.attrs.value as { t: { data: Float64Array; dims: number[]; dataType: number } }).t;
  assert.deepEqual([ct.dataType, ct.dims, Array.from(ct.data)], [7, [2], [-1, 2 ** 40]]);
  const byName = Object.fromEntries(d.graph.initializers.map((t) => [t.name, t]));
  assert.deepEqual(Array.from(byName.w!.data), Array.from(Float32Array.from([0.1, -2, 3.5, 4, 5, 6])));
  assert.deepEqual(byName.w!.dims, [2, 3]);
  assert.deepEqual(Array.from(byName.d!.data), [Math.PI, -1e-300]);
  assert.deepEqual(Array.from(byName.i!.data), [-7, 0, 2 ** 31 - 1]);
  assert.deepEqual(Array.from(byName.b!.data), [1, 0]);
  assert.deepEqual([byName.s!.dims, Array.from(byName.s!.data)], [[], [-3]]);
});

/** Protobuf by hand, for the typed-field tensors the writer never emits. */
const varint = (v: number | bigint): number[] => {
  let n = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (n >= 0x80n) (out.push(Number(n & 0x7fn) | 0x80), (n >>= 7n));
  return [...out, Number(n)];
};
const field = (f: number, wire: number) => varint((f << 3) | wire);
const bytesField = (f: number, b: number[]) => [...field(f, 2), ...varint(b.length), ...b];
const str = (f: number, s: string) => bytesField(f, [...new TextEncoder().encode(s)]);
const f32 = (v: number) => [...new Uint8Array(Float32Array.of(v).buffer)];
const f64 = (v: number) => [...new Uint8Array(Float64Array.of(v).buffer)];

test("typed data fields: packed float_data, unpacked int64_data, packed int32_data and double_data; unpacked dims", () => {
  const tensor = (name: string, type: number, dims: number[], data: number[]) => [...dims.flatMap((d) => [...field(1, 0), ...varint(d)]), ...field(2, 0), ...varint(type), ...str(8, name), ...data];
  const floats = tensor("f", 1, [3], bytesField(4, [1.5, -2, 0.25].flatMap(f32)));
  const longs = tensor("l", 7, [2], [-5, 2 ** 33].flatMap((v) => [...field(7, 0), ...varint(v)]));
  const int32s = tensor("i", 6, [2], bytesField(5, [3, -4].flatMap((v) => varint(v))));
  const doubles = tensor("d", 11, [1], bytesField(10, f64(Math.E)));
  const graph = [floats, longs, int32s, doubles].flatMap((t) => bytesField(5, t));
  const model = new Uint8Array([...field(1, 0), ...varint(7), ...bytesField(7, graph), ...bytesField(8, [...str(1, ""), ...field(2, 0), ...varint(13)])]);
  const d = decodeModel(model);
  assert.equal(d.opset, 13);
  const got = Object.fromEntries(d.graph.initializers.map((t) => [t.name, Array.from(t.data)]));
  assert.deepEqual(got, { f: [1.5, -2, 0.25], l: [-5, 2 ** 33], i: [3, -4], d: [Math.E] });
});

test("the PyTorch fixtures decode: opset 14, their inputs, outputs and initializers", () => {
  const mlp = decodeModel(readFileSync(new URL("../fixtures/onnx/mlp_velocity.onnx", import.meta.url)));
  assert.equal(mlp.opset, 14);
  assert.deepEqual(mlp.graph.inputs.map((i) => [i.name, i.elemType, i.shape]), [["x", 1, ["batch", 2]], ["t", 1, ["batch"]]]);
  assert.deepEqual(mlp.graph.initializers.map((t) => t.dims), [[256, 3], [256], [256, 256], [256], [256, 256], [256], [2, 256], [2]]);
  const unet = decodeModel(readFileSync(new URL("../fixtures/onnx/unet_velocity.onnx", import.meta.url)));
  assert.deepEqual(unet.graph.inputs.map((i) => [i.name, i.elemType]), [["x", 1], ["t", 1], ["y", 7]]);
  assert.deepEqual(new Set(unet.graph.nodes.map((n) => n.opType)), new Set(["Identity", "Constant", "Unsqueeze", "Mul", "Sin", "Cos", "Concat", "Gemm", "Sigmoid", "Gather", "Add", "Conv", "Reshape", "InstanceNormalization", "Shape", "Resize"]));
});

test("malformed bytes are a one-line OptionError", () => {
  assert.throws(() => decodeModel(new Uint8Array([0x3a, 0x05, 0x01])), /^OptionError: not a readable ONNX model \(truncated field\)$/);
  assert.throws(() => decodeModel(new TextEncoder().encode("hello")), /OptionError: not (a readable ONNX model|an ONNX model)/);
  assert.throws(() => decodeModel(new Uint8Array([...field(1, 0), 8])), /^OptionError: not an ONNX model: no graph found$/);
});
