/**
 * Checkpoints as bytes (the core, no file system): encode → decode round trip, the bytes are exactly the files a
 * checkpoint directory holds, and decoding errors name the part and the problem.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CheckpointError } from "../../src/errors.js";
import { encodeCheckpoint, decodeCheckpoint, CONFIG_FILE, WEIGHTS_FILE, type CheckpointFiles } from "../../src/io/index.js";
import { saveCheckpoint } from "../../src/node/checkpoint-dir.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "flowmatch-bytes-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const ckpt: CheckpointFiles = {
  config: { step: 3, name: "ü", nested: { a: [1, 2] } },
  tensors: {
    w: { dtype: "F32", shape: [2, 2], data: Float32Array.of(1, -2, 0.5, 3) },
    b: { dtype: "F64", shape: [3], data: Float64Array.of(0.1, -1 / 3, 1e300) },
  },
};

test("encode → decode returns the config and tensors; the bytes are the directory's files", () => {
  const bytes = encodeCheckpoint(ckpt);
  const back = decodeCheckpoint(bytes.configJson, bytes.weights);
  assert.deepEqual(back.config, ckpt.config);
  assert.deepEqual(Object.keys(back.tensors).sort(), ["b", "w"]);
  for (const k of ["w", "b"]) {
    assert.equal(back.tensors[k]!.dtype, ckpt.tensors[k]!.dtype);
    assert.deepEqual(back.tensors[k]!.shape, ckpt.tensors[k]!.shape);
    assert.deepEqual(Array.from(back.tensors[k]!.data as Float64Array), Array.from(ckpt.tensors[k]!.data as Float64Array));
  }
  const dir = path.join(root, "ck");
  saveCheckpoint(dir, ckpt);
  assert.equal(fs.readFileSync(path.join(dir, CONFIG_FILE), "utf8"), bytes.configJson);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, WEIGHTS_FILE))), bytes.weights);
  // The config may also come as UTF-8 bytes (as fetched or read from disk).
  assert.deepEqual(decodeCheckpoint(new TextEncoder().encode(bytes.configJson), bytes.weights).config, ckpt.config);
});

test("decoding errors are CheckpointErrors naming the part", () => {
  const { weights } = encodeCheckpoint(ckpt);
  const fails = (fn: () => unknown, ...parts: (string | RegExp)[]) =>
    assert.throws(fn, (e: unknown) => e instanceof CheckpointError && parts.every((p) => (typeof p === "string" ? e.message.includes(p) : p.test(e.message))));
  fails(() => decodeCheckpoint("{", weights, { config: "https://x/config.json" }), "https://x/config.json", /invalid JSON/);
  fails(() => decodeCheckpoint("[1]", weights), CONFIG_FILE, /JSON object/);
  fails(() => decodeCheckpoint(Uint8Array.of(0xff, 0xfe), weights), /invalid JSON/);
  fails(() => decodeCheckpoint("{}", weights.slice(0, 20), { weights: "w.st" }), "w.st");
  fails(() => encodeCheckpoint({ config: { n: 1n } as Record<string, unknown>, tensors: {} }, "mine"), "mine", /JSON-serializable/);
  fails(() => encodeCheckpoint({ config: [] as unknown as Record<string, unknown>, tensors: {} }), /plain object/);
});
