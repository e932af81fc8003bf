/**
 * Thermochemistry modules: calorimetry with uncertainty propagation.
 *
 * @module
 */
export {
  calorimetry,
  type CalorimetryInput,
  type CalorimetryOutput,
  type UncertaintyContribution,
} from "./_calorimetry.ts";
