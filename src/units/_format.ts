/** How numbers are shown: `display.significantFigures` and `display.decimalPlaces` of `labos.jsonc`. */
export interface NumberFormat {
  /** Significant figures of a number shown without an uncertainty. */
  significantFigures: number;
  /** Fixed decimal places instead of significant figures, or null. */
  decimalPlaces: number | null;
}

/** Options for {@linkcode formatQuantity}. */
export interface FormatQuantityOptions {
  /** The standard uncertainty paired with the value, shown GUM-style. */
  uncertainty?: number | null;
  /** The unit label written after the number. */
  unit?: string;
  /** Significant figures or decimal places. Default: 4 significant figures. */
  format?: NumberFormat;
  /**
   * The largest magnitude of the numbers the value is shown with (one fit's
   * results): a number below {@linkcode NOISE} times it is floating-point
   * noise and prints as 0. Default: the value itself (no noise test).
   */
  scale?: number;
}

/** The minus sign of text output (U+2212), as in `−57.7 ± 1.4 kJ/mol`. */
export const MINUS = "\u2212";

/**
 * A number below this fraction of the largest number of its fit (about five
 * machine epsilons) is rounding noise, such as an intercept of
 * `-5.5511151e-17` next to a slope of 6220, and prints as 0.
 */
export const NOISE = 1e-15;

const DEFAULT_FORMAT: NumberFormat = { significantFigures: 4, decimalPlaces: null };

/**
 * Formats a number for people, the one function the CLI and the control
 * panel share. Without an uncertainty the value gets the significant
 * figures (or fixed decimal places) of `format`; an integer is exact and is
 * shown whole. With an uncertainty it prints GUM-style: the uncertainty to
 * two significant figures, the value rounded to the same decimal position,
 * the unit after. Negative numbers take U+2212; noise below the fit's
 * precision (see `scale`) prints as 0. Very large or small numbers use
 * `e` notation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatQuantity } from "./_format.ts";
 * assert.equal(formatQuantity(-57.6549, { uncertainty: 1.4213, unit: "kJ/mol" }), "−57.7 ± 1.4 kJ/mol");
 * assert.equal(formatQuantity(1 / 3, { format: { significantFigures: 3, decimalPlaces: null } }), "0.333");
 * assert.equal(formatQuantity(-5.5511151e-17, { scale: 6220 }), "0");
 * ```
 */
export function formatQuantity(value: number, options: FormatQuantityOptions = {}): string {
  const unit = options.unit ? ` ${options.unit}` : "";
  const scale = Math.max(Math.abs(options.scale ?? 0), Math.abs(value));
  const noise = (x: number) => Math.abs(x) < NOISE * scale;
  const u = options.uncertainty;
  if (!Number.isFinite(value)) return `${String(value).replace("-", MINUS)}${unit}`;
  if (u === undefined || u === null || !Number.isFinite(u) || u < 0) {
    return `${plain(noise(value) ? 0 : value, options.format ?? DEFAULT_FORMAT)}${unit}`;
  }
  if (u === 0 || noise(u)) {
    return `${plain(noise(value) ? 0 : value, options.format ?? DEFAULT_FORMAT)} ± 0${unit}`;
  }
  return `${gum(noise(value) ? 0 : value, u)}${unit}`;
}

/** A value alone, to significant figures or fixed decimals. */
function plain(value: number, format: NumberFormat): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return signed(String(value));
  if (format.decimalPlaces !== null) {
    const exponent = Math.floor(Math.log10(Math.abs(value)));
    if (exponent >= 15) return exponential(value, format.decimalPlaces);
    return signed(value.toFixed(format.decimalPlaces));
  }
  const figures = format.significantFigures;
  // The exponent after rounding (9.996 to 3 figures is 10.0).
  const exponent = Number(value.toExponential(figures - 1).split("e")[1]);
  if (exponent < -4 || exponent >= Math.max(7, figures)) return exponential(value, figures - 1);
  return signed(Number(value.toPrecision(figures)).toFixed(Math.max(0, figures - 1 - exponent)));
}

/** `(value ± uncertainty)`, both to the decimal position of the uncertainty's second significant figure. */
function gum(value: number, uncertainty: number): string {
  const u = Number(uncertainty.toPrecision(2));
  const lastDigit = Math.floor(Math.log10(u)) - 1; // The power of ten of the last shown digit.
  const top = Math.floor(Math.log10(Math.max(Math.abs(value), u)));
  if (top >= 7 || top < -4) {
    const shift = top;
    const decimals = Math.max(0, shift - lastDigit);
    const v = value / 10 ** shift;
    return `(${signed(roundTo(v, decimals).toFixed(decimals))} ± ${
      (u / 10 ** shift).toFixed(decimals)
    })e${shift < 0 ? MINUS : "+"}${Math.abs(shift)}`;
  }
  if (lastDigit >= 0) {
    const step = 10 ** lastDigit;
    return `${signed(String(Math.round(value / step) * step))} ± ${String(u)}`;
  }
  const decimals = -lastDigit;
  return `${signed(roundTo(value, decimals).toFixed(decimals))} ± ${u.toFixed(decimals)}`;
}

function roundTo(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

function exponential(value: number, decimals: number): string {
  const [mantissa, exponent] = value.toExponential(decimals).split("e");
  const power = Number(exponent);
  return `${signed(mantissa)}e${power < 0 ? MINUS : "+"}${Math.abs(power)}`;
}

/** U+2212 for a negative number; a rounded negative zero is plain 0. */
function signed(text: string): string {
  if (!text.startsWith("-")) return text;
  return /^-[0.]*$/.test(text) ? text.slice(1) : `${MINUS}${text.slice(1)}`;
}
