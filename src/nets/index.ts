export { registerNet, getNet, netKinds, netWorkerSource, broadcastTime, type NetConfig, type VelocityNet, type NetFactory, type RegisterNetOptions } from "./registry.js";
export * from "./mlp.js";
export * from "./time-embedding.js";
