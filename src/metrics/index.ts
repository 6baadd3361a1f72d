/** Metrics: density metrics (NLL, KL against a known density) and sample metrics (MMD, energy, sliced and exact W2). */
export { nll } from "./nll.js";
export { klFromLogDensities } from "./kl.js";
export { meanStderr, type MeanStderr } from "./stats.js";
export { mmd, medianBandwidths, MEDIAN_BANDWIDTH_FACTORS, MEDIAN_MAX_POINTS, type MmdOptions } from "./mmd.js";
export { energyDistance } from "./energy.js";
export { slicedWasserstein2, unitDirections, w2sq1dSorted, type SlicedOptions } from "./sliced.js";
export { wasserstein2, W2_MAX_POINTS } from "./wasserstein.js";
export { pairwiseSqDist, pointCount, sqDist } from "./distance.js";
export { evaluate, evaluable, flowEvaluable, type Evaluable, type EvalData, type EvalOptions, type EvalReport } from "./evaluate.js";
export { testReport, type TestReport } from "./report.js";
