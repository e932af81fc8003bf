/**
 * Chromatography modules: peak figures of merit (retention factor, plates,
 * resolution, selectivity) and van Deemter analysis of column efficiency.
 *
 * @module
 */
export {
  type PairResult,
  type PeakInput,
  peakMetrics,
  type PeakMetricsInput,
  type PeakMetricsOutput,
  type PeakResult,
} from "./_peak_metrics.ts";
export {
  vanDeemter,
  type VanDeemterInput,
  type VanDeemterOutput,
  type VanDeemterStandardErrors,
} from "./_van_deemter.ts";
