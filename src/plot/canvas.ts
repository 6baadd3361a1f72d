/**
 * An RGB raster with the few drawing primitives the figures need: fill, rectangles, antialiased discs and lines,
 * all alpha-blended ("over" compositing) and clipped to a clip rectangle.
 *
 * Why float storage: a scatter of 10^5 points at alpha 0.03 must still darken smoothly; blending into 8-bit
 * pixels would round each tiny step away. Pixels are kept as floats in [0, 255] and rounded once, in `toRgb8`.
 * Coordinates are continuous: pixel (i, j) covers [i, i+1) × [j, j+1), so its centre is (i + 0.5, j + 0.5);
 * y grows downwards.
 */
import { OptionError } from "../errors.js";
import { encodePng } from "./png.js";

/** An sRGB colour, each channel 0–255. */
export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** Row-major RGB floats in [0, 255], top row first. */
  readonly data: Float32Array;
  private cx0 = 0;
  private cy0 = 0;
  private cx1: number;
  private cy1: number;

  constructor(width: number, height: number, background: Rgb = WHITE) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new OptionError(`Canvas: width and height must be positive integers, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.data = new Float32Array(width * height * 3);
    this.cx1 = width;
    this.cy1 = height;
    this.fill(background);
  }

  /** Restrict drawing to the integer rectangle [x, x+w) × [y, y+h) (intersected with the canvas). */
  setClip(x: number, y: number, w: number, h: number): void {
    this.cx0 = Math.max(0, Math.floor(x));
    this.cy0 = Math.max(0, Math.floor(y));
    this.cx1 = Math.min(this.width, Math.floor(x + w));
    this.cy1 = Math.min(this.height, Math.floor(y + h));
  }

  /** Allow drawing on the whole canvas again. */
  resetClip(): void {
    this.cx0 = 0;
    this.cy0 = 0;
    this.cx1 = this.width;
    this.cy1 = this.height;
  }

  /** Paint every pixel (ignores the clip rectangle). */
  fill(color: Rgb): void {
    const d = this.data;
    for (let i = 0; i < d.length; i += 3) {
      d[i] = color[0];
      d[i + 1] = color[1];
      d[i + 2] = color[2];
    }
  }

  /** Blend `color` over integer pixel (x, y) with opacity `alpha` in [0, 1]; pixels outside the clip are skipped. */
  blend(x: number, y: number, color: Rgb, alpha = 1): void {
    if (x < this.cx0 || y < this.cy0 || x >= this.cx1 || y >= this.cy1 || !(alpha > 0)) return;
    const a = alpha >= 1 ? 1 : alpha;
    const i = (y * this.width + x) * 3;
    const d = this.data;
    d[i] += (color[0] - d[i]) * a;
    d[i + 1] += (color[1] - d[i + 1]) * a;
    d[i + 2] += (color[2] - d[i + 2]) * a;
  }

  /** The colour at integer pixel (x, y), rounded to 8 bits. */
  get(x: number, y: number): [number, number, number] {
    const i = (y * this.width + x) * 3;
    return [to8(this.data[i]), to8(this.data[i + 1]), to8(this.data[i + 2])];
  }

  /** Fill the pixel-aligned rectangle [x, x+w) × [y, y+h) (coordinates are rounded). */
  rect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    const x0 = Math.max(this.cx0, Math.round(x));
    const y0 = Math.max(this.cy0, Math.round(y));
    const x1 = Math.min(this.cx1, Math.round(x + w));
    const y1 = Math.min(this.cy1, Math.round(y + h));
    for (let j = y0; j < y1; j++) for (let i = x0; i < x1; i++) this.blend(i, j, color, alpha);
  }

  /** A 1-pixel outline just inside the rectangle [x, x+w) × [y, y+h). */
  strokeRect(x: number, y: number, w: number, h: number, color: Rgb, alpha = 1): void {
    this.rect(x, y, w, 1, color, alpha);
    this.rect(x, y + h - 1, w, 1, color, alpha);
    this.rect(x, y + 1, 1, h - 2, color, alpha);
    this.rect(x + w - 1, y + 1, 1, h - 2, color, alpha);
  }

  /**
   * An antialiased filled disc of radius `r` pixels centred at (cx, cy): each pixel gets opacity
   * `alpha * coverage`, coverage ≈ clamp(r + 0.5 − distance to its centre, 0, 1).
   */
  disc(cx: number, cy: number, r: number, color: Rgb, alpha = 1): void {
    if (!Number.isFinite(cx) || !Number.isFinite(cy) || !(r > 0)) return;
    const x0 = Math.max(this.cx0, Math.floor(cx - r - 0.5));
    const x1 = Math.min(this.cx1 - 1, Math.floor(cx + r + 0.5));
    const y0 = Math.max(this.cy0, Math.floor(cy - r - 0.5));
    const y1 = Math.min(this.cy1 - 1, Math.floor(cy + r + 0.5));
    // A disc smaller than a pixel keeps its area (π r²) as total opacity instead of vanishing.
    const small = r < 0.5 ? Math.PI * r * r : 1;
    for (let j = y0; j <= y1; j++) {
      const dy = j + 0.5 - cy;
      for (let i = x0; i <= x1; i++) {
        const dx = i + 0.5 - cx;
        const cov = Math.min(1, Math.max(0, Math.max(r, 0.5) + 0.5 - Math.sqrt(dx * dx + dy * dy)));
        if (cov > 0) this.blend(i, j, color, alpha * cov * small);
      }
    }
  }

  /**
   * An antialiased 1-pixel line from (x0, y0) to (x1, y1) (Xiaolin Wu's method: each step along the major axis
   * splits its opacity between the two pixels straddling the line). The segment is first clipped to the clip
   * rectangle, so far-away or huge coordinates cost nothing. `skipLast` leaves out the final pixel so that
   * consecutive segments of a polyline don't double-blend their shared joint.
   */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, alpha = 1, skipLast = false): void {
    const clipped = clipSegment(x0, y0, x1, y1, this.cx0 - 1, this.cy0 - 1, this.cx1 + 1, this.cy1 + 1);
    if (!clipped) return;
    // Shift so that integer coordinates are pixel centres.
    let [ax, ay, bx, by] = clipped.map((v) => v - 0.5);
    const steep = Math.abs(by - ay) > Math.abs(bx - ax);
    if (steep) [ax, ay, bx, by] = [ay, ax, by, bx];
    const reversed = ax > bx;
    if (reversed) [ax, ay, bx, by] = [bx, by, ax, ay];
    const dx = bx - ax;
    const grad = dx === 0 ? 0 : (by - ay) / dx;
    let start = Math.round(ax);
    let end = Math.round(bx);
    if (skipLast) {
      if (reversed) start++;
      else end--;
    }
    const plot = (u: number, v: number, a: number) => (steep ? this.blend(v, u, color, a) : this.blend(u, v, color, a));
    for (let u = start; u <= end; u++) {
      const v = ay + grad * (u - ax);
      const vf = Math.floor(v);
      const frac = v - vf;
      plot(u, vf, alpha * (1 - frac));
      plot(u, vf + 1, alpha * frac);
    }
  }

  /** A polyline through points (xs[i], ys[i]); non-finite points break it into separate pieces. */
  polyline(xs: ArrayLike<number>, ys: ArrayLike<number>, color: Rgb, alpha = 1): void {
    for (let i = 0; i + 1 < xs.length; i++) {
      const last = i + 2 === xs.length || !Number.isFinite(xs[i + 2]) || !Number.isFinite(ys[i + 2]);
      this.line(xs[i], ys[i], xs[i + 1], ys[i + 1], color, alpha, !last);
    }
  }

  /** The image as 8-bit RGB bytes (rounded, clamped). */
  toRgb8(): Uint8Array {
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < out.length; i++) out[i] = to8(this.data[i]);
    return out;
  }

  /** The image as PNG bytes. */
  toPng(): Uint8Array {
    return encodePng(this.width, this.height, this.toRgb8());
  }
}

function to8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

/**
 * Liang–Barsky clipping of segment (x0,y0)–(x1,y1) to the box [xmin, xmax] × [ymin, ymax].
 * Returns the clipped endpoints, or null when nothing is inside or a coordinate is not finite.
 */
export function clipSegment(
  x0: number, y0: number, x1: number, y1: number,
  xmin: number, ymin: number, xmax: number, ymax: number,
): [number, number, number, number] | null {
  if (![x0, y0, x1, y1].every(Number.isFinite)) return null;
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  const p = [-dx, dx, -dy, dy];
  const q = [x0 - xmin, xmax - x0, y0 - ymin, ymax - y0];
  for (let k = 0; k < 4; k++) {
    if (p[k] === 0) {
      if (q[k] < 0) return null;
    } else {
      const t = q[k] / p[k];
      if (p[k] < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
    }
  }
  if (t0 > t1) return null;
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}
