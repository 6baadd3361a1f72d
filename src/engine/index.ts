export * from "./jax.js";
export * from "./rng.js";
