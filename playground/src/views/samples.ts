/** Samples over the data: the training points in grey, the model's samples in colour. */
import { Plot } from "./plot.ts";

export function drawSamples(p: Plot, data: Float64Array, samples: Float64Array | undefined, caption: string): void {
  p.clear();
  p.frame();
  p.points(data, "rgba(120,120,120,0.35)", 2);
  if (samples) p.points(samples, "rgba(214,39,40,0.7)", 2);
  p.caption(caption);
}
