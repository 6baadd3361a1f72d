/** Flow matching building blocks for your own training loop: the conditional flow matcher. */
export * from "./matcher.js";
