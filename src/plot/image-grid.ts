/**
 * An image grid: one row of images per label (a class-conditional model's samples, a row per class), drawn pixel
 * for pixel (each image pixel a `scale`×`scale` block), with the row's label on the left. Gray images are dark ink on
 * white (pixel value 0 is white, L − 1 black), as digits are drawn; 3-channel images in their own colours.
 */
import { Canvas, WHITE, BLACK, type Rgb } from "./canvas.js";
import { drawText, textWidth, CELL_HEIGHT } from "./font.js";

export interface ImageGridRow {
  label: string;
  /** Row-major [k, H·W·C] in pixel units (0…levels − 1; continuous values are clamped). */
  images: Float64Array;
}

export interface ImageGridOptions {
  /** [H, W, C]. */
  shape: [number, number, number];
  /** Pixel levels L (values 0…L−1). */
  levels: number;
  /** Screen pixels per image pixel (default: 4 for images up to 16 wide, else 2). */
  scale?: number;
  title?: string;
}

const GAP = 2;
const MARGIN = 6;

/** The grid as a Canvas (`.toPng()` for the file). */
export function imageGrid(rows: ImageGridRow[], o: ImageGridOptions): Canvas {
  const [H, W, C] = o.shape;
  const D = H * W * C;
  const s = o.scale ?? (W <= 16 ? 4 : 2);
  const cols = Math.max(1, ...rows.map((r) => r.images.length / D));
  const labelW = Math.max(0, ...rows.map((r) => textWidth(r.label))) + MARGIN;
  const titleH = o.title ? CELL_HEIGHT + MARGIN : 0;
  const width = MARGIN + labelW + cols * (W * s + GAP) + MARGIN;
  const height = MARGIN + titleH + rows.length * (H * s + GAP) + MARGIN;
  const canvas = new Canvas(width, height, WHITE);
  if (o.title) drawText(canvas, o.title, MARGIN, MARGIN, BLACK);
  const unit = (level: number) => Math.min(1, Math.max(0, level / (o.levels - 1)));
  const ink = (level: number) => 255 * (1 - unit(level)); // gray: ink on paper, as digits are drawn
  const light = (level: number) => 255 * unit(level); // colour: the picture as it is
  rows.forEach((row, r) => {
    const y0 = MARGIN + titleH + r * (H * s + GAP);
    drawText(canvas, row.label, MARGIN, y0 + Math.max(0, (H * s - CELL_HEIGHT) / 2), BLACK);
    for (let k = 0; k < row.images.length / D; k++) {
      const x0 = MARGIN + labelW + k * (W * s + GAP);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          const p = k * D + (i * W + j) * C;
          const color: Rgb = C >= 3 ? [light(row.images[p]!), light(row.images[p + 1]!), light(row.images[p + 2]!)] : [ink(row.images[p]!), ink(row.images[p]!), ink(row.images[p]!)];
          canvas.rect(x0 + j * s, y0 + i * s, s, s, color);
        }
    }
  });
  return canvas;
}
