/**
 * Pairings of noise and data minibatches (t = 0 is noise, t = 1 is data), by the names the CLI uses
 * (`--coupling NAME`): "independent", "ot" (exact minibatch OT), "sinkhorn" (entropic OT, pairs drawn from the
 * plan), "sb" (Schrödinger bridge: entropic plan with ε = 2σ²; train with {@link bridgeSample} for x_t and u_t).
 *
 * @example
 * const { x0: p0, x1: p1, cols } = getPairing("ot").pair(x0, x1, dim, rng); // labels[cols[i]] go with p1 row i
 */
import { OptionError } from "../errors.js";
import type { Pairing } from "./pairing.js";
import { independent } from "./independent.js";
import { exactOt } from "./exact-ot.js";
import { sinkhorn, type SinkhornOptions } from "./sinkhorn.js";
import { schrodingerBridge, type SchrodingerBridgeOptions } from "./schrodinger-bridge.js";

export * from "./pairing.js";
export * from "./assignment.js";
export * from "./independent.js";
export * from "./exact-ot.js";
export * from "./sinkhorn.js";
export * from "./schrodinger-bridge.js";

export const PAIRING_NAMES = ["independent", "ot", "sinkhorn", "sb"] as const;
export type PairingName = (typeof PAIRING_NAMES)[number];

/** Options for {@link getPairing}: Sinkhorn's for "sinkhorn", the bridge's for "sb"; ignored by the others. */
export type PairingOptions = SinkhornOptions & SchrodingerBridgeOptions;

export function pairingNames(): string[] {
  return [...PAIRING_NAMES];
}

/**
 * The pairing called `name`; throws OptionError naming the valid ones.
 *
 * @example
 * ```ts
 * const { x0: a, x1: b } = getPairing("ot").pair(x0, x1, 2, new Rng(0)); // Float64Array rows [n · 2], paired by exact OT
 * ```
 */
export function getPairing(name: string, options: PairingOptions = {}): Pairing {
  switch (name) {
    case "independent":
      return independent;
    case "ot":
      return exactOt;
    case "sinkhorn":
      return sinkhorn({ reg: options.reg, iterations: options.iterations, tol: options.tol });
    case "sb":
      return schrodingerBridge({ sigma: options.sigma, otMethod: options.otMethod, iterations: options.iterations, tol: options.tol });
    default:
      throw new OptionError(`unknown pairing "${name}"; valid pairings: ${PAIRING_NAMES.join(", ")}`);
  }
}
