/**
 * Mass-spectrometry modules: isotope patterns of molecular formulas and
 * neutral losses in fragment spectra.
 *
 * @example
 * ```ts
 * import { isotopePattern } from "./mod.ts";
 * import assert from "node:assert";
 * const input = isotopePattern.input.parse({ formula: "C8H10N4O2" });
 * const output = await isotopePattern.run(input, { progress() {} });
 * assert.ok(Math.abs(output.monoisotopicMass - 194.0804) < 1e-4);
 * ```
 *
 * @module
 */
export {
  isotopePattern,
  type IsotopePatternInput,
  type IsotopePatternOutput,
  type IsotopePeak,
} from "./_isotope_pattern.ts";
export {
  type LossAssignment,
  type LossPeak,
  neutralLosses,
  type NeutralLossesInput,
  type NeutralLossesOutput,
  type SpectrumPeak,
} from "./_neutral_losses.ts";
