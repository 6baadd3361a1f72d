/** Host-side persistence: safetensors bytes, checkpoint directories, dotted-name <-> tree conversion. */
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
  checkpointExists,
  loadCheckpoint,
  saveCheckpoint,
  writeFileAtomic,
} from "./checkpoint.js";
export { flattenNamed, isHostTensorLike, unflattenNamed } from "./tree.js";
