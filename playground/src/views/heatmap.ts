/**
 * The model's log-density on a grid (from the exact likelihood), coloured with viridis over the top 8 nats of the
 * grid's range: lower values (the far tails) are all the darkest colour, so the modes' shapes are what shows.
 */
import type { Extent } from "../protocol.ts";
import { viridis } from "./colormap.ts";
import { Plot } from "./plot.ts";

const RANGE_NATS = 8;

export function drawHeatmap(p: Plot, heat: { extent: Extent; res: number; logp: Float64Array } | undefined, caption: string): void {
  p.clear("#222");
  if (heat) {
    const { res, logp } = heat;
    let max = -Infinity;
    for (const v of logp) if (Number.isFinite(v) && v > max) max = v;
    if (Number.isFinite(max)) {
      const img = p.ctx.createImageData(res, res);
      for (let k = 0; k < res * res; k++) {
        const v = logp[k]!;
        const [r, g, b] = viridis(Number.isFinite(v) ? 1 - (max - v) / RANGE_NATS : 0);
        img.data.set([r, g, b, 255], 4 * k);
      }
      // Draw the res × res image scaled to the heat's extent (the current plot extent may differ slightly).
      const tmp = document.createElement("canvas");
      tmp.width = res;
      tmp.height = res;
      tmp.getContext("2d")!.putImageData(img, 0, 0);
      const e = heat.extent;
      p.ctx.imageSmoothingEnabled = true;
      p.ctx.drawImage(tmp, p.px(e.x0), p.py(e.y1), p.px(e.x1) - p.px(e.x0), p.py(e.y0) - p.py(e.y1));
      caption += ` · max ${max.toFixed(2)} nats`;
    } else caption += " · not available for this model";
  }
  p.caption(caption);
}
