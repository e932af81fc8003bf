import assert from "node:assert/strict";
import fc from "fast-check";
import { ModuleError } from "../../contract.ts";
import { arrhenius, type ArrheniusOutput, GAS_CONSTANT_J_PER_MOL_K } from "./mod.ts";

const context = { progress() {} };

function compute(raw: Record<string, unknown>): ArrheniusOutput {
  return arrhenius.run(arrhenius.input.parse(raw), context) as ArrheniusOutput;
}

function issuePaths(raw: unknown): string[] {
  const result = arrhenius.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return result.error.issues.map((issue) => issue.path.join("."));
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

// OpenStax Chemistry 2e (Flowers et al., 2019), section 12.5, check-your-learning of "Determination
// of Ea": N2O5, k = 1.66 L/(mol·s) at 650 K and 7.39 L/(mol·s) at 700 K; answer 1.1 × 10⁵ J/mol.
Deno.test("OpenStax N2O5 two-point activation energy is 1.1 × 10⁵ J/mol", () => {
  const output = compute({ temperaturesK: [650, 700], rateConstants: [1.66, 7.39] });
  assert.equal(Number((output.activationEnergyKJPerMol * 1000).toPrecision(2)), 1.1e5);
  const twoPoint = GAS_CONSTANT_J_PER_MOL_K * Math.log(7.39 / 1.66) / (1 / 650 - 1 / 700) / 1000;
  assert.ok(relativeError(output.activationEnergyKJPerMol, twoPoint) < 1e-12);
  assert.equal(output.rSquared, 1);
  assert.equal(output.activationEnergyStandardErrorKJPerMol, null);
});

// OpenStax Chemistry 2e, section 12.5, worked example "Determination of Ea": HI decomposition at
// 555, 575, 645, 700, 781 K with k = 3.52 × 10⁻⁷ … 3.95 × 10⁻² L/(mol·s). The book estimates
// Ea = 1.8 × 10⁵ J/mol from the end points after rounding 1/T to 1.80 and 1.28 × 10⁻³ K⁻¹ and the
// slope to −2.2 × 10⁴ K; unrounded, the same end points give 185 kJ/mol, as does the regression.
Deno.test("OpenStax HI data: regression agrees with the book's rounded estimate", () => {
  const output = compute({
    temperaturesK: [555, 575, 645, 700, 781],
    rateConstants: [3.52e-7, 1.22e-6, 8.59e-5, 1.16e-3, 3.95e-2],
  });
  assert.ok(relativeError(output.activationEnergyKJPerMol, 180) < 0.04);
  const endPoints = GAS_CONSTANT_J_PER_MOL_K * Math.log(3.95e-2 / 3.52e-7) /
    (1 / 555 - 1 / 781) / 1000;
  assert.ok(relativeError(output.activationEnergyKJPerMol, endPoints) < 0.005);
  assert.ok(output.rSquared > 0.999);
});

// Atkins & de Paula, Atkins' Physical Chemistry, 8th ed. (2006), chapter 22: second-order
// decomposition of ethanal, 700–1000 K; the book gives Ea = 188 kJ/mol and A = 1.1 × 10¹²
// dm³ mol⁻¹ s⁻¹.
Deno.test("Atkins ethanal decomposition: Ea = 188 kJ/mol, A = 1.1 × 10¹²", () => {
  const output = compute({
    temperaturesK: [700, 730, 760, 790, 810, 840, 910, 1000],
    rateConstants: [0.011, 0.035, 0.105, 0.343, 0.789, 2.17, 20.0, 145],
  });
  assert.equal(Math.round(output.activationEnergyKJPerMol), 188);
  assert.equal(Number(output.preExponentialFactor.toPrecision(2)), 1.1e12);
  assert.ok(output.activationEnergyStandardErrorKJPerMol! > 0);
  assert.ok(output.activationEnergyStandardErrorKJPerMol! < 5);
});

Deno.test("Ea and A are recovered from exact synthetic data (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 5, max: 300, noNaN: true }),
      fc.double({ min: 3, max: 35, noNaN: true }),
      fc.uniqueArray(fc.integer({ min: 250, max: 1000 }), { minLength: 2, maxLength: 10 }),
      (ea, lnA, temperatures) => {
        const a = Math.exp(lnA);
        const rateConstants = temperatures.map((t) =>
          a * Math.exp((-ea * 1000) / (GAS_CONSTANT_J_PER_MOL_K * t))
        );
        const output = compute({ temperaturesK: temperatures, rateConstants });
        return relativeError(output.activationEnergyKJPerMol, ea) <= 1e-9 &&
          relativeError(output.preExponentialFactor, a) <= 1e-8 &&
          Math.abs(output.rSquared - 1) <= 1e-12;
      },
    ),
  );
});

Deno.test("equal temperatures are a ModuleError quoting the temperature", () => {
  assert.throws(
    () => compute({ temperaturesK: [300, 300, 300], rateConstants: [1, 2, 3] }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message === "Cannot fit the Arrhenius line: all temperaturesK are equal (300)",
  );
});

Deno.test("a pre-exponential factor beyond double range is a ModuleError", () => {
  assert.throws(
    () => compute({ temperaturesK: [100, 101], rateConstants: [1e-300, 1] }),
    (error: unknown) =>
      error instanceof ModuleError && /^The pre-exponential factor exp\(\d/.test(error.message),
  );
});

Deno.test("the plot is ln k against 1000/T with the fitted line", () => {
  const input = arrhenius.input.parse({ temperaturesK: [650, 700], rateConstants: [1.66, 7.39] });
  const output = arrhenius.run(input, context) as ArrheniusOutput;
  const spec = arrhenius.plot!(input, output);
  assert.equal(spec.xLabel, "1000/T (K⁻¹)");
  assert.ok(Math.abs(spec.series[0].points[0][0] - 1000 / 650) < 1e-12);
  const [points, line] = spec.series;
  const byX = (a: [number, number], b: [number, number]) => a[0] - b[0];
  const sorted = [...points.points].sort(byX);
  [...line.points].sort(byX).forEach(([x, y], i) => {
    assert.ok(Math.abs(sorted[i][0] - x) < 1e-15 && Math.abs(sorted[i][1] - y) < 1e-9);
  });
});

Deno.test("the schema rejects invalid inputs and names the field", () => {
  assert.deepEqual(issuePaths({ temperaturesK: [300], rateConstants: [1] }), ["temperaturesK"]);
  assert.deepEqual(issuePaths({ temperaturesK: [300, 310], rateConstants: [1] }), [
    "rateConstants",
  ]);
  assert.deepEqual(issuePaths({ temperaturesK: [300, 0], rateConstants: [1, 2] }), [
    "temperaturesK.1",
  ]);
  assert.deepEqual(issuePaths({ temperaturesK: [300, 310], rateConstants: [1, -2] }), [
    "rateConstants.1",
  ]);
  assert.deepEqual(issuePaths({ temperaturesK: [300, Infinity], rateConstants: [1, 2] }), [
    "temperaturesK.1",
  ]);
  assert.deepEqual(issuePaths({ temperaturesK: "300", rateConstants: [1, 2] }), ["temperaturesK"]);
});
