/**
 * Units of measure: UCUM codes (the Unified Code for Units of Measure), the
 * lab spellings students type (`mM`, `°C`), and conversions between them.
 * NLM's UCUM library is loaded on the first conversion, never at start-up.
 *
 * @module
 */
export { parseQuantity, ucumSpelling, type WrittenQuantity } from "./_parse.ts";
export {
  type ConvertOptions,
  convertValues,
  parseUnit,
  type UnitConversion,
  unitConversion,
} from "./_convert.ts";
export {
  formatQuantity,
  type FormatQuantityOptions,
  MINUS,
  NOISE,
  type NumberFormat,
} from "./_format.ts";
