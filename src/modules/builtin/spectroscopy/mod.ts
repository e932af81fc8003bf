/**
 * Spectroscopy modules: Beer–Lambert calibration (molar absorptivity and
 * unknown concentrations).
 *
 * @module
 */
export {
  beerLambert,
  type BeerLambertInput,
  type BeerLambertOutput,
  MAX_LINEAR_ABSORBANCE,
  type Standard,
  type UnknownResult,
} from "./_beer_lambert.ts";
