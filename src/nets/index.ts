export { registerNet, getNet, netKinds, netWorkerSource, broadcastTime, type NetConfig, type VelocityNet, type NetFactory, type RegisterNetOptions } from "./registry.js";
export * from "./mlp.js";
export * from "./time-embedding.js";
export { defaultUnetConfig, initUnet, unetApply, unetNet, checkUnetConfig, unetForwardFlops, type UnetConfig, type UnetParams } from "./unet.js";
