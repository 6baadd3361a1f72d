/**
 * Axis arithmetic for figures: default data bounds (robust to a few diverged samples), equal-aspect expansion,
 * "nice" tick positions (1, 2, 5 × 10^k) and their labels.
 */

/** [xmin, xmax, ymin, ymax] in data units. */
export type Bounds = [number, number, number, number];

/**
 * Bounds of the finite points in `xy` lists (each row-major [n, 2]), padded by `pad` of the range on each side.
 * With more than 1000 finite points, the most extreme 0.1% on each side of each axis are ignored, so a handful
 * of diverged samples cannot squash the plot into a corner. A zero range is widened to ±1 around its value;
 * no finite points at all give [-1, 1, -1, 1]. Each box in `include` (e.g. a heatmap's extent) is always
 * covered in full, before padding.
 */
export function dataBounds(xy: ArrayLike<number>[], pad = 0.05, include: Bounds[] = []): Bounds {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const arr of xy) {
    for (let i = 0; i + 1 < arr.length; i += 2) {
      const x = arr[i];
      const y = arr[i + 1];
      if (Number.isFinite(x) && Number.isFinite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length === 0 && include.length === 0) return [-1, 1, -1, 1];
  let [x0, x1] = xs.length ? robustRange(xs) : [Infinity, -Infinity];
  let [y0, y1] = ys.length ? robustRange(ys) : [Infinity, -Infinity];
  for (const b of include) {
    [x0, x1, y0, y1] = [Math.min(x0, b[0]), Math.max(x1, b[1]), Math.min(y0, b[2]), Math.max(y1, b[3])];
  }
  return [...padRange(x0, x1, pad), ...padRange(y0, y1, pad)] as Bounds;
}

function robustRange(v: number[]): [number, number] {
  if (v.length <= 1000) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of v) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return [lo, hi];
  }
  const s = Float64Array.from(v).sort();
  const k = Math.floor(s.length * 0.001);
  return [s[k], s[s.length - 1 - k]];
}

function padRange(lo: number, hi: number, pad: number): [number, number] {
  if (!(hi > lo)) return [lo - 1, hi + 1];
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/**
 * Widen the shorter side of `b` (about its centre) so that one data unit spans the same number of pixels on both
 * axes of a `width`×`height` plot area — circles stay circles.
 */
export function equalAspect(b: Bounds, width: number, height: number): Bounds {
  const [x0, x1, y0, y1] = b;
  const s = Math.max((x1 - x0) / width, (y1 - y0) / height);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  return [cx - (s * width) / 2, cx + (s * width) / 2, cy - (s * height) / 2, cy + (s * height) / 2];
}

/** A tick spacing from {1, 2, 5} × 10^k giving roughly `target` intervals over `range`. */
export function niceStep(range: number, target = 5): number {
  const raw = range / Math.max(1, target);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const r = raw / mag;
  return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

/** Tick positions: the multiples of a nice step inside [lo, hi], with their labels. */
export function ticks(lo: number, hi: number, target = 5): { values: number[]; labels: string[]; step: number } {
  const step = niceStep(hi - lo, target);
  const values: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  for (let k = first; k <= last && values.length < 1000; k++) values.push(k * step);
  return { values, labels: formatTicks(values, step), step };
}

/**
 * Labels for equally spaced ticks: just enough decimals to tell neighbours apart (the step is 1, 2 or 5 × 10^k,
 * so the decimal place of its leading digit suffices), "0" never written as "-0", exponent notation when the
 * values reach 1e5 or the step is below 1e-3.
 */
export function formatTicks(values: number[], step: number): string[] {
  const maxAbs = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (maxAbs >= 1e5 || (step < 1e-3 && maxAbs > 0)) {
    const digits = Math.max(0, Math.floor(Math.log10(maxAbs)) - Math.floor(Math.log10(step) + 1e-9));
    return values.map((v) => (Math.abs(v) < step / 2 ? "0" : v.toExponential(Math.min(digits, 6)).replace("e+", "e")));
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return values.map((v) => {
    const s = v.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  });
}
