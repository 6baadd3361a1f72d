/**
 * The brush: with it on, dragging over the samples view sprays points (a small Gaussian blob at the pointer), which
 * "Use drawn points" then turns into the training data. Points are kept in data units.
 */
import type { Plot } from "./views/plot.ts";

export interface Brush {
  enable(on: boolean): void;
  /** Flat [x0, y0, x1, y1, …] in data units. */
  points(): number[];
  clear(): void;
  draw(): void;
}

export function setupBrush(plot: Plot, redraw: () => void): Brush {
  let on = false;
  let pts: number[] = [];
  const canvas = plot.canvas;
  const spray = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    const [x, y] = plot.toData(((e.clientX - r.left) / r.width) * plot.w, ((e.clientY - r.top) / r.height) * plot.h);
    const s = 0.02 * (plot.extent.x1 - plot.extent.x0);
    for (let k = 0; k < 4; k++) pts.push(x + s * gauss(), y + s * gauss());
    redraw();
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (!on) return;
    canvas.setPointerCapture(e.pointerId);
    spray(e);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (on && e.buttons & 1) spray(e);
  });
  return {
    enable(v) {
      on = v;
      canvas.style.cursor = v ? "crosshair" : "";
    },
    points: () => pts,
    clear() {
      pts = [];
      redraw();
    },
    draw() {
      if (pts.length) plot.points(Float64Array.from(pts), "rgba(31,119,180,0.8)", 3);
    },
  };
}

/** A standard normal draw (Box–Muller). */
function gauss(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}
