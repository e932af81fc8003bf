/**
 * Text helpers shared by the built-in modules' plot descriptions: axis labels
 * with the UCUM unit of their field, numbers for legends, and formulas with
 * subscript digits.
 *
 * @module
 */

/**
 * An axis label: the quantity, then its field's UCUM unit in parentheses, or
 * the quantity alone when the field declares no unit.
 *
 * @example
 * ```ts
 * import { axisLabel } from "./_plot_text.ts";
 * import assert from "node:assert";
 * assert.strictEqual(axisLabel("Time t", "s"), "Time t (s)");
 * assert.strictEqual(axisLabel("Plate height H"), "Plate height H");
 * ```
 */
export function axisLabel(quantity: string, unit?: string): string {
  return unit ? `${quantity} (${unit})` : quantity;
}

const SUPERSCRIPTS: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/**
 * A number to four significant figures, with `×10ⁿ` instead of `e` notation
 * and a true minus sign.
 *
 * @example
 * ```ts
 * import { legendNumber } from "./_plot_text.ts";
 * import assert from "node:assert";
 * assert.strictEqual(legendNumber(0.000123456), "1.235×10⁻⁴");
 * assert.strictEqual(legendNumber(577.6), "577.6");
 * assert.strictEqual(legendNumber(-0.5), "−0.5");
 * ```
 */
export function legendNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) {
    const [mantissa, exponent] = value.toExponential(3).split("e");
    const power = Array.from(String(Number(exponent)), (c) => SUPERSCRIPTS[c] ?? c).join("");
    return `${Number(mantissa)}×10${power}`.replace("-", "−");
  }
  return String(Number(value.toPrecision(4))).replace("-", "−");
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";

/**
 * A molecular formula with the atom counts as Unicode subscript digits; a
 * hydrate's leading multiplier (the 5 of `·5H2O`) stays on the line.
 *
 * @example
 * ```ts
 * import { subscriptFormula } from "./_plot_text.ts";
 * import assert from "node:assert";
 * assert.strictEqual(subscriptFormula("CH2Cl2"), "CH₂Cl₂");
 * assert.strictEqual(subscriptFormula("CuSO4·5H2O"), "CuSO₄·5H₂O");
 * assert.strictEqual(subscriptFormula("Ca(OH)2"), "Ca(OH)₂");
 * ```
 */
export function subscriptFormula(formula: string): string {
  return formula.replace(
    /(?<=[A-Za-z)\]])\d+/g,
    (digits) => Array.from(digits, (d) => SUBSCRIPTS[Number(d)]).join(""),
  );
}
