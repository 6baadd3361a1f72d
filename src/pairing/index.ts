/**
 * Couplings between noise and data minibatches (t = 0 is noise, t = 1 is data), by the names the CLI uses:
 * "independent", "ot" (exact minibatch OT), "sinkhorn" (entropic OT, pairs drawn from the plan), "sb"
 * (Schrödinger bridge: entropic plan with ε = 2σ²; train with {@link bridgeSample} for x_t and u_t).
 */
import { OptionError } from "../errors.js";
import type { Coupling } from "./coupling.js";
import { independent } from "./independent.js";
import { exactOt } from "./exact-ot.js";
import { sinkhorn, type SinkhornOptions } from "./sinkhorn.js";
import { schrodingerBridge, type SchrodingerBridgeOptions } from "./schrodinger-bridge.js";

export * from "./coupling.js";
export * from "./assignment.js";
export * from "./independent.js";
export * from "./exact-ot.js";
export * from "./sinkhorn.js";
export * from "./schrodinger-bridge.js";

export const COUPLING_NAMES = ["independent", "ot", "sinkhorn", "sb"] as const;
export type CouplingName = (typeof COUPLING_NAMES)[number];

/** Options for {@link getCoupling}: Sinkhorn's for "sinkhorn", the bridge's for "sb"; ignored by the others. */
export type CouplingOptions = SinkhornOptions & SchrodingerBridgeOptions;

export function couplingNames(): string[] {
  return [...COUPLING_NAMES];
}

/** The coupling called `name`; throws OptionError naming the valid ones. */
export function getCoupling(name: string, options: CouplingOptions = {}): Coupling {
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
      throw new OptionError(`unknown coupling "${name}"; valid couplings: ${COUPLING_NAMES.join(", ")}`);
  }
}
