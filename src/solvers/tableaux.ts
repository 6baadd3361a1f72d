/**
 * Butcher tableaux: every built-in method is one coefficient set here, run by the single stepper in
 * runge-kutta.ts (both the JS-number-time `odeint` and the array-time, differentiable `solveOnGrid`).
 *
 * A tableau with embedded weights `bHat` is adaptive: the difference of its two solutions estimates the local
 * error. When its last stage sits at c = 1 with a-row equal to b (first same as last, FSAL), that stage is the
 * next step's first one, and a fixed-step (or replayed) solve leaves it out since its weight in b is 0.
 */
import { OptionError } from "../errors.js";

export interface Tableau {
  name: string;
  /** Order of accuracy of the propagated solution x + h·Σ b_i k_i. */
  order: number;
  /** Stage times as fractions of the step. c[0] must be 0 (explicit methods). */
  c: number[];
  /** Lower-triangular stage coefficients a[i][j], j < i (a[0] = []). */
  a: number[][];
  /** Solution weights (may be shorter than c: missing trailing weights are 0). */
  b: number[];
  /** Embedded solution weights, for the error estimate of adaptive methods. */
  bHat?: number[];
  /** Order of the embedded solution (sets the step controller's exponent −1/(q+1)). Needed with bHat. */
  embeddedOrder?: number;
}

/** Dormand & Prince (1980) 5(4), the coefficients of torchdiffeq's dopri5 and SciPy's RK45. */
const DOPRI5_A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];

export const tableaux: Record<string, Tableau> = {
  euler: { name: "euler", order: 1, c: [0], a: [[]], b: [1] },
  midpoint: { name: "midpoint", order: 2, c: [0, 1 / 2], a: [[], [1 / 2]], b: [0, 1] },
  heun: { name: "heun", order: 2, c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2] },
  rk4: { name: "rk4", order: 4, c: [0, 1 / 2, 1 / 2, 1], a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6] },
  dopri5: {
    name: "dopri5",
    order: 5,
    c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1],
    a: DOPRI5_A,
    b: [...DOPRI5_A[6]!, 0],
    bHat: [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40],
    embeddedOrder: 4,
  },
};

const finite = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v);

/** Validates an explicit tableau's shape (OptionError naming the problem); returns it. */
export function checkTableau(tab: Tableau): Tableau {
  const bad = (why: string): never => {
    throw new OptionError(`Runge–Kutta tableau "${String(tab?.name)}": ${why}`);
  };
  if (typeof tab?.name !== "string" || tab.name.length === 0) bad("needs a non-empty name");
  if (!(Number.isInteger(tab.order) && tab.order >= 1)) bad("order must be a positive integer");
  const s = tab.c?.length ?? 0;
  if (s < 1 || !tab.c.every(finite)) bad("c must be a non-empty list of finite numbers");
  if (tab.c[0] !== 0) bad("c[0] must be 0 (explicit methods only)");
  if (tab.a?.length !== s) bad(`a must have ${s} rows, one per stage`);
  tab.a.forEach((row, i) => {
    if (!Array.isArray(row) || row.length > i || !row.every(finite)) bad(`a[${i}] must hold at most ${i} finite numbers`);
  });
  for (const [key, w] of [["b", tab.b], ["bHat", tab.bHat]] as const) {
    if (w === undefined && key === "bHat") continue;
    if (!Array.isArray(w) || w.length === 0 || w.length > s || !w.every(finite)) bad(`${key} must hold 1..${s} finite numbers`);
  }
  if (tab.bHat !== undefined && !(Number.isInteger(tab.embeddedOrder) && tab.embeddedOrder! >= 1)) {
    bad("an embedded pair (bHat) needs embeddedOrder, a positive integer");
  }
  return tab;
}
