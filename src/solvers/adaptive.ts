/**
 * The adaptive driver for embedded Runge–Kutta pairs (dopri5, or any registered tableau with `bHat`): a standard
 * step-size controller (safety 0.9, factor bounds [0.2, 10], exponent −1/(q+1) for the embedded order q).
 *
 * The error norm is RMS(err / (atol + rtol·max(|x_old|, |x_new|))) over all elements of the state (the whole
 * batch), reduced with jax ops and read back as one scalar per step; that readback is why adaptive solves, unlike
 * the fixed-step ones, cannot run under grad/jit tracing. Output points (`times`, or the uniform trajectory grid)
 * are hit exactly by shortening the step that would cross them, so no dense output is needed.
 *
 * NFE identity for an FSAL pair with s stages (dopri5: s = 7): 1 (the first slope) + 1 (the initial-step
 * heuristic, only when `firstStep` is not given) + (s − 1) × (accepted + rejected). Without FSAL each accepted
 * step adds one more evaluation (the next step's first slope).
 */
import { np, type Array } from "../engine/index.js";
import { OptionError } from "../errors.js";
import { nonNegative, positiveInt, positiveNumber, timeGrid, timeSpan } from "./common.js";
import { isFsal, numberTime, rkStep, type RkStepResult } from "./runge-kutta.js";
import type { Tableau } from "./tableaux.js";
import type { OdeFunc, OdeOptions, OdeResult } from "./types.js";

export const DOPRI5_DEFAULTS = { rtol: 1e-5, atol: 1e-5, maxSteps: 10000 } as const;
const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;

/** Root mean square over all elements, read back as one number. Consumes `a`. */
function rms(a: Array): number {
  return Math.sqrt(np.mean(np.square(a)).item());
}

/**
 * Hairer, Nørsett & Wanner (Solving ODEs I, II.4) starting step: from the sizes of x0, f0 and a finite-difference
 * estimate of f's derivative. Costs one evaluation. Returns a magnitude. Consumes nothing.
 */
function initialStep(
  f: OdeFunc, t0: number, x0: Array, f0: Array, span: number, dir: number, rtol: number, atol: number, q: number,
): number {
  const scale = np.abs(x0.ref).mul(rtol).add(atol);
  const d0 = rms(x0.ref.div(scale.ref));
  const d1 = rms(f0.ref.div(scale.ref));
  let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  h0 = Math.min(h0, span);
  const f1 = f(t0 + dir * h0, x0.ref.add(f0.ref.mul(dir * h0)));
  const d2 = rms(f1.sub(f0.ref).div(scale)) / h0;
  const dmax = Math.max(d1, d2);
  const h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / dmax, 1 / (q + 1));
  return Math.min(100 * h0, h1, span);
}

/** Integrates with the embedded pair `tab` under step-size control. Consumes x0 (also when it throws). */
export function adaptiveSolve(tab: Tableau, f: OdeFunc, x0: Array, opts: OdeOptions): OdeResult {
  const name = tab.name;
  const q = Math.min(tab.order, tab.embeddedOrder!);
  const exponent = -1 / (q + 1);
  const fsal = isFsal(tab);
  let outs: number[], rtol: number, atol: number, maxSteps: number, firstStep: number | undefined;
  try {
    const { t0, t1 } = timeSpan(opts);
    outs = opts.times !== undefined || opts.trajectory ? timeGrid(opts) : [t0, t1];
    rtol = nonNegative("rtol", opts.rtol, DOPRI5_DEFAULTS.rtol);
    atol = nonNegative("atol", opts.atol, DOPRI5_DEFAULTS.atol);
    if (rtol === 0 && atol === 0) throw new OptionError(`odeint: ${name} needs rtol > 0 or atol > 0`);
    maxSteps = positiveInt("maxSteps", opts.maxSteps, DOPRI5_DEFAULTS.maxSteps);
    firstStep = positiveNumber("firstStep", opts.firstStep);
  } catch (e) {
    x0.dispose();
    throw e;
  }
  const t0 = outs[0]!;
  const tEnd = outs[outs.length - 1]!;
  const dir = Math.sign(tEnd - t0);
  const trajectory = opts.trajectory ? [x0.ref] : undefined;
  const stepTimes = [t0];
  const finish = (x: Array, nfe: number, accepted: number, rejected: number): OdeResult => {
    const result: OdeResult = { x, nfe, stats: { accepted, rejected }, stepTimes };
    if (trajectory) {
      result.ts = outs;
      result.trajectory = trajectory;
    }
    return result;
  };
  if (dir === 0) {
    // t0 === t1 (a uniform trajectory grid of one repeated time): nothing to integrate.
    for (let j = 1; j < outs.length; j++) trajectory?.push(x0.ref);
    return finish(x0, 0, 0, 0);
  }

  let x = x0;
  let t = t0;
  let k1: Array | undefined = f(t, x.ref);
  let nfe = 1;
  let h = firstStep ?? initialStep(f, t0, x, k1, Math.abs(tEnd - t0), dir, rtol, atol, q);
  if (firstStep === undefined) nfe += 1;
  let accepted = 0;
  let rejected = 0;
  let lastRejected = false;

  const fail = (msg: string): never => {
    x.dispose();
    k1?.dispose();
    trajectory?.forEach((a) => a.dispose());
    throw new OptionError(msg);
  };

  for (let j = 1; j < outs.length; j++) {
    const target = outs[j]!;
    while (dir * (target - t) > 0) {
      if (accepted + rejected >= maxSteps) {
        fail(
          `odeint: ${name} exceeded maxSteps = ${maxSteps} (${accepted} accepted, ${rejected} rejected) at t = ${t} ` +
            `while integrating from ${t0} to ${tEnd}; raise maxSteps or loosen rtol/atol (now ${rtol}/${atol})`,
        );
      }
      // Shorten the step that would reach or cross the next output time so it lands on it exactly.
      const clipped = h >= Math.abs(target - t);
      const tNew = clipped ? target : t + dir * h;
      const hs = tNew - t; // signed step actually taken
      if (Math.abs(hs) <= 10 * Number.EPSILON * Math.max(Math.abs(t), 1)) {
        fail(
          `odeint: ${name} step size underflow (|h| = ${Math.abs(hs)}) at t = ${t}; the problem may be stiff or ` +
            `non-finite there, or rtol/atol (${rtol}/${atol}) too tight`,
        );
      }
      if (k1 === undefined) {
        k1 = f(t, x.ref);
        nfe++;
      }
      const step: RkStepResult = rkStep<number>(tab, numberTime, f, t, hs, x, { k1, error: true, t1: tNew });
      nfe += step.nfe;
      const xNew = step.x;
      const scale = np.maximum(np.abs(x.ref), np.abs(xNew.ref)).mul(rtol).add(atol);
      const norm = rms(step.err!.div(scale));
      const kLast: Array | undefined = fsal ? step.ks[step.ks.length - 1]!.ref : undefined;
      step.ks.forEach((k) => k.dispose());
      const hMag = Math.abs(hs);
      if (norm <= 1) {
        accepted++;
        x.dispose();
        k1.dispose();
        x = xNew;
        k1 = kLast;
        t = tNew;
        stepTimes.push(t);
        let factor = norm === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, SAFETY * Math.pow(norm, exponent)));
        if (lastRejected) factor = Math.min(1, factor);
        // A step shortened only to land on an output time says little about the natural step: keep the larger.
        h = clipped ? Math.max(h, hMag * factor) : hMag * factor;
        lastRejected = false;
      } else {
        rejected++;
        xNew.dispose();
        kLast?.dispose();
        const factor = Number.isFinite(norm) ? Math.max(MIN_FACTOR, SAFETY * Math.pow(norm, exponent)) : MIN_FACTOR;
        h = hMag * Math.min(1, factor);
        lastRejected = true;
      }
    }
    trajectory?.push(x.ref);
  }
  k1?.dispose();
  return finish(x, nfe, accepted, rejected);
}
