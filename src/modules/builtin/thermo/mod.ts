/**
 * Thermochemistry modules: calorimetry with uncertainty propagation, from two
 * temperatures or from a temperature–time curve.
 *
 * @module
 */
export {
  calorimetry,
  type CalorimetryInput,
  type CalorimetryOutput,
  type UncertaintyContribution,
} from "./_calorimetry.ts";
export {
  calorimetryCurve,
  type CalorimetryCurveInput,
  type CalorimetryCurveOutput,
} from "./_calorimetry_curve.ts";
