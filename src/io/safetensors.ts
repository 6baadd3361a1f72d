/**
 * Safetensors encode/decode on host memory (no jax arrays), byte-compatible with the reference implementation
 * (huggingface/safetensors, Rust `serialize`):
 *
 *   [u64 little-endian N][N bytes of JSON header, space-padded to a multiple of 8][raw little-endian tensor bytes]
 *
 * Header: `{"__metadata__":{...},"name":{"dtype":"F32","shape":[..],"data_offsets":[begin,end]},...}` in compact
 * JSON; offsets are relative to the start of the data section; tensors are contiguous. Like the reference, tensors
 * are ordered by descending dtype alignment and then by name (byte-wise UTF-8 order), so each tensor starts at an
 * offset that is a multiple of its item size; for files of a single dtype this is plain name order.
 *
 * Decoding validates everything the reference validates (header size, UTF-8, JSON, contiguous in-bounds offsets,
 * byte count = prod(shape)·itemsize, last offset = end of file) and reports violations as `CheckpointError`
 * naming the source and the tensor.
 */
import { CheckpointError, ShapeError } from "../errors.js";

/** Element types this library stores. */
export type Dtype = "F32" | "F64" | "I32" | "U32" | "I64" | "U8";

/** A tensor in host memory: C-order data of `prod(shape)` elements (a scalar has shape `[]` and one element). */
export interface HostTensor {
  dtype: Dtype;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | Uint32Array | BigInt64Array | Uint8Array;
}

type TypedCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor;

/** Item size, typed-array class, and the reference's enum rank (its sort key: higher rank = written first). */
const DTYPES: Record<Dtype, { size: number; ctor: TypedCtor; rank: number }> = {
  U8: { size: 1, ctor: Uint8Array, rank: 1 },
  I32: { size: 4, ctor: Int32Array, rank: 9 },
  U32: { size: 4, ctor: Uint32Array, rank: 10 },
  F32: { size: 4, ctor: Float32Array, rank: 11 },
  F64: { size: 8, ctor: Float64Array, rank: 12 },
  I64: { size: 8, ctor: BigInt64Array, rank: 13 },
};

/** Same limit as the reference: a header above 100 MB is treated as corrupt. */
export const MAX_HEADER_SIZE = 100_000_000;

const METADATA_KEY = "__metadata__";

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function isDtype(s: unknown): s is Dtype {
  return typeof s === "string" && Object.prototype.hasOwnProperty.call(DTYPES, s);
}

/** Bytes per element of `dtype`. */
export function dtypeSize(dtype: Dtype): number {
  return DTYPES[dtype].size;
}

/** Number of elements of `shape` (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Byte-wise UTF-8 order, the order Rust's `String::cmp` gives. It equals code-point order, which differs from
 * JavaScript's UTF-16 `<` on astral characters. (No `Buffer`: this file also runs in browsers.)
 */
function compareUtf8(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Reverses each `size`-byte group in place (host/file endianness mismatch; only on big-endian hosts). */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

function checkTensorForEncode(name: string, t: HostTensor): void {
  if (name === METADATA_KEY) throw new CheckpointError(`safetensors: tensor name "${METADATA_KEY}" is reserved`);
  if (t === null || typeof t !== "object") throw new CheckpointError(`safetensors: tensor "${name}" is not a HostTensor`);
  if (!isDtype(t.dtype)) {
    throw new CheckpointError(
      `safetensors: tensor "${name}" has unsupported dtype ${JSON.stringify(t.dtype)} (expected one of ${Object.keys(DTYPES).join(", ")})`,
    );
  }
  const info = DTYPES[t.dtype];
  if (!(t.data instanceof info.ctor)) {
    throw new CheckpointError(
      `safetensors: tensor "${name}" has dtype ${t.dtype} but its data is a ${t.data?.constructor?.name ?? typeof t.data} (expected ${info.ctor.name})`,
    );
  }
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new ShapeError(
      `safetensors: tensor "${name}" has invalid shape ${JSON.stringify(t.shape)} (expected an array of non-negative integers)`,
    );
  }
  if (t.data.length !== numel(t.shape)) {
    throw new ShapeError(
      `safetensors: tensor "${name}" has shape [${t.shape.join(", ")}] (${numel(t.shape)} elements) but ${t.data.length} data elements`,
    );
  }
}

/**
 * Serializes `tensors` (and optional string `metadata`, written as `__metadata__` when non-empty) to the
 * safetensors byte layout. Does not modify its inputs. Throws `ShapeError` when data length ≠ prod(shape) and
 * `CheckpointError` for a dtype/data mismatch, a reserved name or non-string metadata.
 */
export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) checkTensorForEncode(name, t);
  entries.sort(([na, a], [nb, b]) => DTYPES[b.dtype].rank - DTYPES[a.dtype].rank || compareUtf8(na, nb));

  // The header is assembled by hand: a JS object would reorder integer-like keys ("0", "10", …).
  const parts: string[] = [];
  const metaEntries = metadata === undefined ? [] : Object.entries(metadata);
  if (metaEntries.length > 0) {
    for (const [k, v] of metaEntries) {
      if (typeof v !== "string") {
        throw new CheckpointError(`safetensors: metadata value for "${k}" is a ${typeof v} (expected a string)`);
      }
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${metaEntries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const padded = json.length + ((8 - (json.length % 8)) % 8);

  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let pos = 8 + padded;
  for (const [, t] of entries) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.set(bytes, pos);
    if (!HOST_LITTLE_ENDIAN) swapBytes(out.subarray(pos, pos + bytes.length), DTYPES[t.dtype].size);
    pos += bytes.length;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Parses safetensors bytes. Returned tensors own fresh, aligned copies of their data (the input can be reused).
 * `source` (a file path, typically) is named in every error message. Tensors of a dtype outside `Dtype`
 * (F16, BF16, …) are rejected rather than silently converted.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = "<buffer>",
): { tensors: Record<string, HostTensor>; metadata: Record<string, string> } {
  const fail = (what: string): never => {
    throw new CheckpointError(`${source}: invalid safetensors: ${what}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) fail(`header length ${n64} exceeds the ${MAX_HEADER_SIZE}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`header length ${n} exceeds the ${bytes.length - 8} bytes after the length prefix (truncated file?)`);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);

  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail(`header is not valid UTF-8`);
  }
  if (!text.startsWith("{")) fail(`header does not start with '{'`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) return fail(`header is not a JSON object`);

  const metadata: Record<string, string> = {};
  const rawMeta = header[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (!isPlainObject(rawMeta)) fail(`"${METADATA_KEY}" is not an object of strings`);
    for (const [k, v] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof v !== "string") fail(`"${METADATA_KEY}" value for "${k}" is not a string`);
      Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }

  const dataLen = bytes.length - 8 - n;
  const infos: { name: string; dtype: Dtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === METADATA_KEY) continue;
    const bad = (what: string): never => fail(`tensor "${name}": ${what}`);
    if (!isPlainObject(raw)) bad(`entry is not an object`);
    const info = raw as Record<string, unknown>;
    if (!isDtype(info.dtype)) bad(`unsupported dtype ${JSON.stringify(info.dtype)} (supported: ${Object.keys(DTYPES).join(", ")})`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`shape ${JSON.stringify(shape)} is not an array of non-negative integers`);
    }
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(`data_offsets ${JSON.stringify(offs)} is not a pair of non-negative integers`);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) bad(`data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLen) bad(`data_offsets [${begin}, ${end}] out of bounds: the data section has ${dataLen} bytes (truncated file?)`);
    const dtype = info.dtype as Dtype;
    const want = numel(shape as number[]) * DTYPES[dtype].size;
    if (end - begin !== want) {
      bad(`${end - begin} bytes in data_offsets [${begin}, ${end}] but dtype ${dtype} shape [${(shape as number[]).join(", ")}] needs ${want}`);
    }
    infos.push({ name, dtype, shape: (shape as number[]).slice(), begin, end });
  }

  // Contiguity, as the reference checks: sorted by offsets, each begins where the previous ended, the last ends at EOF.
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const t of infos) {
    if (t.begin !== cursor) {
      fail(`tensor "${t.name}": data_offsets [${t.begin}, ${t.end}] ${t.begin < cursor ? "overlap the previous tensor" : "leave a gap after the previous tensor"} (expected begin ${cursor})`);
    }
    cursor = t.end;
  }
  if (cursor !== dataLen) fail(`tensors cover ${cursor} of the ${dataLen} data bytes (trailing bytes after the last tensor)`);

  const tensors: Record<string, HostTensor> = {};
  const base = 8 + n;
  for (const t of infos) {
    // A fresh buffer at offset 0, so always aligned. Not `bytes.slice`: on a Node Buffer that is a view into a pool.
    const copy = new Uint8Array(bytes.subarray(base + t.begin, base + t.end));
    if (!HOST_LITTLE_ENDIAN) swapBytes(copy, DTYPES[t.dtype].size);
    const { ctor, size } = DTYPES[t.dtype];
    const data = new ctor(copy.buffer, 0, copy.byteLength / size);
    Object.defineProperty(tensors, t.name, {
      value: { dtype: t.dtype, shape: t.shape, data },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return { tensors, metadata };
}
