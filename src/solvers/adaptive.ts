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
 *
 * Failing fast (torchdiffeq's "underflow in dt"): a non-finite initial state or first slope throws a
 * `NumericalError` at once; a step whose state or error estimate is NaN/±Inf is rejected, and once the controller's
 * step falls below `MIN_STEP_FRACTION` of the interval (or a few ulps of t) it throws a `NumericalError` naming t,
 * the step and rtol/atol, instead of grinding on to maxSteps (a finite-time blow-up, NaN weights, inputs far outside
 * the model's range). Exceeding maxSteps stays an `OptionError` (raise it or loosen the tolerances).
 */
import { np, type Array } from "../engine/index.js";
import { NumericalError, OptionError } from "../errors.js";
import { formatNumber as sig } from "../format.js";
import { nonNegative, positiveInt, positiveNumber, timeGrid, timeSpan } from "./common.js";
import { isFsal, numberTime, rkStep, type RkStepResult } from "./runge-kutta.js";
import type { Tableau } from "./tableaux.js";
import type { OdeFunc, OdeOptions, OdeResult } from "./types.js";

export const DOPRI5_DEFAULTS = { rtol: 1e-5, atol: 1e-5, maxSteps: 10000 } as const;
const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;
/** The smallest step, as a fraction of |t1 − t0|, before the solve is declared collapsed. */
export const MIN_STEP_FRACTION = 1e-10;

/** Root mean square over all elements, read back as one number. Consumes `a`. */
function rms(a: Array): number {
  return Math.sqrt(np.mean(np.square(a)).item());
}

/** The largest |a| over all elements: NaN when any element is NaN, Infinity when one is infinite. Consumes `a`. */
function maxAbs(a: Array): number {
  return np.max(np.abs(a)).item();
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
  const h0 = probeStep(d0, d1, span);
  const f1 = f(t0 + dir * h0, x0.ref.add(f0.ref.mul(dir * h0)));
  const d2 = rms(f1.sub(f0.ref).div(scale)) / h0;
  return startingStep(h0, d1, d2, span, q);
}

/** The initial-step heuristic's probe step h0 from RMS(x0/scale) and RMS(f0/scale) (shared with onnx/dopri.ts). */
export function probeStep(d0: number, d1: number, span: number): number {
  return Math.min(d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1, span);
}

/** The starting step from the probe h0 and the RMS slope d1 and derivative estimate d2 (shared with onnx/dopri.ts). */
export function startingStep(h0: number, d1: number, d2: number, span: number, q: number): number {
  const dmax = Math.max(d1, d2);
  const h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / dmax, 1 / (q + 1));
  // A probe step that already overflowed says only "smaller": start from h0 and let the controller shrink it.
  return Number.isFinite(h1) ? Math.min(100 * h0, h1, span) : h0;
}

/**
 * The controller's verdict on a step of size hMag (the step tried, h the controller's step before clipping to an
 * output time) with error norm `norm`: accepted or not, and the next step. One function for both drivers
 * (adaptiveSolve here, the ONNX Runtime one in onnx/dopri.ts), so they take the same steps.
 */
export function controlStep(norm: number, hMag: number, h: number, clipped: boolean, lastRejected: boolean, exponent: number): { accept: boolean; h: number } {
  if (norm <= 1) {
    let factor = norm === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, SAFETY * Math.pow(norm, exponent)));
    if (lastRejected) factor = Math.min(1, factor);
    // A step shortened only to land on an output time says little about the natural step: keep the larger.
    return { accept: true, h: clipped ? Math.max(h, hMag * factor) : hMag * factor };
  }
  const factor = Number.isFinite(norm) ? Math.max(MIN_FACTOR, SAFETY * Math.pow(norm, exponent)) : MIN_FACTOR;
  return { accept: false, h: hMag * Math.min(1, factor) };
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
  let k1: Array | undefined;
  let accepted = 0;
  let rejected = 0;
  let lastRejected = false;
  let nonFinite = 0; // consecutive steps rejected for a NaN/Inf state or error estimate
  const span = Math.abs(tEnd - t0);
  const tols = `rtol/atol ${sig(rtol)}/${sig(atol)}`;

  const fail = (msg: string, Kind: typeof OptionError | typeof NumericalError = OptionError): never => {
    x.dispose();
    k1?.dispose();
    trajectory?.forEach((a) => a.dispose());
    throw new Kind(msg);
  };

  if (!Number.isFinite(maxAbs(x.ref))) fail(`odeint: ${name}: the initial state at t = ${sig(t0)} contains NaN or ±Inf`, NumericalError);
  k1 = f(t, x.ref);
  let nfe = 1;
  if (!Number.isFinite(maxAbs(k1.ref))) {
    fail(
      `odeint: ${name}: the vector field is NaN or ±Inf at t = ${sig(t0)} on a finite initial state (largest |x| ` +
        `${sig(maxAbs(x.ref))}): non-finite or huge weights, or inputs far outside the model's range`,
      NumericalError,
    );
  }
  let h = firstStep ?? initialStep(f, t0, x, k1, span, dir, rtol, atol, q);
  if (firstStep === undefined) nfe += 1;
  if (!(h > 0 && Number.isFinite(h))) h = 1e-3 * span; // float32 overflow in the heuristic's norms

  for (let j = 1; j < outs.length; j++) {
    const target = outs[j]!;
    while (dir * (target - t) > 0) {
      if (accepted + rejected >= maxSteps) {
        fail(
          `odeint: ${name} exceeded maxSteps = ${maxSteps} (${accepted} accepted, ${rejected} rejected) at t = ${sig(t, 8)} ` +
            `while integrating from ${sig(t0)} to ${sig(tEnd)}; raise maxSteps or loosen rtol/atol (now ${sig(rtol)}/${sig(atol)})`,
        );
      }
      const ulps = 10 * Number.EPSILON * Math.max(Math.abs(t), 1);
      if (accepted + rejected > 0 && !(h >= Math.max(MIN_STEP_FRACTION * span, ulps))) {
        fail(
          `odeint: ${name} step size collapsed to ${sig(h)} at t = ${sig(t, 8)} (integrating ${sig(t0)} → ${sig(tEnd)}, ` +
            `${accepted} steps accepted, ${rejected} rejected, ${tols})` +
            (nonFinite > 0
              ? `: the state or error estimate turns NaN/±Inf there — the solution blows up (huge weights or inputs far ` +
                `outside the model's range) or the vector field is non-finite`
              : `: the solution likely blows up near t (huge weights or inputs far outside the model's range), or the ` +
                `problem is stiff or rtol/atol too tight for the dtype`),
          NumericalError,
        );
      }
      // A gap to the next output time of a few ulps (rounding in t): land on it without a step.
      if (Math.abs(target - t) <= ulps) {
        t = target;
        break;
      }
      // Shorten the step that would reach or cross the next output time so it lands on it exactly.
      const clipped = h >= Math.abs(target - t);
      const tNew = clipped ? target : t + dir * h;
      const hs = tNew - t; // signed step actually taken
      if (k1 === undefined) {
        k1 = f(t, x.ref);
        nfe++;
      }
      const step: RkStepResult = rkStep<number>(tab, numberTime, f, t, hs, x, { k1, error: true, t1: tNew });
      nfe += step.nfe;
      const xNew = step.x;
      const scale = np.maximum(np.abs(x.ref), np.abs(xNew.ref)).mul(rtol).add(atol);
      // max|xNew|·0 is NaN exactly when xNew has a NaN/Inf (whose scale would otherwise hide it): one readback.
      const norm = Math.sqrt(np.mean(np.square(step.err!.div(scale))).add(np.max(np.abs(xNew.ref)).mul(0)).item());
      const kLast: Array | undefined = fsal ? step.ks[step.ks.length - 1]!.ref : undefined;
      step.ks.forEach((k) => k.dispose());
      const hMag = Math.abs(hs);
      nonFinite = Number.isFinite(norm) ? 0 : nonFinite + 1;
      const c = controlStep(norm, hMag, h, clipped, lastRejected, exponent);
      h = c.h;
      lastRejected = !c.accept;
      if (c.accept) {
        accepted++;
        x.dispose();
        k1.dispose();
        x = xNew;
        k1 = kLast;
        t = tNew;
        stepTimes.push(t);
      } else {
        rejected++;
        xNew.dispose();
        kLast?.dispose();
      }
    }
    trajectory?.push(x.ref);
  }
  k1?.dispose();
  return finish(x, nfe, accepted, rejected);
}
