/**
 * Safetensors layout and round trips. Expected bytes are written out by hand (and, for three cases, copied from
 * the byte vectors in the reference implementation's own unit tests, huggingface/safetensors
 * safetensors/src/tensor.rs: test_serialization, test_empty, test_serialization_forced_alignement), so an
 * encoder that drifts from the standard layout fails here rather than only in a round trip with itself.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSafetensors, encodeSafetensors, type HostTensor } from "../../src/io/index.js";

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
const le64 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff, 0, 0, 0, 0];

test("byte layout of a hand-built example: length prefix, JSON, space padding, data", () => {
  const tensors: Record<string, HostTensor> = {
    c: { dtype: "U8", shape: [3], data: new Uint8Array([1, 2, 255]) },
    a: { dtype: "F32", shape: [1, 2], data: new Float32Array([1, -2]) },
    b: { dtype: "I64", shape: [], data: new BigInt64Array([-1n]) },
  };
  const bytes = encodeSafetensors(tensors, { format: "pt" });

  // Order: descending dtype alignment (I64, F32, U8), as the reference does; offsets are contiguous.
  const json =
    '{"__metadata__":{"format":"pt"},' +
    '"b":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
    '"a":{"dtype":"F32","shape":[1,2],"data_offsets":[8,16]},' +
    '"c":{"dtype":"U8","shape":[3],"data_offsets":[16,19]}}';
  assert.equal(json.length, 194); // 194 = 24·8 + 2, so 6 spaces of padding make N = 200
  const expected = [
    ...le64(200),
    ...ascii(json),
    ...ascii("      "),
    ...[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // I64 -1
    ...[0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0], // F32 1.0, -2.0
    ...[1, 2, 255], // U8
  ];
  assert.deepEqual([...bytes], expected);
});

test("matches the reference implementation's own serialization test vectors", () => {
  const f = new Float32Array([0, 1, 2, 3, 4, 5]);
  // test_serialization: "attn.0", F32, shape [1, 2, 3]; header is exactly 64 bytes, no padding.
  assert.deepEqual(
    [...encodeSafetensors({ "attn.0": { dtype: "F32", shape: [1, 2, 3], data: f } })],
    [
      64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
      34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116,
      97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ],
  );
  // test_serialization_forced_alignement: "attn0", shape [1, 1, 2, 3]; 7 spaces pad the header to 72.
  assert.deepEqual(
    [...encodeSafetensors({ attn0: { dtype: "F32", shape: [1, 1, 2, 3], data: f } })],
    [
      72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34,
      70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97,
      116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
      32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
    ],
  );
  // test_empty: no tensors, with and without metadata.
  assert.deepEqual([...encodeSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(
    [...encodeSafetensors({}, { framework: "pt" })],
    [
      40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102,
      114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32,
    ],
  );
});

test("decodes bytes built the way the reference writes them (incl. the reference's own docstring example)", () => {
  // From the reference's `SafeTensors::deserialize` doc example: I32 [2,2] of zeros, N = 60 ('<'), no padding.
  const doc = new Uint8Array([
    ...le64(60),
    ...ascii('{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}'),
    ...new Array(16).fill(0),
  ]);
  const d = decodeSafetensors(doc, "doc.safetensors");
  assert.deepEqual(Object.keys(d.tensors), ["test"]);
  assert.equal(d.tensors.test!.dtype, "I32");
  assert.deepEqual(d.tensors.test!.shape, [2, 2]);
  assert.deepEqual([...(d.tensors.test!.data as Int32Array)], [0, 0, 0, 0]);
  assert.deepEqual(d.metadata, {});

  // Hand-built, name-ordered (an older reference's order), with metadata and a header padded by spaces.
  const json = '{"__metadata__":{"k":"v"},"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"x":{"dtype":"U32","shape":[1],"data_offsets":[16,20]}}';
  const pad = (8 - (json.length % 8)) % 8;
  const data = new Uint8Array(20);
  const view = new DataView(data.buffer);
  view.setFloat64(0, Math.PI, true);
  view.setFloat64(8, -1e-300, true);
  view.setUint32(16, 0xdeadbeef, true);
  const bytes = new Uint8Array([...le64(json.length + pad), ...ascii(json), ...new Array(pad).fill(32), ...data]);
  const out = decodeSafetensors(bytes);
  assert.deepEqual(out.metadata, { k: "v" });
  assert.deepEqual([...(out.tensors.w!.data as Float64Array)], [Math.PI, -1e-300]);
  assert.deepEqual([...(out.tensors.x!.data as Uint32Array)], [0xdeadbeef]);
});

test("round trip of every dtype, a scalar, empty tensors and odd names", () => {
  const tensors: Record<string, HostTensor> = {
    f32: { dtype: "F32", shape: [2, 3], data: new Float32Array([0.5, -1.25, 3e38, -0, Infinity, NaN]) },
    f64: { dtype: "F64", shape: [3], data: new Float64Array([Math.E, -Number.MIN_VALUE, Number.MAX_VALUE]) },
    i32: { dtype: "I32", shape: [2, 1], data: new Int32Array([-2147483648, 2147483647]) },
    u32: { dtype: "U32", shape: [1, 1, 2], data: new Uint32Array([0, 4294967295]) },
    i64: { dtype: "I64", shape: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
    u8: { dtype: "U8", shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
    scalar: { dtype: "F64", shape: [], data: new Float64Array([42.5]) },
    empty: { dtype: "F32", shape: [0], data: new Float32Array(0) },
    empty2d: { dtype: "I64", shape: [3, 0], data: new BigInt64Array(0) },
    "10": { dtype: "U8", shape: [1], data: new Uint8Array([10]) }, // integer-like keys must not be reordered
    "2": { dtype: "U8", shape: [1], data: new Uint8Array([2]) },
    "ünï.cødé \"q\"": { dtype: "U8", shape: [1], data: new Uint8Array([7]) },
  };
  const meta = { step: "100", note: 'quotes " and \n newline' };
  const bytes = encodeSafetensors(tensors, meta);
  const out = decodeSafetensors(bytes);
  assert.deepEqual(out.metadata, meta);
  assert.deepEqual(Object.keys(out.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const u = out.tensors[name]!;
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.equal(u.data.constructor, t.data.constructor, name);
    assert.deepEqual(new Uint8Array(u.data.buffer, u.data.byteOffset, u.data.byteLength), new Uint8Array(t.data.buffer), name);
  }
  // Decoding copies: mutating the input afterwards leaves the decoded tensors alone.
  bytes.fill(0);
  assert.equal((out.tensors.scalar!.data as Float64Array)[0], 42.5);
  // Within one dtype the order is byte-wise name order: "10" < "2" < "u8" < "ü…" (a JS object would put "2" first).
  const again = encodeSafetensors(tensors, meta);
  const n = Number(new DataView(again.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const header = new TextDecoder().decode(again.subarray(8, 8 + n));
  const at = (k: string) => header.indexOf(`${JSON.stringify(k)}:{`);
  assert.ok(at("10") < at("2") && at("2") < at("u8") && at("u8") < at("ünï.cødé \"q\""), header);
});

test("every tensor's file offset is a multiple of its item size, even with mixed dtypes", () => {
  const tensors: Record<string, HostTensor> = {
    a: { dtype: "U8", shape: [3], data: new Uint8Array(3) },
    b: { dtype: "F32", shape: [1], data: new Float32Array(1) },
    c: { dtype: "F64", shape: [1], data: new Float64Array(1) },
    d: { dtype: "U8", shape: [1], data: new Uint8Array(1) },
    e: { dtype: "I32", shape: [1], data: new Int32Array(1) },
  };
  const bytes = encodeSafetensors(tensors);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const size: Record<string, number> = { U8: 1, I32: 4, F32: 4, F64: 8 };
  const order = Object.entries(header).sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0]).map(([k]) => k);
  assert.deepEqual(order, ["c", "b", "e", "a", "d"]); // F64, F32, I32, then U8 by name
  for (const [name, info] of Object.entries(header)) {
    assert.equal((8 + n + info.data_offsets[0]) % size[info.dtype]!, 0, name);
  }
});

test("decodes from an unaligned view into a larger buffer", () => {
  const inner = encodeSafetensors({ w: { dtype: "F64", shape: [2], data: new Float64Array([1.5, -2.5]) } });
  const big = new Uint8Array(inner.length + 3);
  big.set(inner, 3);
  const out = decodeSafetensors(big.subarray(3), "view");
  assert.deepEqual([...(out.tensors.w!.data as Float64Array)], [1.5, -2.5]);
});

test("decodes from a Node Buffer (whose .slice is a view into a shared pool) into owned data", () => {
  const inner = encodeSafetensors({ w: { dtype: "F32", shape: [3], data: new Float32Array([1, 2, 3]) } });
  const buf = Buffer.concat([Buffer.from("xyz"), Buffer.from(inner)]).subarray(3);
  const w = decodeSafetensors(buf).tensors.w!;
  assert.deepEqual([...(w.data as Float32Array)], [1, 2, 3]);
  assert.equal(w.data.byteOffset, 0);
  assert.equal(w.data.buffer.byteLength, 12); // owns exactly its bytes, no shared pool behind it
});

test("encode rejects inconsistent tensors", () => {
  assert.throws(
    () => encodeSafetensors({ w: { dtype: "F32", shape: [2, 2], data: new Float32Array(3) } }),
    (e: Error) => e.name === "ShapeError" && /"w"/.test(e.message) && /4 elements/.test(e.message),
  );
  assert.throws(
    () => encodeSafetensors({ w: { dtype: "F64", shape: [1], data: new Float32Array(1) } }),
    (e: Error) => e.name === "CheckpointError" && /"w"/.test(e.message) && /Float64Array/.test(e.message),
  );
  assert.throws(
    () => encodeSafetensors({ __metadata__: { dtype: "U8", shape: [0], data: new Uint8Array(0) } }),
    (e: Error) => e.name === "CheckpointError" && /reserved/.test(e.message),
  );
  assert.throws(() => encodeSafetensors({ w: { dtype: "F32", shape: [-1], data: new Float32Array(0) } }), { name: "ShapeError" });
});
