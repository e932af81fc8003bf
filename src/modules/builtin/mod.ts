/**
 * The built-in analysis modules, one folder per scientific domain.
 *
 * @module
 */
import type { LabModule } from "../contract.ts";
import { ModuleRegistry } from "../registry.ts";
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

/**
 * A registry holding the built-in modules.
 *
 * @example
 * ```ts
 * import { builtinRegistry } from "./mod.ts";
 * console.assert(builtinRegistry().get("thermo.calorimetry").source === "builtin");
 * ```
 */
export function builtinRegistry(): ModuleRegistry {
  const registry = new ModuleRegistry();
  for (const module of BUILTIN_MODULES) registry.register(module);
  return registry;
}
