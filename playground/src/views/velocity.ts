/** The velocity field at time t as arrows on a grid, lengths scaled so the longest spans about one cell. */
import { Plot } from "./plot.ts";

export function drawVelocity(p: Plot, field: { points: Float64Array; v: Float64Array; res: number } | undefined, caption: string): void {
  p.clear();
  p.frame();
  if (field) {
    const { points, v, res } = field;
    let max = 0;
    for (let i = 0; i < v.length; i += 2) max = Math.max(max, Math.hypot(v[i]!, v[i + 1]!));
    const cell = p.w / res;
    const scale = max > 0 ? (0.9 * cell) / max : 0;
    const c = p.ctx;
    c.strokeStyle = "#1f77b4";
    c.fillStyle = "#1f77b4";
    c.lineWidth = 1;
    for (let i = 0; i < points.length; i += 2) {
      const x = p.px(points[i]!), y = p.py(points[i + 1]!);
      const dx = v[i]! * scale, dy = -v[i + 1]! * scale;
      c.beginPath();
      c.moveTo(x, y);
      c.lineTo(x + dx, y + dy);
      c.stroke();
      const len = Math.hypot(dx, dy);
      if (len > 2) {
        const ux = dx / len, uy = dy / len;
        c.beginPath();
        c.moveTo(x + dx, y + dy);
        c.lineTo(x + dx - 3 * ux - 2 * uy, y + dy - 3 * uy + 2 * ux);
        c.lineTo(x + dx - 3 * ux + 2 * uy, y + dy - 3 * uy - 2 * ux);
        c.fill();
      }
    }
  } else caption += " · flow matching only";
  p.caption(caption);
}
