/**
 * Explicit Runge–Kutta methods as Butcher tableaux, stepped on a time grid held in an *array*. The registry's
 * solvers take times as JS numbers (constants under jit); here the grid is an input, so one compiled function
 * serves every grid of the same length — what a differentiable solve needs when an adaptive pass chooses the grid
 * anew for every batch (maximum-likelihood CNF training). On the grid of dopri5's accepted steps, the "dopri5"
 * tableau reproduces dopri5's solution (its 5th-order propagation), now under grad.
 */
import { OptionError } from "../errors.js";
import { mulScalar, type Array } from "../engine/index.js";

export interface Tableau {
  name: string;
  order: number;
  c: number[];
  /** Lower-triangular stage coefficients a[i][j], j < i. */
  a: number[][];
  b: number[];
}

export const tableaux: Record<string, Tableau> = {
  euler: { name: "euler", order: 1, c: [0], a: [[]], b: [1] },
  midpoint: { name: "midpoint", order: 2, c: [0, 1 / 2], a: [[], [1 / 2]], b: [0, 1] },
  heun: { name: "heun", order: 2, c: [0, 1], a: [[], [1]], b: [1 / 2, 1 / 2] },
  rk4: { name: "rk4", order: 4, c: [0, 1 / 2, 1 / 2, 1], a: [[], [1 / 2], [0, 1 / 2], [0, 0, 1]], b: [1 / 6, 1 / 3, 1 / 3, 1 / 6] },
  // Dormand–Prince 5th-order propagation (stage 7 only serves the error estimate, so it is left out).
  dopri5: {
    name: "dopri5",
    order: 5,
    c: [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1],
    a: [
      [],
      [1 / 5],
      [3 / 40, 9 / 40],
      [44 / 45, -56 / 15, 32 / 9],
      [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
      [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    ],
    b: [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
  },
};

export function getTableau(name: string): Tableau {
  const t = Object.prototype.hasOwnProperty.call(tableaux, name) ? tableaux[name] : undefined;
  if (!t) throw new OptionError(`unknown Runge–Kutta method "${name}"; valid: ${Object.keys(tableaux).join(", ")}`);
  return t;
}

/** A field with array time: g(t, x) consumes t (a scalar array) and x. */
export type ArrayTimeFunc = (t: Array, x: Array) => Array;

/** Σ coef_j k_j over nonzero coefficients (borrows the k_j); undefined when all are zero. */
function combine(ks: Array[], coef: number[]): Array | undefined {
  let acc: Array | undefined;
  coef.forEach((c, j) => {
    if (c === 0) return;
    const term = mulScalar(ks[j]!.ref, c);
    acc = acc ? acc.add(term) : term;
  });
  return acc;
}

/** One step x(t) → x(t + h); t and h are scalar arrays (consumed), x is consumed. */
export function rkStepArrayTime(tab: Tableau, f: ArrayTimeFunc, t: Array, h: Array, x: Array): Array {
  const ks: Array[] = [];
  for (let i = 0; i < tab.c.length; i++) {
    const inc = combine(ks, tab.a[i]!);
    const xi = inc ? x.ref.add(inc.mul(h.ref)) : x.ref;
    const ti = tab.c[i] === 0 ? t.ref : t.ref.add(mulScalar(h.ref, tab.c[i]!));
    ks.push(f(ti, xi));
  }
  const sum = combine(ks, tab.b)!;
  ks.forEach((k) => k.dispose());
  t.dispose();
  return x.add(sum.mul(h));
}

/**
 * Integrates over the grid `times` ([S + 1] array, consumed; ascending or descending), stepping exactly on it.
 * Consumes x0. Evaluations: S × (number of stages).
 */
export function solveOnGrid(tab: Tableau, f: ArrayTimeFunc, x0: Array, times: Array): Array {
  const S = times.shape[0]! - 1;
  let x = x0;
  for (let i = 0; i < S; i++) {
    const t = times.ref.slice(i);
    const h = times.ref.slice(i + 1).sub(times.ref.slice(i));
    x = rkStepArrayTime(tab, f, t, h, x);
  }
  times.dispose();
  return x;
}
