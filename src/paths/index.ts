export * from "./scheduler.js";
export * from "./condot.js";
export * from "./affine.js";
