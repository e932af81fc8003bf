import type { LabModule } from "../contract.ts";
import { beerLambert } from "./spectroscopy/mod.ts";
import { calorimetry, calorimetryCurve } from "./thermo/mod.ts";
import { isotopePattern, neutralLosses } from "./ms/mod.ts";
import { arrhenius, integratedRateLaw } from "./kinetics/mod.ts";
import { peakMetrics, vanDeemter } from "./chromatography/mod.ts";

/**
 * Every built-in module: the one list of them. Each is enabled unless a lab's
 * `labos.jsonc` leaves it out (`modules.disabled`) or names the ones to use
 * (`modules.enabled`); the registry defaults list none of them.
 */
export const BUILTIN_MODULES: readonly LabModule[] = [
  isotopePattern,
  neutralLosses,
  calorimetry,
  calorimetryCurve,
  integratedRateLaw,
  arrhenius,
  peakMetrics,
  vanDeemter,
  beerLambert,
];
