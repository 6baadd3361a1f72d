/**
 * Checkpoint directories: round trip, replacement without leftovers, and every state a crash can leave behind
 * (built by hand, or by making a rename/write fail mid-save) still loads a complete checkpoint.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CheckpointError } from "../../src/errors.js";
import { encodeSafetensors, type CheckpointFiles } from "../../src/io/index.js";
import { checkpointExists, loadCheckpoint, saveCheckpoint } from "../../src/node/checkpoint-dir.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "flowmatch-io-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = () => path.join(root, `case${counter++}`, "ckpt");

const DEAD_PID = 99999999; // above Linux's pid_max (4194304): never a live process

const ckpt = (step: number): CheckpointFiles => ({
  config: { kind: "mlp", hidden: [64, 64], step, seed: 1, note: "ünïcode" },
  tensors: {
    "params.w": { dtype: "F32", shape: [2, 2], data: new Float32Array([step, 1, 2, 3]) },
    "opt.step": { dtype: "I64", shape: [], data: new BigInt64Array([BigInt(step)]) },
  },
});

function assertIs(loaded: CheckpointFiles, step: number): void {
  assert.deepEqual(loaded.config, ckpt(step).config);
  assert.deepEqual(loaded.tensors, ckpt(step).tensors);
}

/** Names in the parent directory other than the checkpoint itself (temp or backup leftovers). */
function leftovers(dir: string): string[] {
  return fs.readdirSync(path.dirname(dir)).filter((n) => n !== path.basename(dir));
}

test("save then load round trips; config.json is pretty JSON; parents are created", () => {
  const dir = fresh();
  assert.equal(checkpointExists(dir), false);
  saveCheckpoint(dir, ckpt(1));
  assert.equal(checkpointExists(dir), true);
  assertIs(loadCheckpoint(dir), 1);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "weights.safetensors"]);
  assert.equal(fs.readFileSync(path.join(dir, "config.json"), "utf8"), `${JSON.stringify(ckpt(1).config, null, 2)}\n`);
  assert.deepEqual(new Uint8Array(fs.readFileSync(path.join(dir, "weights.safetensors"))), encodeSafetensors(ckpt(1).tensors));
  assert.deepEqual(leftovers(dir), []);
});

test("saving over an existing checkpoint replaces it and leaves no temp or backup dirs", () => {
  const dir = fresh();
  saveCheckpoint(dir, ckpt(1));
  saveCheckpoint(dir, ckpt(2));
  saveCheckpoint(`${dir}${path.sep}`, ckpt(3)); // trailing separator names the same directory
  assertIs(loadCheckpoint(dir), 3);
  assert.deepEqual(leftovers(dir), []);
});

test("crash states built by hand all load a complete checkpoint", () => {
  // (a) crash while writing the temp dir: a half-written .tmp- sibling next to the intact checkpoint.
  const a = fresh();
  saveCheckpoint(a, ckpt(1));
  fs.mkdirSync(`${a}.tmp-${DEAD_PID}-aa`);
  fs.writeFileSync(`${a}.tmp-${DEAD_PID}-aa/config.json`, '{"kind": "ml');
  assertIs(loadCheckpoint(a), 1);

  // (b) crash between the two renames: only .old- (complete) and .tmp- (complete) exist; the old one is read.
  const b = fresh();
  saveCheckpoint(b, ckpt(1));
  fs.renameSync(b, `${b}.old-${DEAD_PID}-bb`);
  fs.mkdirSync(`${b}.tmp-${DEAD_PID}-cc`);
  fs.writeFileSync(`${b}.tmp-${DEAD_PID}-cc/config.json`, JSON.stringify(ckpt(2).config));
  assert.equal(checkpointExists(b), true);
  assertIs(loadCheckpoint(b), 1);
  assert.equal(fs.existsSync(b), false, "loading must not modify the directory");

  // (c) only an .old- dir, several of them: the newest complete one wins; a broken newer one is skipped.
  const c = fresh();
  saveCheckpoint(`${c}-scratch1`, ckpt(1));
  saveCheckpoint(`${c}-scratch2`, ckpt(2));
  fs.renameSync(`${c}-scratch1`, `${c}.old-${DEAD_PID}-01`);
  fs.renameSync(`${c}-scratch2`, `${c}.old-${DEAD_PID}-02`);
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(`${c}.old-${DEAD_PID}-01`, past, past);
  assertIs(loadCheckpoint(c), 2);
  fs.writeFileSync(`${c}.old-${DEAD_PID}-02/weights.safetensors`, "garbage!!");
  assertIs(loadCheckpoint(c), 1);

  // (d) crash after the swap, before removing the backup: the new checkpoint is read.
  const d = fresh();
  saveCheckpoint(d, ckpt(1));
  fs.cpSync(d, `${d}.old-${DEAD_PID}-dd`, { recursive: true });
  saveCheckpoint(d, ckpt(2)); // also the next save: it must clean every stale sibling
  assertIs(loadCheckpoint(d), 2);
  assert.deepEqual(leftovers(d), []);

  // The next save after (b) restores a normal layout with no leftovers.
  saveCheckpoint(b, ckpt(3));
  assertIs(loadCheckpoint(b), 3);
  assert.deepEqual(leftovers(b), []);
});

test("siblings of a live process are left alone (it may be mid-save)", () => {
  const dir = fresh();
  saveCheckpoint(dir, ckpt(1));
  const live = `${dir}.tmp-${process.ppid}-ee`;
  fs.mkdirSync(live);
  saveCheckpoint(dir, ckpt(2));
  assert.deepEqual(leftovers(dir), [path.basename(live)]);
});

/** Makes the `nth` (0-based) call of fs[name] throw, as a crash or disk error at that point would. */
function failNth<K extends "renameSync" | "writeSync">(name: K, nth: number, fn: () => void): void {
  const orig = fs[name];
  let calls = 0;
  (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
    if (calls++ === nth) throw Object.assign(new Error(`injected ${name} failure`), { code: "EIO" });
    return (orig as (...a: unknown[]) => unknown).apply(fs, args);
  };
  try {
    fn();
  } finally {
    (fs as unknown as Record<string, unknown>)[name] = orig;
  }
}

test("a failure at any step of the save keeps the previous checkpoint and cleans up", () => {
  const cases: [name: "renameSync" | "writeSync", nth: number, expect: RegExp][] = [
    ["writeSync", 0, /cannot write/], // writing config.json
    ["writeSync", 1, /cannot write/], // writing weights.safetensors
    ["renameSync", 0, /previous checkpoint aside/], // dir -> .old-
    ["renameSync", 1, /previous one is restored/], // .tmp- -> dir (rolled back)
  ];
  for (const [name, nth, expect] of cases) {
    const dir = fresh();
    saveCheckpoint(dir, ckpt(1));
    failNth(name, nth, () => {
      assert.throws(() => saveCheckpoint(dir, ckpt(2)), (e: unknown) => e instanceof CheckpointError && expect.test(e.message) && e.message.includes(dir));
    });
    assertIs(loadCheckpoint(dir), 1);
    assert.deepEqual(leftovers(dir), [], `${name} #${nth}`);
  }
  // Swap and rollback both fail: the previous checkpoint survives as .old- and is still loadable.
  const dir = fresh();
  saveCheckpoint(dir, ckpt(1));
  const orig = fs.renameSync;
  let calls = 0;
  fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
    if (calls++ >= 1) throw Object.assign(new Error("injected"), { code: "EIO" });
    orig(from, to);
  };
  try {
    assert.throws(() => saveCheckpoint(dir, ckpt(2)), /previous one is at .*\.old-/);
  } finally {
    fs.renameSync = orig;
  }
  assert.equal(fs.existsSync(dir), false);
  assertIs(loadCheckpoint(dir), 1);
});

test("load errors name the path and the problem", () => {
  const missing = fresh();
  assert.throws(() => loadCheckpoint(missing), (e: unknown) => e instanceof CheckpointError && e.message.includes(missing) && /does not exist/.test(e.message));

  const dir = fresh();
  saveCheckpoint(dir, ckpt(1));
  const cfg = path.join(dir, "config.json");
  const wts = path.join(dir, "weights.safetensors");
  const expectError = (where: string, what: RegExp) =>
    assert.throws(() => loadCheckpoint(dir), (e: unknown) => e instanceof CheckpointError && e.message.includes(where) && what.test(e.message));

  fs.writeFileSync(cfg, '{"kind": "mlp",');
  expectError(cfg, /invalid JSON/);
  fs.writeFileSync(cfg, "[1, 2]");
  expectError(cfg, /JSON object/);
  fs.rmSync(cfg);
  expectError(cfg, /missing/);
  assert.equal(checkpointExists(dir), false);
  fs.writeFileSync(cfg, "{}");
  const w = fs.readFileSync(wts);
  fs.writeFileSync(wts, w.subarray(0, w.length - 3));
  expectError(wts, /out of bounds/);
  fs.rmSync(wts);
  expectError(wts, /missing/);

  const file = path.join(path.dirname(fresh()), "plain-file");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, "x");
  assert.throws(() => loadCheckpoint(file), { name: "CheckpointError", message: /not a directory/ });
});

test("save refuses to clobber something that is not a checkpoint, and rejects bad input before touching disk", () => {
  const dir = fresh();
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "notes.txt"), "precious");
  assert.throws(() => saveCheckpoint(dir, ckpt(1)), { name: "CheckpointError", message: /notes\.txt/ });
  assert.equal(fs.readFileSync(path.join(dir, "notes.txt"), "utf8"), "precious");

  const other = fresh();
  assert.throws(() => saveCheckpoint(other, { config: { n: 1n } as Record<string, unknown>, tensors: {} }), { name: "CheckpointError", message: /JSON-serializable/ });
  assert.throws(() => saveCheckpoint(other, { config: {}, tensors: { w: { dtype: "F32", shape: [3], data: new Float32Array(2) } } }), { name: "ShapeError" });
  assert.equal(fs.existsSync(path.dirname(other)), false);
});
