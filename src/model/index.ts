/** The velocity model: VelocityModel, its network call, conditioning inputs and host copies of parameter trees. */
export * from "../fm/velocity-model.js";
export * from "../fm/conditioning.js";
export { treeToHost, treeFromHost } from "../io/tree-host.js";
export type { DensityModel, DensityOptions, ModelKind } from "./density-model.js";
