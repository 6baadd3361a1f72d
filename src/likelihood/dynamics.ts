/**
 * The augmented ODE of a CNF: the state is [x, a, (k, j)] with columns
 *   x (D): dx/dt = v(x, t)
 *   a (1): da/dt = sign · div v(x, t)      (the log-density change; sign chosen by the caller)
 *   k, j : dk/dt = ‖v‖²/D, dj/dt = ‖∂v/∂x‖²_F/D  (RNODE kinetic-energy and Jacobian-Frobenius regularizers; optional)
 * as one [B, D + 1 (+2)] array, so every solver in the registry integrates it unchanged (the adaptive error norm
 * then also controls the log-density column, as in torchdiffeq/FFJORD). t = 0 is noise, t = 1 is data.
 * Traceable: used under jit for evaluation and under grad for maximum-likelihood training.
 */
import { np, type Array } from "../engine/index.js";
import { exactDivergence, hutchinsonDivergence, type Field } from "./divergence.js";

export type DivergenceKind = "exact" | "hutchinson";

export interface AugmentOptions {
  /** +1: da/dt = div v (density evaluation, integrating 1 → 0); −1: da/dt = −div v (sampling, 0 → 1). */
  sign: 1 | -1;
  divergence: DivergenceKind;
  /** Hutchinson probes [K, B, D]; borrowed (not consumed) — the same probes serve every evaluation of a solve. */
  probes?: Array;
  /** Append the kinetic-energy and Jacobian-Frobenius columns. */
  regularize?: boolean;
}

/** Width of the augmented state for data dimension D. */
export const augmentedWidth = (D: number, regularize = false) => D + 1 + (regularize ? 2 : 0);

/** The augmented right-hand side g(s, t): consumes s [B, W] and t; returns ds/dt [B, W]. */
export function augmentedDynamics(field: Field, D: number, o: AugmentOptions): (s: Array, t: Array) => Array {
  return (s, t) => {
    const B = s.shape[0]!;
    const x = s.slice([], [0, D]);
    const frobenius = !!o.regularize;
    let r;
    if (o.divergence === "exact") r = exactDivergence(field, x, t, { frobenius });
    else {
      if (!o.probes) throw new Error("augmentedDynamics: Hutchinson divergence needs probes");
      r = hutchinsonDivergence(field, x, t, o.probes.ref, { frobenius });
    }
    const div = o.sign > 0 ? r.div : r.div.neg();
    const cols = [r.v.ref, div.reshape([B, 1])];
    if (frobenius) {
      cols.push(np.square(r.v).sum(1).reshape([B, 1]).div(D), r.frob!.reshape([B, 1]).div(D));
    } else r.v.dispose();
    return np.concatenate(cols, 1);
  };
}
