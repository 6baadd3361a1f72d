/** Divergences, exact log-likelihoods of CNFs / flow-matching models, and bits/dim. */
export * from "./divergence.js";
export * from "./dynamics.js";
export * from "./logprob.js";
export * from "./units.js";
