export * from "./jax.js";
export * from "./rng.js";
export * from "./activations.js";
export * from "./math.js";
export * from "./tree.js";
export * from "./optim.js";
