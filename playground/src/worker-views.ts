/**
 * What the views show, computed in the worker from the current weights: samples (and, for flow matching, their
 * trajectories from noise to data with the solver's NFE), the exact log-density on a grid (`logProb`: the CNF's
 * instantaneous change of variables, or the discrete flow's change of variables), and the velocity field at time t.
 * All in data units. Every function borrows the model and frees what it makes.
 */
import * as F from "flowmatch";
import type { Extent, ViewRequest } from "./protocol.ts";

/** Trajectories shown: the first this many samples (drawing thousands of paths only hides the picture). */
const TRAJECTORIES = 200;

/** Cell centres of a res × res grid over `e`, row-major [res², 2], rows from the top (y1) down. */
export function gridPoints(e: Extent, res: number): Float64Array {
  const out = new Float64Array(res * res * 2);
  for (let j = 0; j < res; j++) {
    for (let i = 0; i < res; i++) {
      const k = 2 * (j * res + i);
      out[k] = e.x0 + ((i + 0.5) / res) * (e.x1 - e.x0);
      out[k + 1] = e.y1 - ((j + 0.5) / res) * (e.y1 - e.y0);
    }
  }
  return out;
}

/** The condition and guidance for a flow-matching sample: a label value (or none) and w. */
function condOptions(model: F.VelocityModel, label: number, guidance: number): Pick<F.SampleOptions, "label" | "guidance"> {
  const c = model.config.cond;
  if (!c || c.kind !== "class" || label < 0 || label >= c.classes.length) return {};
  return { label: c.classes[label]!, guidance };
}

export interface Views {
  samples: Float64Array;
  nfe: number;
  trajectory?: Float64Array[];
  ts?: number[];
  heat?: { extent: Extent; res: number; logp: Float64Array };
}

export function computeViews(model: F.VelocityModel | F.Flow, req: ViewRequest): Views {
  let out: Views;
  if (model instanceof F.Flow) {
    out = { samples: model.sample(req.n, { seed: 1 }), nfe: 0 };
  } else {
    const r = F.sample(model, req.n, { method: req.method, steps: req.steps, seed: 1, trajectory: true, rtol: 1e-4, atol: 1e-4, ...condOptions(model, req.label, req.guidance) });
    const m = Math.min(TRAJECTORIES, req.n);
    out = { samples: r.samples, nfe: r.nfe, trajectory: r.trajectory?.map((x) => x.slice(0, 2 * m)), ts: r.ts };
  }
  if (req.heat) out.heat = { ...req.heat, logp: heatmap(model, req.heat.extent, req.heat.res, req) };
  return out;
}

/** log p on the grid (nats, data units); a conditional flow-matching model has no unconditional likelihood: NaN. */
function heatmap(model: F.VelocityModel | F.Flow, e: Extent, res: number, req: ViewRequest): Float64Array {
  const pts = gridPoints(e, res);
  if (model instanceof F.Flow) return model.logProb(pts);
  if (model.config.cond) return new Float64Array(res * res).fill(NaN);
  return F.logProb(model, pts, { method: req.method, steps: req.steps, rtol: 1e-4, atol: 1e-4 }).logp;
}

/** The velocity field at time t on a res × res grid, data units: [res², 2] points and [res², 2] velocities. */
export function velocityField(model: F.VelocityModel, t: number, e: Extent, res: number, label: number, guidance: number): { points: Float64Array; v: Float64Array } {
  const points = gridPoints(e, res);
  const n = res * res;
  const st = model.config.standardizer;
  const xm = st ? F.data.standardize(points, st) : points;
  const dtype = model.dtype;
  const x = F.fromHost(xm, [n, 2], dtype);
  const tt = F.fromHost(new Float64Array(n).fill(t), [n], dtype);
  const c = model.config.cond;
  let cond: { cond: F.Array; nullCond?: F.Array; guidance?: number } | undefined;
  if (c) {
    const labels = new Int32Array(n).fill(label >= 0 && label < (c.kind === "class" ? c.classes.length : 0) ? label : -1);
    cond = { cond: F.fm.conditionInput(c, n, { labels }, dtype) };
    if (guidance !== 0 && labels[0]! >= 0) Object.assign(cond, { nullCond: F.fm.conditionInput(c, n, null, dtype), guidance });
  }
  const vArr = model.velocity(x, tt, cond);
  x.dispose();
  tt.dispose();
  cond?.cond.dispose();
  cond?.nullCond?.dispose();
  const v = F.toHostF64(vArr); // consumes vArr
  if (st) for (let i = 0; i < n; i++) for (let d = 0; d < 2; d++) v[2 * i + d] = v[2 * i + d]! * st.std[d]!;
  return { points, v };
}
