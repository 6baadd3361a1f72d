/** The velocity model: VelocityModel, its network call, conditioning inputs and host copies of parameter trees. */
export * from "./velocity-model.js";
export * from "./conditioning.js";
export { treeToHost, treeFromHost } from "./host.js";
export type { DensityModel, DensityOptions, ModelKind } from "./density-model.js";
