export { registerNet, getNet, netKinds, netWorkerSource, broadcastTime, type NetConfig, type VelocityNet, type NetFactory, type RegisterNetOptions } from "./registry.js";
export * from "./mlp.js";
export * from "./time-embedding.js";
export { onnxNet, type OnnxNetConfig, type OnnxParams } from "../onnx/import/net.js";
export { importOnnx, type ImportOnnxOptions } from "../onnx/import/model.js";
export { defaultUnetConfig, initUnet, unetApply, unetNet, checkUnetConfig, unetForwardFlops, type UnetConfig, type UnetParams } from "./unet.js";
