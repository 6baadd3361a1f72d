/**
 * dopri5 on ONNX Runtime: one graph call per step and row block computes the 5th-order solution, the FSAL slope at
 * it and each row's sum of squared scaled errors; the step-size control stays in JS and is adaptive.ts's own
 * (`controlStep`, `probeStep`/`startingStep`), so both backends take the same steps up to float32 rounding.
 *
 * As in adaptiveSolve the error norm is RMS(err / (atol + rtol·max(|x|, |x_new|))) over the whole state of a solve
 * (all its rows and columns): a solve's rows may span several graph calls (row blocks of ROWS_PER_CALL, the last
 * one padded), and the per-row sums of its real rows are added on the host. The stage times t + c·h are computed in float64
 * on the host and fed rounded to float32, as the wasm solver's constants are; the FSAL stage uses t_new exactly.
 * Only a span t0 → t1 (no output grid): what `sample` and `logProb` ask of dopri5.
 * Node-only: loads the optional `onnxruntime-node`.
 */
import { np, treeAstype, treeDispose, treeRef, type Array, type Tree } from "../engine/index.js";
import { NumericalError, OptionError } from "../errors.js";
import { formatNumber as sig } from "../format.js";
import { nonNegative, positiveInt, positiveNumber } from "../solvers/common.js";
import { DOPRI5_DEFAULTS, MIN_STEP_FRACTION, controlStep, probeStep, startingStep } from "../solvers/adaptive.js";
import { isFsal, rkStep, type TimeOps } from "../solvers/runge-kutta.js";
import type { Tableau } from "../solvers/tableaux.js";
import { compileToOnnx, type GraphInput } from "./compile.js";
import type { OrtModule } from "./runtime.js";
import type { Session } from "./session-cache.js";

type Tensor = InstanceType<OrtModule["Tensor"]>;

/** A traced field ds/dt = g(p, s, t, extra…): s [B, W], t a scalar; `extra` are the graph's extra inputs (borrowed). */
export type TracedField = (p: Tree, s: Array, t: Array, extra: Array[]) => Array;

function withF32<T>(params: Tree, build: (p: Tree) => T): T {
  const p = treeAstype(treeRef(params), np.float32);
  try {
    return build(p);
  } finally {
    treeDispose(p);
  }
}

/** The field alone: inputs `s` [B, W], `t` [] and `extra`; output `k`. (The first slope and the initial-step probe.) */
export function fieldGraph(params: Tree, g: TracedField, B: number, W: number, extra: GraphInput[]): Uint8Array {
  return withF32(params, (p0) =>
    compileToOnnx((p, s, t, ...ex) => g(p, s!, t!, ex), {
      params: p0, inputs: [{ name: "s", shape: [B, W] }, { name: "t", shape: [] }, ...extra], outputs: ["k"], name: "field",
    }),
  );
}

/**
 * One step of the embedded pair `tab` (FSAL): inputs `s`, `k1` [B, W] (the slope at s), `ts` [stages] (the stage
 * times, the last one t_new), `h` [] (signed), `tol` [2] (rtol, atol) and `extra`; outputs `s_new`, `k_last` (the
 * slope at s_new) and `sq` [B], each row's Σ (err/scale)² plus max|s_new|·0 (NaN exactly when the row's new state
 * is not finite, as adaptiveSolve's norm is).
 */
export function embeddedStepGraph(params: Tree, g: TracedField, tab: Tableau, B: number, W: number, extra: GraphInput[]): Uint8Array {
  if (!isFsal(tab)) throw new OptionError(`the onnx backend's adaptive steps need a first-same-as-last pair (dopri5); got "${tab.name}"`);
  const S = tab.c.length;
  return withF32(params, (p0) =>
    compileToOnnx((p, s, k1, ts, h, tol, ...ex) => {
      // Stage time c·h after t: read from ts (host float64, rounded once) by the stage's position in c.
      const time: TimeOps<Array> = { at: (_t, _h, c) => ts!.ref.slice(tab.c.indexOf(c)), scale: (sum, hh) => sum.mul(hh.ref) };
      const t = ts!.ref.slice(0);
      const t1 = ts!.ref.slice(S - 1); // consumed by the FSAL stage
      const r = rkStep<Array>(tab, time, (tt, y) => g(p, y, tt, ex), t, h!, s!, { k1: k1!, error: true, t1 });
      const kLast = r.ks[r.ks.length - 1]!.ref;
      r.ks.forEach((k) => k.dispose());
      const rtol = tol!.ref.slice(0);
      const atol = tol!.ref.slice(1);
      const scale = np.maximum(np.abs(s!.ref), np.abs(r.x.ref)).mul(rtol).add(atol);
      const sq = np.square(r.err!.div(scale)).sum(1).add(np.max(np.abs(r.x.ref), 1).mul(0));
      [t, ts!, h!, tol!, s!, k1!].forEach((a) => a.dispose());
      return [r.x, kLast, sq];
    }, {
      params: p0,
      inputs: [
        { name: "s", shape: [B, W] }, { name: "k1", shape: [B, W] }, { name: "ts", shape: [S] }, { name: "h", shape: [] },
        { name: "tol", shape: [2] }, ...extra,
      ],
      outputs: ["s_new", "k_last", "sq"],
      name: `${tab.name}_step`,
    }),
  );
}

/**
 * A solve's rows in blocks of the compiled batch (ROWS_PER_CALL or fewer): the state of each block, its extra feeds
 * (probes, labels) and how many of its rows are real — the rest pad a short last block and are left out of every
 * norm (rows do not interact).
 */
export interface RowBlock {
  s: Tensor;
  rows: number;
  extra: Record<string, Tensor>;
}

export interface AdaptiveOnnxOptions {
  t0: number;
  t1: number;
  rtol?: number;
  atol?: number;
  maxSteps?: number;
  firstStep?: number;
}

const sumSq = (a: ArrayLike<number>, scale?: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (scale ? a[i]! / scale[i]! : a[i]!) ** 2;
  return s;
};
const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!)); // NaN propagates through Math.max
  return m;
};

/**
 * adaptiveSolve's loop over the row blocks `blocks` (their `s` replaced by the solution at t1), with `field` and
 * `step` the sessions of fieldGraph and embeddedStepGraph. Returns the NFE and step counts (as adaptiveSolve's).
 */
export async function adaptiveSolveOnnx(
  ort: OrtModule, tab: Tableau, field: Session, step: Session, blocks: RowBlock[], o: AdaptiveOnnxOptions,
): Promise<{ nfe: number; accepted: number; rejected: number }> {
  const name = tab.name;
  const q = Math.min(tab.order, tab.embeddedOrder!);
  const exponent = -1 / (q + 1);
  const rtol = nonNegative("rtol", o.rtol, DOPRI5_DEFAULTS.rtol);
  const atol = nonNegative("atol", o.atol, DOPRI5_DEFAULTS.atol);
  if (rtol === 0 && atol === 0) throw new OptionError(`odeint: ${name} needs rtol > 0 or atol > 0`);
  const maxSteps = positiveInt("maxSteps", o.maxSteps, DOPRI5_DEFAULTS.maxSteps);
  const firstStep = positiveNumber("firstStep", o.firstStep);
  const { t0, t1: tEnd } = o;
  const dir = Math.sign(tEnd - t0);
  if (dir === 0) return { nfe: 0, accepted: 0, rejected: 0 };
  const W = (blocks[0]?.s.dims[1] ?? 0) as number;
  const size = blocks.reduce((n, b) => n + b.rows * W, 0);
  const scalar = (v: number) => new ort.Tensor("float32", Float32Array.of(v), []);
  // One block at a time: each call already uses every core (intra-op threads).
  const evalField = async (t: number, s: Tensor[]) => {
    const out: Tensor[] = [];
    for (const [i, b] of blocks.entries()) out.push((await field.run({ s: s[i]!, t: scalar(t), ...b.extra })).k!);
    return out;
  };
  const all = (a: Tensor) => a.data as Float32Array;
  const data = (a: Tensor, i: number) => all(a).subarray(0, blocks[i]!.rows * W); // the real rows

  const x0 = blocks.map((b, i) => data(b.s, i));
  if (!Number.isFinite(Math.max(...x0.map(maxAbs)))) throw new NumericalError(`odeint: ${name}: the initial state at t = ${sig(t0)} contains NaN or ±Inf`);
  let k1 = await evalField(t0, blocks.map((b) => b.s));
  let nfe = 1;
  if (!Number.isFinite(Math.max(...k1.map((k, i) => maxAbs(data(k, i)))))) {
    throw new NumericalError(
      `odeint: ${name}: the vector field is NaN or ±Inf at t = ${sig(t0)} on a finite initial state (largest |x| ` +
        `${sig(Math.max(...x0.map(maxAbs)))}): non-finite or huge weights, or inputs far outside the model's range`,
    );
  }
  const span = Math.abs(tEnd - t0);
  let h: number;
  if (firstStep !== undefined) h = firstStep;
  else {
    // adaptive.ts's initialStep, its norms summed over the blocks on the host.
    const scales = x0.map((x) => x.map((v) => Math.fround(Math.fround(Math.abs(v) * rtol) + atol)));
    const rms = (parts: number[]) => Math.sqrt(parts.reduce((a, b) => a + b, 0) / size);
    const d0 = rms(x0.map((x, i) => sumSq(x, scales[i])));
    const d1 = rms(k1.map((k, i) => sumSq(data(k, i), scales[i])));
    const h0 = probeStep(d0, d1, span);
    const c = Math.fround(dir * h0);
    const probe = blocks.map((b, i) => {
      const k = all(k1[i]!);
      return new ort.Tensor("float32", all(b.s).map((v, j) => v + Math.fround(k[j]! * c)), b.s.dims as number[]);
    });
    const f1 = await evalField(t0 + dir * h0, probe);
    const d2 = rms(f1.map((f, i) => {
      const k = data(k1[i]!, i);
      return sumSq(data(f, i).map((v, j) => v - k[j]!), scales[i]);
    })) / h0;
    h = startingStep(h0, d1, d2, span, q);
    nfe += 1;
  }
  if (!(h > 0 && Number.isFinite(h))) h = 1e-3 * span;

  const S = tab.c.length;
  const tol = new ort.Tensor("float32", Float32Array.of(rtol, atol), [2]);
  let t = t0;
  let accepted = 0;
  let rejected = 0;
  let lastRejected = false;
  let nonFinite = 0;
  while (dir * (tEnd - t) > 0) {
    if (accepted + rejected >= maxSteps) {
      throw new OptionError(
        `odeint: ${name} exceeded maxSteps = ${maxSteps} (${accepted} accepted, ${rejected} rejected) at t = ${sig(t, 8)} ` +
          `while integrating from ${sig(t0)} to ${sig(tEnd)}; raise maxSteps or loosen rtol/atol (now ${sig(rtol)}/${sig(atol)})`,
      );
    }
    const ulps = 10 * Number.EPSILON * Math.max(Math.abs(t), 1);
    if (accepted + rejected > 0 && !(h >= Math.max(MIN_STEP_FRACTION * span, ulps))) {
      throw new NumericalError(
        `odeint: ${name} step size collapsed to ${sig(h)} at t = ${sig(t, 8)} (integrating ${sig(t0)} → ${sig(tEnd)}, ` +
          `${accepted} steps accepted, ${rejected} rejected, rtol/atol ${sig(rtol)}/${sig(atol)})` +
          (nonFinite > 0 ? ": the state or error estimate turns NaN/±Inf there — the solution blows up or the vector field is non-finite" : ": the solution likely blows up near t, or rtol/atol are too tight for the dtype"),
      );
    }
    if (Math.abs(tEnd - t) <= ulps) break;
    const clipped = h >= Math.abs(tEnd - t);
    const tNew = clipped ? tEnd : t + dir * h;
    const hs = tNew - t;
    const ts = new ort.Tensor("float32", Float32Array.from(tab.c, (c, i) => (i === S - 1 ? tNew : c === 0 ? t : t + c * hs)), [S]);
    const outs: Record<string, Tensor>[] = [];
    for (const [i, b] of blocks.entries()) outs.push(await step.run({ s: b.s, k1: k1[i]!, ts, h: scalar(hs), tol, ...b.extra }));
    nfe += S - 1;
    let total = 0;
    outs.forEach((r, i) => all(r.sq!).subarray(0, blocks[i]!.rows).forEach((v) => (total += v)));
    const norm = Math.sqrt(total / size);
    nonFinite = Number.isFinite(norm) ? 0 : nonFinite + 1;
    const c = controlStep(norm, Math.abs(hs), h, clipped, lastRejected, exponent);
    h = c.h;
    lastRejected = !c.accept;
    if (c.accept) {
      accepted++;
      blocks.forEach((b, i) => (b.s = outs[i]!.s_new!));
      k1 = outs.map((r) => r.k_last!);
      t = tNew;
    } else rejected++;
  }
  return { nfe, accepted, rejected };
}
