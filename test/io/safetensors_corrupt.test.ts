/**
 * Corrupt safetensors input must raise CheckpointError naming the source (and the tensor when one is at fault),
 * never return garbage or a RangeError from a typed-array constructor.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CheckpointError } from "../../src/errors.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/index.js";

const SRC = "/ckpt/weights.safetensors";

/** Length prefix + header (space-padded to 8) + data: the reference layout, with any header we like. */
function build(header: string, data: number | Uint8Array, n?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const pad = (8 - (json.length % 8)) % 8;
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + pad + body.length);
  new DataView(out.buffer).setBigUint64(0, n ?? BigInt(json.length + pad), true);
  out.set(json, 8);
  out.fill(32, 8 + json.length, 8 + json.length + pad);
  out.set(body, 8 + json.length + pad);
  return out;
}

function rejects(bytes: Uint8Array, ...patterns: RegExp[]): void {
  assert.throws(
    () => decodeSafetensors(bytes, SRC),
    (e: unknown) => {
      assert.ok(e instanceof CheckpointError, `expected CheckpointError, got ${String(e)}`);
      assert.ok(e.message.includes(SRC), `source not named: ${e.message}`);
      for (const p of patterns) assert.match(e.message, p);
      return true;
    },
  );
}

const good = encodeSafetensors({
  a: { dtype: "F32", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
  b: { dtype: "F32", shape: [3], data: new Float32Array([5, 6, 7]) },
});

test("the well-formed file decodes (baseline for the corruptions below)", () => {
  const out = decodeSafetensors(good, SRC);
  assert.deepEqual([...(out.tensors.b!.data as Float32Array)], [5, 6, 7]);
});

test("truncated files", () => {
  rejects(good.subarray(0, 5), /too short/);
  rejects(good.subarray(0, 8 + 10), /header length \d+ exceeds/, /truncated/);
  // Cut inside the data section: the last tensor ("b") runs past the end.
  rejects(good.subarray(0, good.length - 4), /"b"/, /out of bounds/);
  rejects(new Uint8Array(0), /too short/);
});

test("bad header length", () => {
  const huge = good.slice();
  new DataView(huge.buffer).setBigUint64(0, 2n ** 63n, true);
  rejects(huge, /exceeds the 100000000-byte limit/);
  const tooBig = good.slice();
  new DataView(tooBig.buffer).setBigUint64(0, BigInt(good.length), true); // > bytes after the prefix
  rejects(tooBig, /exceeds/);
  const zero = good.slice();
  new DataView(zero.buffer).setBigUint64(0, 0n, true);
  rejects(zero, /too small/);
  // A length that cuts the JSON short: the header no longer parses.
  const short = good.slice();
  new DataView(short.buffer).setBigUint64(0, 16n, true);
  rejects(short, /not valid JSON/);
});

test("header that is not UTF-8 / not JSON / not an object", () => {
  const bad = build('{"a":1}', 0);
  bad[9] = 0xff; // inside the JSON text
  rejects(bad, /UTF-8/);
  rejects(build("[1,2,3]", 0), /start with '\{'/);
  rejects(build("{nope}", 0), /not valid JSON/);
  rejects(build('{"__metadata__":{"k":3}}', 0), /"k" is not a string/);
});

test("out-of-bounds offsets name the tensor", () => {
  rejects(build('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', 8), /"w"/, /out of bounds/, /8 bytes/);
  rejects(build('{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}', 8), /"w"/, /end before/);
  rejects(build('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}', 4), /"w"/, /data_offsets/);
  rejects(build('{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', 4), /"w"/, /data_offsets/);
});

test("wrong byte count for dtype x shape names the tensor", () => {
  rejects(build('{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}', 12), /"w"/, /12 bytes/, /needs 16/);
  rejects(build('{"s":{"dtype":"F64","shape":[],"data_offsets":[0,4]}}', 4), /"s"/, /needs 8/);
  rejects(build('{"w":{"dtype":"U8","shape":[2.5],"data_offsets":[0,2]}}', 2), /"w"/, /shape/);
});

test("gaps, overlaps and trailing bytes", () => {
  rejects(
    build('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[8,12]}}', 12),
    /"b"/, /gap/,
  );
  rejects(
    build('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', 6),
    /"b"/, /overlap/,
  );
  rejects(build('{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}}', 6), /trailing/);
  rejects(build('{"a":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}', 6), /"a"/, /expected begin 0/);
});

test("unsupported dtypes are rejected, not reinterpreted", () => {
  rejects(build('{"h":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}', 4), /"h"/, /BF16/);
  rejects(build('{"h":[1,2]}', 0), /"h"/, /not an object/);
});
