/**
 * Chemical kinetics modules: integrated rate laws (reaction order, rate
 * constant, half-life) and Arrhenius analysis (activation energy).
 *
 * @module
 */
export {
  integratedRateLaw,
  type IntegratedRateLawInput,
  type IntegratedRateLawOutput,
  type OrderFit,
  type ReactionOrder,
} from "./_integrated_rate_law.ts";
export {
  arrhenius,
  type ArrheniusInput,
  type ArrheniusOutput,
  GAS_CONSTANT_J_PER_MOL_K,
} from "./_arrhenius.ts";
