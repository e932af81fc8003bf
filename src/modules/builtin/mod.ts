/**
 * The built-in analysis modules, one folder per scientific domain.
 *
 * @module
 */
import type { LabModule } from "../contract.ts";
import { beerLambert } from "./spectroscopy/mod.ts";
import { calorimetry } from "./thermo/mod.ts";
import { isotopePattern, neutralLosses } from "./ms/mod.ts";
import { arrhenius, integratedRateLaw } from "./kinetics/mod.ts";
import { peakMetrics, vanDeemter } from "./chromatography/mod.ts";

/** Every built-in module. */
export const BUILTIN_MODULES: readonly LabModule[] = [
  isotopePattern,
  neutralLosses,
  calorimetry,
  integratedRateLaw,
  arrhenius,
  peakMetrics,
  vanDeemter,
  beerLambert,
];
