import assert from "node:assert/strict";
import fc from "fast-check";
import { ModuleError } from "../../contract.ts";
import { beerLambert, type BeerLambertOutput } from "./mod.ts";

const context = { progress() {} };

function compute(raw: Record<string, unknown>): BeerLambertOutput {
  return beerLambert.run(beerLambert.input.parse(raw), context) as BeerLambertOutput;
}

function issuePaths(raw: unknown): string[] {
  const result = beerLambert.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return result.error.issues.map((issue) => issue.path.join("."));
}

function near(actual: number, expected: number, tolerance: number): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `Expected ${actual} to be within ${tolerance} of ${expected}`,
  );
}

function standardsFrom(concentrations: number[], absorbances: number[]) {
  return concentrations.map((concentrationM, i) => ({
    concentrationM,
    absorbance: absorbances[i],
  }));
}

// Horecker & Kornberg, J. Biol. Chem. 1948, 175, 385–390: ε(NADH, 340 nm) = 6.22 × 10³ L/(mol·cm).
// Standards generated from that value must give it back, and A = 0.400 must read 0.400/6220 M.
Deno.test("NADH at 340 nm: the published molar absorptivity is recovered", () => {
  const concentrations = [0, 2.5e-5, 5e-5, 1e-4, 1.5e-4];
  const output = compute({
    standards: standardsFrom(concentrations, concentrations.map((c) => 6220 * c)),
    unknownAbsorbances: [0.4],
  });
  near(output.molarAbsorptivity, 6220, 1e-9);
  near(output.intercept, 0, 1e-15);
  near(output.unknowns[0].concentrationM, 0.4 / 6220, 1e-18);
  assert.deepEqual(output.warnings, []);
});

// Harvey, Analytical Chemistry 2.1 (2016), section 5.4: external calibration C_std = 0.000–0.500,
// S_std = 0.00, 12.36, 24.83, 35.91, 48.79, 60.42; b1 = 120.706, b0 = 0.209, s_b1 = 0.9641, and a
// sample signal of 29.32 gives C_A = 0.241. Run as if the signals were absorbances in a 1-cm cell:
// the arithmetic matches the book, and every signal above 1.5 is flagged.
Deno.test("Harvey's worked calibration: slope, intercept and the unknown", () => {
  const output = compute({
    standards: standardsFrom(
      [0, 0.1, 0.2, 0.3, 0.4, 0.5],
      [0, 12.36, 24.83, 35.91, 48.79, 60.42],
    ),
    unknownAbsorbances: [29.32],
  });
  near(output.molarAbsorptivity, 120.706, 5e-4);
  near(output.molarAbsorptivityStandardError!, 0.9641, 5e-5);
  near(output.intercept, 0.209, 5e-4);
  near(output.unknowns[0].concentrationM, 0.241, 5e-4);
  assert.equal(output.warnings.length, 6);
  assert.equal(
    output.warnings[0],
    "Standard 2 absorbance 12.36 is above 1.5, outside the reliable linear range",
  );
  assert.equal(
    output.warnings[5],
    "Unknown 1 absorbance 29.32 is above 1.5, outside the reliable linear range; dilute the sample",
  );
  const doubled = compute({
    pathLengthCm: 2,
    standards: standardsFrom([0, 0.1, 0.2], [0, 12.36, 24.83]),
  });
  const single = compute({ standards: standardsFrom([0, 0.1, 0.2], [0, 12.36, 24.83]) });
  near(doubled.molarAbsorptivity, single.molarAbsorptivity / 2, 1e-12);
});

const concentrationsArbitrary = fc.uniqueArray(fc.double({ min: 0, max: 1e-3, noNaN: true }), {
  minLength: 2,
  maxLength: 10,
  comparator: (a, b) => Math.abs(a - b) < 1e-6,
});

Deno.test("exact synthetic calibrations are recovered (property)", () => {
  fc.assert(
    fc.property(
      concentrationsArbitrary,
      fc.double({ min: 10, max: 1e5, noNaN: true }),
      fc.double({ min: -0.05, max: 0.05, noNaN: true }),
      fc.double({ min: 0.1, max: 10, noNaN: true }),
      (concentrations, epsilon, blank, pathLengthCm) => {
        const absorbance = (c: number) => blank + epsilon * pathLengthCm * c;
        const unknown = concentrations[0] / 2 + concentrations[1] / 2;
        const output = compute({
          pathLengthCm,
          standards: standardsFrom(concentrations, concentrations.map(absorbance)),
          unknownAbsorbances: [absorbance(unknown)],
        });
        const span = Math.abs(epsilon * pathLengthCm * (concentrations[1] - concentrations[0]));
        return Math.abs(output.molarAbsorptivity - epsilon) <= 1e-9 * epsilon &&
          Math.abs(output.intercept - blank) <= 1e-9 * (1 + Math.abs(blank) + span) &&
          Math.abs(output.rSquared - 1) <= 1e-12 &&
          Math.abs(output.unknowns[0].concentrationM - unknown) <= 1e-9 * 1e-3;
      },
    ),
  );
});

Deno.test("noise never pushes R² above 1 (property)", () => {
  fc.assert(
    fc.property(
      concentrationsArbitrary.filter((c) => c.length >= 3),
      fc.array(fc.double({ min: -0.02, max: 0.02, noNaN: true }), { minLength: 10, maxLength: 10 }),
      (concentrations, noise) => {
        const standards = standardsFrom(
          concentrations,
          concentrations.map((c, i) => 1000 * c + noise[i]),
        );
        try {
          return compute({ standards }).rSquared <= 1;
        } catch (error) {
          // Noise can swamp a short range: a slope within 2 SE of zero must fail, never pass.
          return error instanceof ModuleError && /not significantly different/.test(error.message);
        }
      },
    ),
  );
});

Deno.test("warnings: high absorbance, extrapolation and a negative slope", () => {
  const output = compute({
    standards: standardsFrom([0, 1e-4, 2e-4, 3e-4], [0, 0.55, 1.1, 1.65]),
    unknownAbsorbances: [0.3, 1.9],
  });
  assert.deepEqual(output.warnings.map((warning) => warning.split(" ").slice(0, 2).join(" ")), [
    "Standard 4",
    "Unknown 2",
    "Unknown 2",
  ]);
  assert.match(output.warnings[2], /^Unknown 2 \(absorbance 1\.9\) gives 0\.000345\d* M, outside/);
  const falling = compute({ standards: standardsFrom([0, 1, 2], [1, 0.5, 0]) });
  assert.match(falling.warnings[0], /^The calibration slope is negative \(-0\.5\)/);
});

Deno.test("degenerate calibrations are ModuleErrors", () => {
  assert.throws(
    () => compute({ standards: standardsFrom([1e-4, 1e-4], [0.1, 0.2]) }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message === "Cannot fit a line: all standard concentrations are equal (0.0001)",
  );
  assert.throws(
    () =>
      compute({ standards: standardsFrom([0, 1e-3], [0, 1e-150]), unknownAbsorbances: [1e200] }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message ===
        "Unknown 1 (absorbance 1e+200) gives a concentration too large to represent",
  );
  assert.throws(
    () => compute({ standards: standardsFrom([0, 1e-3], [0, 1e-320]), unknownAbsorbances: [1] }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message ===
        "Cannot fit: the standard absorbances underflow double precision (spread 5.00e-321, whose " +
          "squares fall below 2.2e-308); express them in a smaller unit",
  );
  assert.throws(
    () => compute({ standards: standardsFrom([0, 1e-4], [0.2, 0.2]), unknownAbsorbances: [0.2] }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message ===
        "Cannot calibrate: every standard has the same absorbance (0.2), so the line is flat and " +
          "no concentration can be read from it",
  );
});

Deno.test("the plot shows standards, the line and the unknowns", () => {
  const input = beerLambert.input.parse({
    standards: standardsFrom([0, 1e-4], [0, 0.622]),
    unknownAbsorbances: [0.311],
  });
  const spec = beerLambert.plot!(input, beerLambert.run(input, context) as BeerLambertOutput);
  assert.deepEqual(spec.series.map((series) => series.name), [
    "Standards",
    "Fit: ε = 6220 L/(mol.cm), R² = 1.0000",
    "Unknowns",
  ]);
  assert.equal(spec.xLabel, "Concentration c (mol/L)");
  near(spec.series[2].points[0][0], 5e-5, 1e-18);
});

Deno.test("the schema applies defaults, rejects invalid inputs and names the field", () => {
  const parsed = beerLambert.input.parse({ standards: standardsFrom([0, 1], [0, 1]) });
  assert.equal(parsed.pathLengthCm, 1);
  assert.deepEqual(compute({ standards: standardsFrom([0, 1], [0, 1]) }).unknowns, []);
  assert.deepEqual(issuePaths({ standards: standardsFrom([0], [0]) }), ["standards"]);
  assert.deepEqual(issuePaths({ standards: standardsFrom([-1, 1], [0, 1]) }), [
    "standards.0.concentrationM",
  ]);
  assert.deepEqual(issuePaths({ pathLengthCm: 0, standards: standardsFrom([0, 1], [0, 1]) }), [
    "pathLengthCm",
  ]);
  assert.deepEqual(issuePaths({ standards: standardsFrom([0, 1], [0, Number.NaN]) }), [
    "standards.1.absorbance",
  ]);
  assert.deepEqual(
    issuePaths({ standards: standardsFrom([0, 1], [0, 1]), unknownAbsorbances: [Infinity] }),
    ["unknownAbsorbances.0"],
  );
});

Deno.test("a million points above the linear range give ten listed warnings and one count, not a million lines", () => {
  const n = 1_000_000;
  const concentrations = Array.from({ length: n }, (_, i) => (i + 1) * 1e-6);
  const output = compute({
    standards: standardsFrom(concentrations, concentrations.map((c) => 6220 * c)),
    unknownAbsorbances: Array.from({ length: 12 }, (_, i) => 7000 + i),
  });
  // Standards 242 onwards (6220 × 242e-6 = 1.505) lie above 1.5.
  const above = n - 241;
  assert.equal(
    output.warnings[0],
    "Standard 242 absorbance 1.50524 is above 1.5, outside the reliable linear range",
  );
  assert.equal(
    output.warnings[10],
    `${
      above - 10
    } more standards have an absorbance above 1.5 (${above} in all), outside the reliable linear range`,
  );
  assert.equal(
    output.warnings[21],
    "2 more unknowns have an absorbance above 1.5 (12 in all), outside the reliable linear range; dilute the samples",
  );
  assert.equal(
    output.warnings.at(-1),
    "2 more unknowns are outside the standards' range 0.000001–1 M (12 in all), so they are extrapolated",
  );
  assert.equal(output.warnings.length, 33);
});
