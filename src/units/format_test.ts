import assert from "node:assert/strict";
import fc from "fast-check";
import { formatQuantity, MINUS, type NumberFormat } from "./mod.ts";

const sf = (significantFigures: number): NumberFormat => ({
  significantFigures,
  decimalPlaces: null,
});
const dp = (decimalPlaces: number): NumberFormat => ({ significantFigures: 4, decimalPlaces });

Deno.test("format: GUM pairs round the uncertainty to 2 figures and the value to match", () => {
  assert.equal(
    formatQuantity(-57.6549, { uncertainty: 1.4213, unit: "kJ/mol" }),
    "−57.7 ± 1.4 kJ/mol",
  );
  assert.equal(formatQuantity(1234.5, { uncertainty: 23 }), "1235 ± 23");
  assert.equal(formatQuantity(1234.5, { uncertainty: 230 }), "1230 ± 230");
  assert.equal(formatQuantity(0.0012345, { uncertainty: 0.000067 }), "0.001234 ± 0.000067");
  // 0.0996 rounds up to 0.10: the value follows the rounded uncertainty's decimals.
  assert.equal(formatQuantity(2.71828, { uncertainty: 0.0996 }), "2.72 ± 0.10");
  assert.equal(formatQuantity(-0.004, { uncertainty: 0.5 }), "0.00 ± 0.50");
  // The settings do not change a GUM pair: the uncertainty decides the digits.
  assert.equal(formatQuantity(-57.6549, { uncertainty: 1.4213, format: sf(8) }), "−57.7 ± 1.4");
});

Deno.test("format: huge and tiny values with an uncertainty share one exponent", () => {
  assert.equal(formatQuantity(1.234e-5, { uncertainty: 5.6e-7 }), "(1.234 ± 0.056)e−5");
  assert.equal(formatQuantity(6.0221e23, { uncertainty: 3.1e21 }), "(6.022 ± 0.031)e+23");
});

Deno.test("format: a zero uncertainty prints ± 0 with the value to the settings", () => {
  assert.equal(formatQuantity(5.123456, { uncertainty: 0, format: sf(3) }), "5.12 ± 0");
  assert.equal(formatQuantity(5, { uncertainty: 0, unit: "J" }), "5 ± 0 J");
});

Deno.test("format: significant figures, negatives with U+2212, e notation out of range", () => {
  assert.equal(formatQuantity(1 / 3), "0.3333");
  assert.equal(formatQuantity(1 / 3, { format: sf(3) }), "0.333");
  assert.equal(formatQuantity(-2 / 3, { format: sf(2) }), `${MINUS}0.67`);
  assert.equal(formatQuantity(123456.7, { format: sf(3) }), "123000");
  assert.equal(formatQuantity(12345678.9), "1.235e+7");
  assert.equal(formatQuantity(0.00001234), "1.234e−5");
  assert.equal(formatQuantity(-1e-7), "−1.000e−7");
  assert.equal(formatQuantity(1e300), "1.000e+300");
  assert.equal(formatQuantity(Number.NaN), "NaN");
  assert.equal(formatQuantity(-Infinity), "−Infinity");
  // An integer is exact (a count, an order) and is shown whole.
  assert.equal(formatQuantity(12345, { format: sf(2) }), "12345");
});

Deno.test("format: decimal places replace significant figures", () => {
  assert.equal(formatQuantity(3.14159, { format: dp(2) }), "3.14");
  assert.equal(formatQuantity(-0.001, { format: dp(2) }), "0.00");
  assert.equal(formatQuantity(-2.5, { format: dp(0), unit: "K" }), "−3 K");
  assert.equal(formatQuantity(2.5e20, { format: dp(1) }), "2.5e+20");
});

Deno.test("format: noise below the fit's precision prints as 0", () => {
  // The beer-lambert example: an exact line leaves rounding noise in the intercept.
  assert.equal(formatQuantity(-5.5511151e-17, { scale: 6220 }), "0");
  assert.equal(
    formatQuantity(-5.5511151e-17, { uncertainty: 5.1476344e-17, scale: 6220 }),
    "0 ± 0",
  );
  assert.equal(formatQuantity(6220, { uncertainty: 6.0983909e-13, scale: 6220 }), "6220 ± 0");
  // A small value is not noise on its own, nor next to numbers of its own size.
  assert.equal(formatQuantity(-5.5511151e-17), "−5.551e−17");
  assert.equal(formatQuantity(1.2e-5, { scale: 1e9 }), "1.200e−5");
});

Deno.test("format: property: never throws, and the shown value is within half a unit of its last digit", () => {
  // Within ±1e300, so that a value rounded up (1.5e308 to "2e+308") still reads back.
  const number = fc.double({ min: -1e300, max: 1e300, noNaN: true });
  fc.assert(
    fc.property(
      number,
      fc.integer({ min: 1, max: 15 }),
      fc.option(fc.integer({ min: 0, max: 12 }), { nil: null }),
      (value, figures, places) => {
        const text = formatQuantity(value, {
          format: { significantFigures: figures, decimalPlaces: places },
        });
        const shown = readBack(text);
        const half = halfUnitOfLastDigit(text);
        assert.ok(
          Math.abs(shown - value) <= half * (1 + 1e-9) + Math.abs(value) * 1e-15,
          `${value} shown as ${text}`,
        );
      },
    ),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(
      fc.double({ min: -1e12, max: 1e12, noNaN: true }),
      fc.double({ min: 1e-9, max: 1e9, noNaN: true }),
      (value, uncertainty) => {
        fc.pre(uncertainty > 1e-12 * Math.abs(value)); // Smaller is noise, shown as ± 0 (tested above).
        const text = formatQuantity(value, { uncertainty });
        const [shownValue, shownUncertainty] = text.replace(/[()]/g, "").split(" ± ");
        const exponent = /e([−+]\d+)$/.exec(shownUncertainty)?.[1] ?? "";
        const v = readBack(shownValue + (exponent ? `e${exponent}` : ""));
        const u = readBack(shownUncertainty);
        // Two significant figures of the uncertainty, rounded.
        assert.ok(Math.abs(u - uncertainty) <= 0.05 * uncertainty + 1e-12, text);
        // The value is rounded at the uncertainty's second significant figure.
        const half = 0.5 * 10 ** (Math.floor(Math.log10(u)) - 1);
        assert.ok(Math.abs(v - value) <= half * (1 + 1e-9) + Math.abs(value) * 1e-15, text);
      },
    ),
    { numRuns: 2000 },
  );
});

function readBack(text: string): number {
  return Number(text.replaceAll(MINUS, "-").replace(/\s.*$/, ""));
}

/** Half a unit of the last shown digit of the (first) number in `text`. */
function halfUnitOfLastDigit(text: string): number {
  const plain = text.replaceAll(MINUS, "-").replace(/[()]/g, "");
  const match = /^-?(\d+)(?:\.(\d+))?(?: ± [\d.]+)?(?:e([-+]\d+))?$/.exec(plain);
  if (match === null) return Number.isFinite(Number(plain)) ? 0.5 : Infinity;
  const decimals = match[2]?.length ?? 0;
  const exponent = Number(match[3] ?? 0);
  // A whole number shown with trailing zeros (123000) is exact to its last non-zero digit at worst.
  const trailing = decimals === 0 && !match[3] ? /0*$/.exec(match[1])?.[0].length ?? 0 : 0;
  return 0.5 * 10 ** (exponent - decimals + trailing);
}
