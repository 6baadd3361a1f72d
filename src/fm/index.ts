/**
 * Flow matching: the conditional flow matcher (for your own training loop), sampling, evaluation and reflow.
 * The root entry re-exports the main ones; this namespace (`fm`) holds them all.
 */
export * from "./matcher.js";
export * from "../sample.js";
export * from "../evaluate.js";
export * from "../reflow.js";
