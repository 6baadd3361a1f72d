/**
 * A square data-plane canvas: maps an extent (data units) to pixels, and the few primitives every view needs.
 * Canvases are sized in device pixels once, so drawings stay sharp on high-DPI screens.
 */
import type { Extent } from "../protocol.ts";

export class Plot {
  readonly ctx: CanvasRenderingContext2D;
  readonly w: number;
  readonly h: number;

  constructor(readonly canvas: HTMLCanvasElement, public extent: Extent) {
    this.ctx = canvas.getContext("2d")!;
    this.w = canvas.width;
    this.h = canvas.height;
  }

  px(x: number): number {
    return ((x - this.extent.x0) / (this.extent.x1 - this.extent.x0)) * this.w;
  }

  py(y: number): number {
    return ((this.extent.y1 - y) / (this.extent.y1 - this.extent.y0)) * this.h;
  }

  /** Data coordinates of a pixel (for the brush). */
  toData(px: number, py: number): [number, number] {
    const e = this.extent;
    return [e.x0 + (px / this.w) * (e.x1 - e.x0), e.y1 - (py / this.h) * (e.y1 - e.y0)];
  }

  clear(color = "#fff"): void {
    this.ctx.fillStyle = color;
    this.ctx.fillRect(0, 0, this.w, this.h);
  }

  /** Row-major [n, 2] points as small squares. */
  points(xy: Float64Array, color: string, size = 2): void {
    const c = this.ctx;
    c.fillStyle = color;
    const h = size / 2;
    for (let i = 0; i + 1 < xy.length; i += 2) c.fillRect(this.px(xy[i]!) - h, this.py(xy[i + 1]!) - h, size, size);
  }

  /** A thin frame and the axes through 0 when they are in view. */
  frame(): void {
    const c = this.ctx;
    c.strokeStyle = "#bbb";
    c.lineWidth = 1;
    c.strokeRect(0.5, 0.5, this.w - 1, this.h - 1);
    c.beginPath();
    const x0 = this.px(0);
    const y0 = this.py(0);
    if (x0 > 0 && x0 < this.w) (c.moveTo(x0, 0), c.lineTo(x0, this.h));
    if (y0 > 0 && y0 < this.h) (c.moveTo(0, y0), c.lineTo(this.w, y0));
    c.strokeStyle = "#e4e4e4";
    c.stroke();
  }

  /** A caption in the top-left corner. */
  caption(text: string): void {
    const c = this.ctx;
    c.font = "12px system-ui, sans-serif";
    c.fillStyle = "rgba(255,255,255,0.8)";
    c.fillRect(2, 2, c.measureText(text).width + 8, 16);
    c.fillStyle = "#333";
    c.fillText(text, 6, 14);
  }
}

/** A square extent around the points (row-major [n, 2]) with a margin; the unit square around 0 when empty. */
export function extentOf(xy: Float64Array, margin = 0.12): Extent {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i + 1 < xy.length; i += 2) {
    const x = xy[i]!, y = xy[i + 1]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  if (!(x1 > x0) || !(y1 > y0)) return { x0: -4, x1: 4, y0: -4, y1: 4 };
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const half = (Math.max(x1 - x0, y1 - y0) / 2) * (1 + margin);
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}
