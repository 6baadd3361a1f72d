/**
 * Image data sets from files (Node): the built-in 8×8 digits (17 gray levels, labels in the last CSV column) and
 * MNIST-format IDX files (`train-images-idx3-ubyte[.gz]`, 256 levels) with labels from the matching idx1 file in
 * the same folder (`…-labels-idx1-ubyte[.gz]`), such as Debian's dataset-fashion-mnist package.
 *
 * ```ts
 * const set = loadImageSet("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
 * const data = openImageSource("digits", { cond: true, testFraction: 0.1 });
 * ```
 */
import { existsSync, readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { DataError } from "../errors.js";
import { parseIdx } from "../data/idx.js";
import { openImageData, type ImageSet, type ImageDataOptions } from "../data/image.js";
import type { DataSource } from "../data/data-source.js";
import { loadCsv } from "./csv.js";

/** Whether `spec` names image data: the built-in digits or an idx3 file. */
export function isImageSpec(spec: string): boolean {
  return spec === "digits" || isIdxSpec(spec);
}

const isIdxSpec = (spec: string) => /idx3-ubyte(\.gz)?$/i.test(spec);

/** The idx1 label file next to an idx3 image file (`images-idx3` → `labels-idx1`, with or without .gz), if any. */
export function labelFileFor(imagePath: string): string | undefined {
  const base = imagePath.replace(/images-idx3-ubyte(\.gz)?$/i, "labels-idx1-ubyte");
  if (base === imagePath) return undefined;
  return [base, `${base}.gz`].find((p) => existsSync(p));
}

function readMaybeGz(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(code === "ENOENT" ? `${path}: no such file` : `${path}: cannot read the file (${(err as Error).message})`);
  }
  if (!path.endsWith(".gz")) return bytes;
  try {
    return gunzipSync(bytes);
  } catch (err) {
    throw new DataError(`${path}: not a valid gzip file (${(err as Error).message})`);
  }
}

/** Reads an image set: "digits" or an idx3 file (labels from the matching idx1 file when it exists). */
export function loadImageSet(spec: string): ImageSet {
  if (spec === "digits") {
    const t = loadCsv("digits");
    const D = t.cols - 1;
    const pixels = new Float64Array(t.rows * D);
    const labels = new Int32Array(t.rows);
    for (let i = 0; i < t.rows; i++) {
      pixels.set(t.data.subarray(i * t.cols, i * t.cols + D), i * D);
      labels[i] = t.data[i * t.cols + D]!;
    }
    return { name: spec, shape: [8, 8, 1], levels: 17, pixels, labels };
  }
  if (!isIdxSpec(spec)) throw new DataError(`${spec}: not image data (give digits or an IDX image file such as train-images-idx3-ubyte.gz)`);
  const img = parseIdx(readMaybeGz(spec), spec);
  if (img.dims.length !== 3) throw new DataError(`${spec}: expected idx3 images [n, rows, cols], got ${img.dims.length} dimensions`);
  const [n, H, W] = img.dims as [number, number, number];
  const labelPath = labelFileFor(spec);
  let labels: Uint8Array | undefined;
  if (labelPath) {
    const l = parseIdx(readMaybeGz(labelPath), labelPath);
    if (l.dims.length !== 1 || l.dims[0] !== n) throw new DataError(`${labelPath}: expected ${n} labels (idx1), got ${l.dims.join("×")}`);
    labels = l.data;
  }
  return { name: spec, shape: [H, W, 1], levels: 256, pixels: Float64Array.from(img.data), ...(labels ? { labels } : {}) };
}

/** `openImageData` on a set read by `loadImageSet`. */
export function openImageSource(spec: string, o: ImageDataOptions = {}): DataSource {
  return openImageData(loadImageSet(spec), o);
}
