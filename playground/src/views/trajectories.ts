/**
 * Trajectories from noise (t = 0) to data (t = 1): each path as a faint polyline, and the points where they are at
 * time t (linear interpolation between the solver's output times), so a slider or the animation can move along.
 */
import { Plot } from "./plot.ts";

export interface Trajectories {
  states: Float64Array[];
  ts: number[];
}

/** The points at time t, row-major [m, 2]. */
export function statesAt(tr: Trajectories, t: number): Float64Array {
  const { states, ts } = tr;
  let k = 0;
  while (k < ts.length - 2 && ts[k + 1]! < t) k++;
  const a = states[k]!, b = states[Math.min(k + 1, states.length - 1)]!;
  const span = ts[Math.min(k + 1, ts.length - 1)]! - ts[k]!;
  const f = span > 0 ? Math.min(1, Math.max(0, (t - ts[k]!) / span)) : 0;
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + f * (b[i]! - a[i]!);
  return out;
}

export function drawTrajectories(p: Plot, tr: Trajectories | undefined, t: number, caption: string): void {
  p.clear();
  p.frame();
  if (tr && tr.states.length > 1) {
    const c = p.ctx;
    const m = tr.states[0]!.length / 2;
    c.strokeStyle = "rgba(31,119,180,0.25)";
    c.lineWidth = 1;
    c.beginPath();
    for (let i = 0; i < m; i++) {
      for (let k = 0; k < tr.states.length; k++) {
        const s = tr.states[k]!;
        const x = p.px(s[2 * i]!), y = p.py(s[2 * i + 1]!);
        if (k === 0) c.moveTo(x, y);
        else c.lineTo(x, y);
      }
    }
    c.stroke();
    p.points(tr.states[0]!, "rgba(127,127,127,0.8)", 2);
    p.points(statesAt(tr, t), "rgba(214,39,40,0.9)", 3);
  } else caption += " · flow matching only";
  p.caption(caption);
}
