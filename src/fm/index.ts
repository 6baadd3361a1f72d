/**
 * Flow matching and CNFs: the velocity model (any registered network, guidance), conditioning inputs, the
 * conditional flow matcher (for your own training loop), the training objectives (flow matching, CNF maximum
 * likelihood), sampling, evaluation and reflow. The root entry re-exports the main ones; this namespace (`fm`)
 * holds them all.
 */
export * from "./velocity-model.js";
export * from "./conditioning.js";
export { makeObjective, type Objective } from "./objectives.js";
export * from "./matcher.js";
export * from "./sample.js";
export * from "../metrics/evaluate.js";
export * from "./reflow.js";
