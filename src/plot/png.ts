/**
 * A small PNG encoder (8-bit RGB, non-interlaced) and decoder, built on fflate's zlib streams so that it runs in
 * browsers as well as Node (node:zlib would tie the core to Node).
 *
 * Why hand-written: PNG is just zlib data plus a few CRC-protected chunks, not worth an image library. The decoder exists so tests (and callers who want to check a file) can read back what
 * was written; it accepts any 8-bit non-interlaced greyscale / RGB / grey+alpha / RGBA file with all five
 * scanline filters, and returns RGB (alpha is dropped, not composited).
 */
import { zlibSync, unzlibSync } from "fflate";
import { DataError, OptionError, ShapeError } from "../errors.js";

/** The 8-byte PNG signature: \x89 P N G \r \n \x1a \n. */
export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO 3309 / zlib polynomial 0xEDB88320) of `bytes[start, end)`, as an unsigned 32-bit integer. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: 4-byte big-endian length, 4-byte type, data, CRC-32 over type + data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  if (!/^[A-Za-z]{4}$/.test(type)) throw new OptionError(`PNG chunk type must be 4 ASCII letters, got "${type}"`);
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** The Paeth predictor of the PNG spec (section 9.4): whichever of a (left), b (up), c (up-left) is nearest p. */
export function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

/** PNG scanline filter: 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth, or "adaptive" (per-row, smallest sum of |byte|). */
export type PngFilter = 0 | 1 | 2 | 3 | 4 | "adaptive";

export interface EncodeOptions {
  /** Scanline filter; default "adaptive" (the usual libpng heuristic, good for flat plot backgrounds). */
  filter?: PngFilter;
  /** zlib level 0–9; default 6. */
  level?: number;
}

/** Filter one scanline `cur` (previous scanline `prev`, zeros for the first row) into `out` with filter type `f`. */
function filterRow(f: number, cur: Uint8Array, prev: Uint8Array, bpp: number, out: Uint8Array): void {
  const n = cur.length;
  for (let i = 0; i < n; i++) {
    const a = i >= bpp ? cur[i - bpp] : 0;
    const b = prev[i];
    const c = i >= bpp ? prev[i - bpp] : 0;
    let pred = 0;
    if (f === 1) pred = a;
    else if (f === 2) pred = b;
    else if (f === 3) pred = (a + b) >>> 1;
    else if (f === 4) pred = paeth(a, b, c);
    out[i] = (cur[i] - pred) & 0xff;
  }
}

/**
 * Encode an 8-bit RGB image (row-major, `width * height * 3` bytes, top row first) as PNG bytes.
 * Throws ShapeError when the buffer size does not match, OptionError for a bad filter or level.
 */
export function encodePng(width: number, height: number, rgb: Uint8Array, options: EncodeOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new ShapeError(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  const stride = width * 3;
  if (rgb.length !== stride * height) {
    throw new ShapeError(`encodePng: expected ${stride * height} RGB bytes for ${width}x${height}, got ${rgb.length}`);
  }
  const filter = options.filter ?? "adaptive";
  if (filter !== "adaptive" && !(Number.isInteger(filter) && filter >= 0 && filter <= 4)) {
    throw new OptionError(`encodePng: filter must be 0-4 or "adaptive", got ${String(filter)}`);
  }
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new OptionError(`encodePng: level must be 0-9, got ${level}`);

  const raw = new Uint8Array((stride + 1) * height);
  const zeros = new Uint8Array(stride);
  const trial = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const cur = rgb.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rgb.subarray((y - 1) * stride, y * stride) : zeros;
    const dst = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    let best: number = filter === "adaptive" ? 0 : filter;
    if (filter === "adaptive") {
      let bestCost = Infinity;
      for (let f = 0; f <= 4; f++) {
        filterRow(f, cur, prev, 3, trial);
        let cost = 0;
        for (let i = 0; i < stride; i++) cost += trial[i] < 128 ? trial[i] : 256 - trial[i];
        if (cost < bestCost) {
          bestCost = cost;
          best = f;
        }
      }
    }
    raw[y * (stride + 1)] = best;
    filterRow(best, cur, prev, 3, dst);
  }

  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  ihdr[10] = 0; // compression: deflate
  ihdr[11] = 0; // filter method: adaptive (the five per-row types)
  ihdr[12] = 0; // no interlace
  const parts = [
    PNG_SIGNATURE,
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", zlibSync(raw, { level: level as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 })),
    pngChunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** A parsed chunk, as the decoder sees it (exported for tests that inspect files). */
export interface PngChunkInfo {
  type: string;
  data: Uint8Array;
  /** The CRC stored in the file (already checked against the computed one). */
  crc: number;
}

/** Split PNG bytes into chunks, checking the signature, lengths and every CRC. Throws DataError on corruption. */
export function readChunks(bytes: Uint8Array): PngChunkInfo[] {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) throw new DataError("decodePng: not a PNG file (bad signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: PngChunkInfo[] = [];
  let off = 8;
  while (off < bytes.length) {
    if (off + 12 > bytes.length) throw new DataError(`decodePng: truncated chunk header at byte ${off}`);
    const len = view.getUint32(off);
    if (off + 12 + len > bytes.length) throw new DataError(`decodePng: chunk at byte ${off} claims ${len} bytes, file ends first`);
    const type = String.fromCharCode(...bytes.subarray(off + 4, off + 8));
    const stored = view.getUint32(off + 8 + len);
    const computed = crc32(bytes, off + 4, off + 8 + len);
    if (stored !== computed) {
      throw new DataError(`decodePng: CRC mismatch in ${type} chunk at byte ${off} (stored ${hex(stored)}, computed ${hex(computed)})`);
    }
    chunks.push({ type, data: bytes.subarray(off + 8, off + 8 + len), crc: stored });
    off += 12 + len;
    if (type === "IEND") break;
  }
  return chunks;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Decode an 8-bit non-interlaced PNG (greyscale, RGB, grey+alpha or RGBA) into RGB bytes, top row first.
 * Throws DataError for anything else or for corrupt data.
 */
export function decodePng(bytes: Uint8Array): { width: number; height: number; rgb: Uint8Array } {
  const chunks = readChunks(bytes);
  const ihdr = chunks[0];
  if (!ihdr || ihdr.type !== "IHDR" || ihdr.data.length !== 13) throw new DataError("decodePng: first chunk must be a 13-byte IHDR");
  const hv = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 13);
  const width = hv.getUint32(0);
  const height = hv.getUint32(4);
  const [depth, colorType, compression, filterMethod, interlace] = ihdr.data.subarray(8, 13);
  const channels = CHANNELS[colorType];
  if (width < 1 || height < 1) throw new DataError(`decodePng: bad size ${width}x${height}`);
  if (depth !== 8 || channels === undefined) {
    throw new DataError(`decodePng: only 8-bit grey/RGB/grey+alpha/RGBA is supported, got depth ${depth} colour type ${colorType}`);
  }
  if (compression !== 0 || filterMethod !== 0 || interlace !== 0) {
    throw new DataError(`decodePng: unsupported compression/filter/interlace ${compression}/${filterMethod}/${interlace}`);
  }
  if (!chunks.some((c) => c.type === "IEND")) throw new DataError("decodePng: missing IEND chunk");
  const idat = chunks.filter((c) => c.type === "IDAT");
  if (idat.length === 0) throw new DataError("decodePng: no IDAT chunk");
  const zdata = new Uint8Array(idat.reduce((s, c) => s + c.data.length, 0));
  let off = 0;
  for (const c of idat) {
    zdata.set(c.data, off);
    off += c.data.length;
  }
  let raw: Uint8Array;
  try {
    raw = unzlibSync(zdata);
  } catch (e) {
    throw new DataError(`decodePng: corrupt image data (${(e as Error).message})`);
  }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) {
    throw new DataError(`decodePng: image data has ${raw.length} bytes, expected ${(stride + 1) * height}`);
  }

  const pix = new Uint8Array(stride * height);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const up = row - stride;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? pix[row + i - bpp] : 0;
      const b = y > 0 ? pix[up + i] : 0;
      const c = i >= bpp && y > 0 ? pix[up + i - bpp] : 0;
      let pred: number;
      switch (f) {
        case 0: pred = 0; break;
        case 1: pred = a; break;
        case 2: pred = b; break;
        case 3: pred = (a + b) >>> 1; break;
        case 4: pred = paeth(a, b, c); break;
        default: throw new DataError(`decodePng: bad filter type ${f} on row ${y}`);
      }
      pix[row + i] = (raw[src + i] + pred) & 0xff;
    }
  }

  if (channels === 3) return { width, height, rgb: pix };
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const s = p * channels;
    if (channels <= 2) rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = pix[s];
    else for (let k = 0; k < 3; k++) rgb[3 * p + k] = pix[s + k];
  }
  return { width, height, rgb };
}

function hex(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}
