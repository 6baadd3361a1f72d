/**
 * PNG encoder/decoder tests. The file format is checked with code written independently here (a bitwise CRC-32,
 * a DataView chunk walker, a straight-from-the-spec unfilter), so a bug shared by encoder and decoder cannot hide
 * behind an exact round trip.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { deflateSync, inflateSync } from "node:zlib";
import { Rng } from "../../src/engine/rng.js";
import { DataError, ShapeError } from "../../src/errors.js";
import { crc32, decodePng, encodePng, paeth, type PngFilter } from "../../src/plot/png.js";

/** Bit-at-a-time CRC-32 (reflected polynomial 0xEDB88320), no table. */
function crcRef(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return (c ^ 0xffffffff) >>> 0;
}

const ascii = (s: string) => new TextEncoder().encode(s);

function randomImage(w: number, h: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const rgb = new Uint8Array(w * h * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = rng.int(256);
  return rgb;
}

/** Walk the chunks with a DataView, verifying each CRC with crcRef. */
function chunks(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: { type: string; data: Uint8Array }[] = [];
  for (let off = 8; off < png.length; ) {
    const len = v.getUint32(off);
    const type = String.fromCharCode(...png.subarray(off + 4, off + 8));
    assert.equal(v.getUint32(off + 8 + len), crcRef(png.subarray(off + 4, off + 8 + len)), `CRC of ${type}`);
    out.push({ type, data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  return out;
}

/** Reverse PNG filtering from the spec's definitions (bpp bytes per pixel). */
function unfilterRef(raw: Uint8Array, w: number, h: number, bpp: number): Uint8Array {
  const stride = w * bpp;
  const out = new Uint8Array(stride * h);
  const px = (y: number, i: number) => (y < 0 || i < 0 ? 0 : out[y * stride + i]);
  for (let y = 0; y < h; y++) {
    const f = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const a = px(y, i - bpp), b = px(y - 1, i), c = px(y - 1, i - bpp);
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pae = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, Math.floor((a + b) / 2), pae][f];
      out[y * stride + i] = (raw[y * (stride + 1) + 1 + i] + pred) % 256;
    }
  }
  return out;
}

test("crc32 matches the standard check values and a bitwise reference", () => {
  assert.equal(crc32(ascii("123456789")), 0xcbf43926);
  assert.equal(crc32(ascii("")), 0);
  assert.equal(crc32(ascii("The quick brown fox jumps over the lazy dog")), 0x414fa339);
  const data = randomImage(50, 7, 3);
  assert.equal(crc32(data), crcRef(data));
  assert.equal(crc32(data, 10, 400), crcRef(data.subarray(10, 400)));
});

test("paeth picks the spec's nearest predictor, ties preferring a, then b", () => {
  assert.equal(paeth(10, 20, 10), 20); // p = 20: b exact
  assert.equal(paeth(20, 10, 10), 20); // p = 20: a exact
  assert.equal(paeth(5, 5, 5), 5);
  assert.equal(paeth(100, 50, 200), 50); // p = -50: pa 150, pb 100, pc 250
  assert.equal(paeth(3, 7, 5), 5); // p = 5: pa 2, pb 2, pc 0 → c
  assert.equal(paeth(4, 8, 6), 6);
  assert.equal(paeth(1, 3, 2), 2);
  assert.equal(paeth(2, 4, 0), 4); // p = 6: pa 4, pb 2, pc 6 → b
  assert.equal(paeth(5, 2, 4), 2); // p = 3: pa 2, pb 1, pc 1 → b wins the tie with c
});

test("signature, IHDR fields and chunk order are as the spec says; every CRC verifies", () => {
  const png = encodePng(37, 11, randomImage(37, 11, 1));
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  const cs = chunks(png);
  assert.deepEqual(cs.map((c) => c.type), ["IHDR", "IDAT", "IEND"]);
  const ihdr = new DataView(cs[0].data.buffer, cs[0].data.byteOffset, cs[0].data.byteLength);
  assert.equal(cs[0].data.length, 13);
  assert.equal(ihdr.getUint32(0), 37);
  assert.equal(ihdr.getUint32(4), 11);
  assert.deepEqual([...cs[0].data.subarray(8)], [8, 2, 0, 0, 0]); // depth 8, RGB, deflate, filter 0, no interlace
  assert.equal(cs[2].data.length, 0);
});

test("encode → decode round trip is exact for every filter, and the IDAT unfilters independently", () => {
  for (const [w, h] of [[1, 1], [17, 9], [64, 33]]) {
    const rgb = randomImage(w, h, w * 100 + h);
    // A smooth region too, so the adaptive choice varies between rows.
    for (let y = 0; y < h / 2; y++) for (let i = 0; i < w * 3; i++) rgb[y * w * 3 + i] = (i * 3 + y) & 255;
    for (const filter of [0, 1, 2, 3, 4, "adaptive"] as PngFilter[]) {
      const png = encodePng(w, h, rgb, { filter });
      const back = decodePng(png);
      assert.equal(back.width, w);
      assert.equal(back.height, h);
      assert.deepEqual(back.rgb, rgb, `filter ${filter} ${w}x${h}`);
      const raw = new Uint8Array(inflateSync(chunks(png).find((c) => c.type === "IDAT")!.data));
      assert.equal(raw.length, (w * 3 + 1) * h);
      if (filter !== "adaptive") for (let y = 0; y < h; y++) assert.equal(raw[y * (w * 3 + 1)], filter);
      assert.deepEqual(unfilterRef(raw, w, h, 3), rgb, `independent unfilter, filter ${filter}`);
    }
  }
});

/** Build a PNG by hand: colour type `ct`, filter bytes chosen per row, IDAT split in two chunks. */
function handMadePng(w: number, h: number, ct: number, bpp: number, pix: Uint8Array, filters: number[]): Uint8Array {
  const stride = w * bpp;
  const raw = new Uint8Array((stride + 1) * h);
  const px = (y: number, i: number) => (y < 0 || i < 0 ? 0 : pix[y * stride + i]);
  for (let y = 0; y < h; y++) {
    const f = filters[y % filters.length];
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const a = px(y, i - bpp), b = px(y - 1, i), c = px(y - 1, i - bpp);
      const p = a + b - c;
      const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, Math.floor((a + b) / 2), pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      raw[y * (stride + 1) + 1 + i] = (px(y, i) - pred + 256) % 256;
    }
  }
  const z = new Uint8Array(deflateSync(raw));
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...ascii(type), ...data]);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, data.length);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crcRef(body));
    return [...len, ...body, ...crc];
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr.set([8, ct, 0, 0, 0], 8);
  const half = z.length >> 1;
  return new Uint8Array([
    137, 80, 78, 71, 13, 10, 26, 10,
    ...chunk("IHDR", ihdr),
    ...chunk("tEXt", ascii("Comment\0hand made")),
    ...chunk("IDAT", z.subarray(0, half)),
    ...chunk("IDAT", z.subarray(half)),
    ...chunk("IEND", new Uint8Array(0)),
  ]);
}

test("decodePng reads hand-made grey, RGBA and RGB files using all five filters", () => {
  const w = 13, h = 10;
  const filters = [0, 1, 2, 3, 4, 4, 3, 2, 1, 0];
  const grey = randomImage(w, h, 7).subarray(0, w * h);
  const g = decodePng(handMadePng(w, h, 0, 1, grey, filters));
  for (let p = 0; p < w * h; p++) assert.deepEqual([...g.rgb.subarray(3 * p, 3 * p + 3)], [grey[p], grey[p], grey[p]]);
  const rgba = randomImage(w, h * 2, 8).subarray(0, w * h * 4);
  const c = decodePng(handMadePng(w, h, 6, 4, rgba, filters));
  for (let p = 0; p < w * h; p++) assert.deepEqual([...c.rgb.subarray(3 * p, 3 * p + 3)], [...rgba.subarray(4 * p, 4 * p + 3)]);
  const rgb = randomImage(w, h, 9);
  assert.deepEqual(decodePng(handMadePng(w, h, 2, 3, rgb, filters)).rgb, rgb);
});

test("corrupt or unsupported files raise DataError; wrong buffer sizes raise ShapeError", () => {
  const png = encodePng(8, 8, randomImage(8, 8, 2));
  const flipped = png.slice();
  flipped[45] ^= 1; // IDAT data starts at byte 41
  assert.throws(() => decodePng(flipped), (e: unknown) => e instanceof DataError && /CRC mismatch in IDAT/.test(e.message));
  assert.throws(() => decodePng(png.subarray(0, 30)), DataError);
  assert.throws(() => decodePng(ascii("GIF89a not a png")), /bad signature/);
  const sixteen = handMadePng(2, 2, 2, 3, new Uint8Array(12), [0]);
  sixteen[24] = 16; // bit depth byte of IHDR; fix its CRC so only the depth is wrong
  new DataView(sixteen.buffer).setUint32(29, crcRef(sixteen.subarray(12, 29)));
  assert.throws(() => decodePng(sixteen), /only 8-bit/);
  assert.throws(() => encodePng(4, 4, new Uint8Array(47)), ShapeError);
  assert.throws(() => encodePng(0, 4, new Uint8Array(0)), ShapeError);
});
