/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun's page): a big-endian header — two zero bytes, a type code
 * (0x08: unsigned bytes, the only one these data sets use), the number of dimensions — then one 32-bit size per
 * dimension and the values in row-major order. Images are idx3 ([n, rows, cols]); labels idx1 ([n]).
 */
import { DataError } from "../errors.js";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an unsigned-byte IDX file; anything else (truncated, another type code) is a DataError naming `name`. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new DataError(`${name}: not an IDX file (it does not start with two zero bytes)`);
  if (bytes[2] !== 0x08) throw new DataError(`${name}: IDX type 0x${bytes[2]!.toString(16)} is not supported (only unsigned bytes, 0x08)`);
  const nd = bytes[3]!;
  if (nd < 1 || bytes.length < 4 + 4 * nd) throw new DataError(`${name}: truncated IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  if (bytes.length !== start + size) throw new DataError(`${name}: the header promises ${dims.join("×")} = ${size} values but the file holds ${bytes.length - start}`);
  return { dims, data: bytes.subarray(start) };
}

/** Writes an unsigned-byte IDX file (tests and tools). */
export function writeIdx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const start = 4 + 4 * dims.length;
  const out = new Uint8Array(start + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, start);
  return out;
}
