/**
 * Image data sets as training data: pixels (row-major H·W·C per image, channels last, integer levels 0…L−1) with
 * optional class labels, opened as a table whose last column is "label". Rows keep the [B, H·W·C] layout of every
 * other data set (the U-Net reshapes inside); pixels are dequantized (u ~ U[0, 1) added to each level, each draw)
 * and scaled to model units in [−1, 1): z = 2(x + u)/L − 1, a standardizer with mean L/2 and std L/2 that the
 * checkpoint stores and sampling undoes (samples come back in pixel units, continuous in [0, L)).
 *
 * ```ts
 * const set: ImageSet = { name: "digits", shape: [8, 8, 1], levels: 17, pixels, labels };
 * const data = openImageData(set, { cond: true, testFraction: 0.1 });
 * ```
 */
import type { CsvTable } from "./csv.js";
import { openData, type DataSource, type DataOptions } from "./source.js";
import { DataError } from "../errors.js";

export interface ImageSet {
  /** What the user typed (data set name or file path), for messages and the checkpoint. */
  name: string;
  /** [H, W, C]. */
  shape: [number, number, number];
  /** Pixel levels L: values are integers 0…L−1 (17 for the 8×8 digits, 256 for MNIST-format files). */
  levels: number;
  /** Row-major [n, H·W·C]. */
  pixels: Float64Array;
  /** One class label per image (digits, IDX label files). */
  labels?: ArrayLike<number>;
}

export type ImageDataOptions = Pick<DataOptions, "testFraction" | "seed" | "standardizer" | "condConfig"> & {
  /** Condition on the labels (class conditioning; the column is named "label"). */
  cond?: boolean;
};

/** The set as a table: H·W·C pixel columns, then "label" when there are labels. */
export function imageTable(set: ImageSet): CsvTable {
  const D = set.shape[0] * set.shape[1] * set.shape[2];
  const n = set.pixels.length / D;
  if (!Number.isInteger(n) || n < 1) throw new DataError(`${set.name}: ${set.pixels.length} pixel values are not a whole number of ${set.shape.join("×")} images`);
  const L = set.labels;
  if (L && L.length !== n) throw new DataError(`${set.name}: ${n} images but ${L.length} labels`);
  const cols = D + (L ? 1 : 0);
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    data.set(set.pixels.subarray(i * D, (i + 1) * D), i * cols);
    if (L) data[i * cols + D] = L[i]!;
  }
  const header = [...Array.from({ length: D }, (_, j) => `p${j}`), ...(L ? ["label"] : [])];
  return { data, rows: n, cols, header } as CsvTable;
}

/** Training data from an image set: dequantized, scaled to [−1, 1), optionally class-conditional on the labels. */
export function openImageData(set: ImageSet, o: ImageDataOptions = {}): DataSource {
  if (o.cond && !set.labels) throw new DataError(`${set.name}: no labels to condition on (--cond label needs a label file next to the images)`);
  const table = imageTable(set);
  const src = openData(table, {
    family: "flow-matching",
    name: set.name,
    dequantize: set.levels,
    dequantizeSpan: 2,
    ...(set.labels && !o.cond ? { columns: Array.from({ length: table.cols - 1 }, (_, j) => j) } : {}),
    ...(o.cond ? { cond: { columns: ["label"], kind: "class" as const } } : {}),
    testFraction: o.testFraction, seed: o.seed, standardizer: o.standardizer, condConfig: o.condConfig,
  });
  return { ...src, image: set.shape };
}
