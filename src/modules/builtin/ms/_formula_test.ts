import assert from "node:assert/strict";
import fc from "fast-check";
import { elementsAndIsotopes } from "chemical-elements";
import { FormulaError, hillFormula, parseFormula } from "./_formula.ts";

const NATURAL_SYMBOLS = elementsAndIsotopes
  .filter((element) => element.isotopes.some((isotope) => (isotope.abundance ?? 0) > 0))
  .map((element) => element.symbol);

const compositionArbitrary = fc
  .uniqueArray(
    fc.record({
      symbol: fc.constantFrom(...NATURAL_SYMBOLS),
      count: fc.integer({ min: 1, max: 60 }),
    }),
    { minLength: 1, maxLength: 6, selector: (entry) => entry.symbol },
  )
  .map((entries) => Object.fromEntries(entries.map((entry) => [entry.symbol, entry.count])));

function written(counts: Record<string, number>, order: string[]): string {
  return order.map((symbol) => counts[symbol] === 1 ? symbol : `${symbol}${counts[symbol]}`).join(
    "",
  );
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a < b ? -1 : 1));
}

function parseError(formula: string): FormulaError {
  try {
    parseFormula(formula);
  } catch (error) {
    if (error instanceof FormulaError) return error;
    throw error;
  }
  throw new Error(`Expected ${JSON.stringify(formula)} to fail`);
}

Deno.test("parseFormula reads plain formulas in any element order", () => {
  assert.deepEqual(sorted(parseFormula("C8H10N4O2")), { C: 8, H: 10, N: 4, O: 2 });
  assert.deepEqual(sorted(parseFormula("O2N4H10C8")), { C: 8, H: 10, N: 4, O: 2 });
  assert.deepEqual(sorted(parseFormula("CH3CH2OH")), { C: 2, H: 6, O: 1 });
  assert.deepEqual(sorted(parseFormula("NaCl")), { Cl: 1, Na: 1 });
});

Deno.test("parseFormula expands groups with multipliers, nested and bracketed", () => {
  assert.deepEqual(sorted(parseFormula("Ca(OH)2")), { Ca: 1, H: 2, O: 2 });
  assert.deepEqual(sorted(parseFormula("(CH3)3C")), { C: 4, H: 9 });
  assert.deepEqual(sorted(parseFormula("K4[Fe(CN)6]")), { C: 6, Fe: 1, K: 4, N: 6 });
  assert.deepEqual(sorted(parseFormula("((CH3)2N)3P")), { C: 6, H: 18, N: 3, P: 1 });
  assert.deepEqual(sorted(parseFormula("Al2(SO4)3")), { Al: 2, O: 12, S: 3 });
});

Deno.test("parseFormula reads hydrate dots with leading multipliers", () => {
  const expected = { Cu: 1, H: 10, O: 9, S: 1 };
  assert.deepEqual(sorted(parseFormula("CuSO4·5H2O")), expected);
  assert.deepEqual(sorted(parseFormula("CuSO4.5H2O")), expected);
  assert.deepEqual(sorted(parseFormula("CuSO4•5H2O")), expected);
  assert.deepEqual(sorted(parseFormula("CuSO4*5H2O")), expected);
  assert.deepEqual(sorted(parseFormula("Al2(SO4)3·18H2O")), { Al: 2, H: 36, O: 30, S: 3 });
  assert.deepEqual(sorted(parseFormula("2H2O")), { H: 4, O: 2 });
  assert.deepEqual(sorted(parseFormula("Na2CO3·NaHCO3·2H2O")), { C: 2, H: 5, Na: 3, O: 8 });
});

Deno.test("hillFormula puts C and H first only when carbon is present", () => {
  assert.deepEqual(hillFormula(parseFormula("O2N4H10C8")), "C8H10N4O2");
  assert.deepEqual(hillFormula(parseFormula("CuSO4·5H2O")), "CuH10O9S");
  assert.deepEqual(hillFormula(parseFormula("HCl")), "ClH");
  assert.deepEqual(hillFormula(parseFormula("H2O")), "H2O");
  assert.deepEqual(hillFormula(parseFormula("CHCl3")), "CHCl3");
  assert.deepEqual(hillFormula(parseFormula("CCl4")), "CCl4");
  assert.deepEqual(hillFormula(parseFormula("BrCH3")), "CH3Br");
  assert.deepEqual(hillFormula(parseFormula("K4[Fe(CN)6]")), "C6FeK4N6");
});

Deno.test("parseFormula reports unknown elements by name", () => {
  assert.deepEqual(parseError("XxO2").message, 'Unknown element "Xx" in formula "XxO2"');
  assert.deepEqual(parseError("XxO2").position, 1);
  assert.deepEqual(parseError("CH3Q").message, 'Unknown element "Q" in formula "CH3Q"');
});

Deno.test("parseFormula reports syntax errors with their position", () => {
  assert.deepEqual(parseError("").message, "Formula must not be empty");
  assert.deepEqual(parseError("C2H5)").message, 'Unexpected ")" at position 5 in formula "C2H5)"');
  assert.deepEqual(
    parseError("Ca(OH2").message,
    'Missing ")" for "(" at position 3 in formula "Ca(OH2"',
  );
  assert.deepEqual(parseError("K4[Fe(CN)6)").position, 11);
  assert.deepEqual(parseError("C()").message, 'Empty group at position 2 in formula "C()"');
  assert.deepEqual(parseError("c8h10").message, 'Unexpected "c" at position 1 in formula "c8h10"');
  assert.deepEqual(
    parseError("C8 H10").message,
    'Unexpected " " at position 3 in formula "C8 H10"',
  );
  assert.deepEqual(
    parseError("C0").message,
    'Count must be at least 1 at position 2 in formula "C0"',
  );
  assert.deepEqual(
    parseError("CuSO4·").message,
    'Expected a formula part after "·" at position 6 in formula "CuSO4·"',
  );
  assert.deepEqual(
    parseError("5").message,
    'Expected an element or "(" at position 2 in formula "5"',
  );
  assert.deepEqual(parseError("C2000000").position, 2);
  assert.deepEqual(parseError("(C1000)1001").position, undefined);
});

Deno.test("parseFormula rejects elements without a natural isotopic composition", () => {
  assert.deepEqual(
    parseError("TcO4").message,
    'Element "Tc" in formula "TcO4" has no natural isotopic composition',
  );
});

Deno.test("property: the Hill formula reparses to the same element counts", () => {
  fc.assert(fc.property(compositionArbitrary, (counts) => {
    const hill = hillFormula(counts);
    assert.deepEqual(sorted(parseFormula(hill)), sorted(counts));
    assert.deepEqual(hillFormula(parseFormula(hill)), hill);
  }));
});

Deno.test("property: element order does not change the parsed counts", () => {
  fc.assert(fc.property(
    compositionArbitrary.chain((counts) =>
      fc.tuple(
        fc.constant(counts),
        fc.shuffledSubarray(Object.keys(counts), { minLength: Object.keys(counts).length }),
      )
    ),
    ([counts, order]) => {
      assert.deepEqual(sorted(parseFormula(written(counts, order))), sorted(counts));
    },
  ));
});

Deno.test("property: the parser throws nothing but FormulaError", () => {
  const formulaish = fc.string({
    unit: fc.constantFrom(
      ..."CHNOSPClBrFeCuNaXxQ()[]{}·.•*⋅0123456789 +-_c".split(""),
      "Cl",
      "Br",
      "99999999",
    ),
    maxLength: 30,
  });
  const check = (text: string) => {
    try {
      const counts = parseFormula(text);
      for (const count of Object.values(counts)) {
        if (!Number.isSafeInteger(count) || count < 1) throw new Error(`Bad count ${count}`);
      }
    } catch (error) {
      if (!(error instanceof FormulaError)) throw error;
    }
  };
  fc.assert(fc.property(formulaish, check), { numRuns: 2000 });
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), check), { numRuns: 2000 });
  assert.throws(() => parseFormula("Xx"), FormulaError);
});
