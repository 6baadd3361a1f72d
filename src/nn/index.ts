export * from "./mlp.js";
export * from "./time-embedding.js";
