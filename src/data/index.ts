/** Data: 2-D toy distributions (samplers, exact log densities where they exist), CSV parsing, standardization. */
export type { ToyDistribution } from "./toy.js";
export { eightGaussians, type EightGaussians } from "./eight_gaussians.js";
export { checkerboard, inCheckerboard } from "./checkerboard.js";
export { gaussian } from "./gaussian.js";
export { moons, circles, swissroll, twoSpirals, pinwheel, rings } from "./shapes.js";
export { toyNames, getToy, isToyName } from "./registry.js";
export { parseCsv, toCsv, type CsvOptions, type CsvTable } from "./csv.js";
export {
  fitStandardizer,
  standardize,
  unstandardize,
  standardizerLogDet,
  parseStandardizer,
  CONSTANT_COLUMN_RTOL,
  standardizerFor,
  STANDARDIZE_MODES,
  type StandardizeMode,
  type Standardizer,
} from "./normalize.js";
export { qualitySetNames, getQualitySet, affineSet, type QualitySet } from "./quality/suite.js";
export { openImageData, imageTable, type ImageSet, type ImageDataOptions } from "./image.js";
export { parseIdx, writeIdx, type IdxArray } from "./idx.js";
