import assert from "node:assert/strict";
import fc from "fast-check";
import { LabosError } from "../errors.ts";
import { convertValues, parseQuantity, parseUnit, ucumSpelling, unitConversion } from "./mod.ts";

// Exact definitions: UCUM (https://ucum.org/ucum, §4 and table 6: 1 min = 60 s,
// 1 h = 60 min, 1 L = 1 dm3) and the SI Brochure, 9th edition (2019), §2.3.1 and
// table 4: t/°C = T/K − 273.15, so 0 °C = 273.15 K exactly and a Celsius
// difference equals a kelvin difference.

Deno.test("units: 1 min is 60 s and 1 h is 3600 s exactly", async () => {
  assert.deepEqual(await unitConversion({ from: "min", to: "s" }), {
    from: "min",
    to: "s",
    factor: 60,
  });
  assert.equal((await unitConversion({ from: "h", to: "s" })).factor, 3600);
  assert.equal((await unitConversion({ from: "s", to: "min" })).factor, 1 / 60);
});

Deno.test("units: 1 mmol/L is 0.001 mol/L, and mM and M are read as molar", async () => {
  assert.deepEqual(await unitConversion({ from: "mmol/L", to: "mol/L" }), {
    from: "mmol/L",
    to: "mol/L",
    factor: 0.001,
  });
  const molar = await unitConversion({ from: "mM", to: "M" });
  assert.deepEqual([molar.from, molar.to, molar.factor], ["mmol/L", "mol/L", 0.001]);
  assert.equal((await unitConversion({ from: "µM", to: "mol/L" })).factor, 1e-6);
});

Deno.test("units: 0 °C is 273.15 K for an absolute temperature", async () => {
  for (const spelling of ["Cel", "°C", "degC", "C"]) {
    const conversion = await unitConversion({ from: spelling, to: "K" });
    assert.deepEqual(conversion, { from: "Cel", to: "K", factor: 1, offset: 273.15 });
  }
  const { values } = await convertValues([0, 25, -273.15], { from: "Cel", to: "K" });
  assert.deepEqual(values, [273.15, 298.15, 0]);
  const back = await convertValues([273.15], { from: "K", to: "Cel" });
  assert.deepEqual(back.values, [0]);
});

Deno.test("units: a temperature difference is scaled and never offset", async () => {
  const conversion = await unitConversion({ from: "Cel", to: "K", difference: true });
  assert.deepEqual(conversion, { from: "Cel", to: "K", factor: 1 });
  const { values } = await convertValues([3.5], { from: "°C", to: "K", difference: true });
  assert.deepEqual(values, [3.5]);
  // 1 °F of difference is 5/9 K (UCUM defines [degF] as 5/9 K with the offset).
  const fahrenheit = await unitConversion({ from: "[degF]", to: "K", difference: true });
  assert.ok(Math.abs(fahrenheit.factor - 5 / 9) < 1e-15);
  assert.equal(fahrenheit.offset, undefined);
});

Deno.test("units: compound units convert; UCUM noise is tidied", async () => {
  assert.equal((await unitConversion({ from: "kJ/mol", to: "J/mol" })).factor, 1000);
  assert.equal((await unitConversion({ from: "J/g/K", to: "J/(kg.K)" })).factor, 1000);
  assert.equal((await unitConversion({ from: "nm", to: "m" })).factor, 1e-9);
  assert.equal((await unitConversion({ from: "1/min", to: "1/s" })).factor, 1 / 60);
  assert.equal((await unitConversion({ from: "1/(M·s)", to: "L/(mol.s)" })).factor, 1);
});

Deno.test("units: different dimensions are refused, naming both units", async () => {
  await assert.rejects(
    unitConversion({
      from: "Cel",
      to: "mol/L",
      verb: "map",
      source: 'column "T_C"',
      target: '"concentrationsM"',
    }),
    (error: unknown) => {
      assert.ok(error instanceof LabosError);
      assert.equal(error.kind, "invalid");
      assert.equal(
        error.message,
        'Cannot map column "T_C" (unit "Cel") to "concentrationsM" (unit "mol/L"): ' +
          "the dimensions differ",
      );
      return true;
    },
  );
  // UCUM counts moles, but an amount is not a number of things per litre without a molar mass.
  await assert.rejects(unitConversion({ from: "mol/L", to: "g/L" }), /the dimensions differ/);
  await assert.rejects(unitConversion({ from: "s", to: "m" }), /the dimensions differ/);
});

Deno.test("units: an unknown unit is an invalid error quoting it", async () => {
  await assert.rejects(parseUnit("furlongs"), /^LabosError: Invalid unit "furlongs"/);
  await assert.rejects(parseUnit(" "), /Invalid unit: it is empty/);
  await assert.rejects(unitConversion({ from: "s", to: "foo" }), /Invalid unit "foo"/);
});

Deno.test("units: quantities split into a number and a unit", () => {
  assert.deepEqual(parseQuantity("5 min"), { value: 5, unit: "min" });
  assert.deepEqual(parseQuantity(" -2.5e1 °C "), { value: -25, unit: "°C" });
  assert.deepEqual(parseQuantity("2mM"), { value: 2, unit: "mM" });
  assert.deepEqual(parseQuantity("0.5 1/min"), { value: 0.5, unit: "1/min" });
  for (const text of ["5", "min", "[1,2]", "auto", "", "5 6", "- 5 s"]) {
    assert.equal(parseQuantity(text), undefined, text);
  }
});

const CODES = ["s", "min", "h", "mol/L", "mmol/L", "umol/L", "Cel", "K", "nm", "cm", "kJ/mol"];

Deno.test("units: property: a UCUM code and a quantity written with it round-trip", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...CODES),
      fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }),
      fc.constantFrom("", " ", "  "),
      async (code, value, space) => {
        assert.equal(await parseUnit(code), code);
        assert.equal(ucumSpelling(ucumSpelling(code)), ucumSpelling(code));
        const written = parseQuantity(`${value}${space}${code}`);
        assert.deepEqual(written, { value: value + 0, unit: code });
      },
    ),
  );
});

Deno.test("units: property: parsing any text throws nothing but LabosError", async () => {
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: fc.constantFrom(..."0123456789.eE+-/()[]{}^*·µ°CMmLlosgK% ") }),
  );
  await fc.assert(
    fc.asyncProperty(text, async (unit) => {
      try {
        const code = await parseUnit(unit);
        assert.equal(typeof code, "string");
      } catch (error) {
        assert.ok(error instanceof LabosError, `${unit}: ${error}`);
        assert.equal(error.kind, "invalid");
        assert.ok(!error.message.includes("\n"));
      }
      const quantity = parseQuantity(unit);
      if (quantity) assert.ok(Number.isFinite(quantity.value) && quantity.unit.trim() !== "");
    }),
    { numRuns: 300 },
  );
});
