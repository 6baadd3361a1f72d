/** Host-side persistence: safetensors bytes, checkpoints as bytes, dotted-name <-> tree conversion (directories: flowmatch/node). */
export {
  type Dtype,
  type HostTensor,
  MAX_HEADER_SIZE,
  decodeSafetensors,
  dtypeSize,
  encodeSafetensors,
  isDtype,
  numel,
} from "./safetensors.js";
export {
  CONFIG_FILE,
  WEIGHTS_FILE,
  type CheckpointFiles,
  type CheckpointBytes,
  type CheckpointSource,
  encodeCheckpoint,
  decodeCheckpoint,
} from "./checkpoint.js";
export { flattenNamed, isHostTensorLike, unflattenNamed } from "./tree.js";
