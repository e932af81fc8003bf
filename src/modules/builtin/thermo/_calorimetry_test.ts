import assert from "node:assert/strict";
import fc from "fast-check";
import { ModuleError } from "../../contract.ts";
import { formatIssues, toFieldIssues } from "../../../validation.ts";
import { calorimetry, type CalorimetryOutput } from "./mod.ts";

const context = { progress() {} };

function compute(raw: Record<string, unknown>): CalorimetryOutput {
  return calorimetry.run(calorimetry.input.parse(raw), context) as CalorimetryOutput;
}

function issuePaths(raw: unknown): string[] {
  const result = calorimetry.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return result.error.issues.map((issue) => issue.path.join("."));
}

// How the runtime reports a rejected input: one line naming every field.
function rendered(raw: Record<string, unknown>): string {
  const result = calorimetry.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return formatIssues(toFieldIssues(result.error, raw));
}

function close(actual: number | undefined, expected: number, relative: number): void {
  assert.ok(actual !== undefined, "Expected a number, got undefined");
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `Expected ${actual} to be within ${relative} (relative) of ${expected}`,
  );
}

// OpenStax Chemistry 2e (Flowers et al., 2019), section 5.2, Example 5.5 "Heat Produced by an
// Exothermic Reaction": 50.0 mL 1.00 M HCl + 50.0 mL 1.00 M NaOH, 22.0 °C to 28.9 °C,
// m = 1.0 × 10² g, c = 4.184 J/(g·°C); the book gives q_solution = 2.9 × 10³ J (2 figures).
Deno.test("OpenStax Example 5.5: neutralisation heat is 2.9 kJ", () => {
  const output = compute({ massG: 100, initialTempC: 22.0, finalTempC: 28.9, amountMol: 0.05 });
  assert.equal(output.deltaTK, 6.9);
  assert.equal(Number(output.heatJ.toPrecision(2)), 2.9e3);
  assert.equal(output.heatJ, 2886.96);
  // Not printed in the example: −q/n with n = 0.0500 L × 1.00 M.
  assert.equal(output.reactionEnthalpyKJPerMol, -57.7392);
  assert.equal(output.heatJUncertainty, undefined);
  assert.equal(output.uncertaintyBudget, undefined);
});

// OpenStax Chemistry 2e, section 5.2, Example 5.7 "Bomb Calorimetry": 775 g water, bomb
// 893 J/°C, 23.8 °C to 35.6 °C; the book gives q_rxn = −48.8 kJ.
Deno.test("OpenStax Example 5.7: bomb calorimeter absorbs 48.8 kJ", () => {
  const output = compute({
    massG: 775,
    initialTempC: 23.8,
    finalTempC: 35.6,
    calorimeterConstantJPerK: 893,
  });
  assert.equal(Number((output.heatJ / 1000).toPrecision(3)), 48.8);
  close(output.heatCapacityJPerK, 775 * 4.184 + 893, 1e-15);
});

Deno.test("GUM propagation matches the hand computation for a product", () => {
  // For q = m·c·ΔT (no calorimeter term) the relative variances add:
  // u_r(q)² = u_r(m)² + u_r(c)² + u_r(ΔT)², with u(ΔT)² = u(T_i)² + u(T_f)²,
  // and ΔH = −q/n adds u_r(n)².
  const output = compute({
    massG: 100,
    massGUncertainty: 0.1,
    specificHeatJPerGK: 4.184,
    specificHeatJPerGKUncertainty: 0.0042,
    initialTempC: 22.0,
    initialTempCUncertainty: 0.1,
    finalTempC: 28.9,
    finalTempCUncertainty: 0.1,
    amountMol: 0.05,
    amountMolUncertainty: 0.0005,
  });
  const q = 100 * 4.184 * 6.9;
  const relativeQ = Math.sqrt(
    (0.1 / 100) ** 2 + (0.0042 / 4.184) ** 2 + (0.1 ** 2 + 0.1 ** 2) / 6.9 ** 2,
  );
  close(output.heatJUncertainty, q * relativeQ, 1e-9);
  const relativeH = Math.sqrt(relativeQ ** 2 + (0.0005 / 0.05) ** 2);
  close(output.reactionEnthalpyKJPerMolUncertainty, (q / 0.05 / 1000) * relativeH, 1e-9);
  const budget = output.uncertaintyBudget!;
  assert.deepEqual(
    budget.map((entry) => entry.input),
    ["initialTempC", "finalTempC", "amountMol", "specificHeatJPerGK", "massG"],
  );
  const squares = budget.reduce((sum, entry) => sum + entry.enthalpyContributionKJPerMol! ** 2, 0);
  close(Math.sqrt(squares), output.reactionEnthalpyKJPerMolUncertainty!, 1e-12);
});

Deno.test("GUM propagation with a calorimeter constant and a direct ΔT", () => {
  const output = compute({
    massG: 775,
    massGUncertainty: 0.5,
    deltaTK: 11.8,
    deltaTKUncertainty: 0.02,
    calorimeterConstantJPerK: 893,
    calorimeterConstantJPerKUncertainty: 10,
  });
  // ∂q/∂m = c·ΔT = 49.3712 J/g, ∂q/∂C = ΔT = 11.8, ∂q/∂ΔT = m·c + C = 4135.6 J/K.
  const expected = Math.sqrt((49.3712 * 0.5) ** 2 + (11.8 * 10) ** 2 + (4135.6 * 0.02) ** 2);
  close(output.heatJUncertainty, expected, 1e-12);
  assert.equal(output.reactionEnthalpyKJPerMolUncertainty, undefined);
  assert.deepEqual(
    output.uncertaintyBudget!.map((entry) => [entry.input, entry.heatSensitivity]),
    [["calorimeterConstantJPerK", 11.8], ["deltaTK", 4135.6], ["massG", 4.184 * 11.8]],
  );
});

Deno.test("results are free of binary floating-point noise", () => {
  // 100 × 4.184 × 6.5 is 2719.6000000000004 in binary arithmetic.
  const output = compute({ massG: 100, deltaTK: 6.5, amountMol: 0.05 });
  assert.equal(output.heatJ, 2719.6);
  assert.equal(output.reactionEnthalpyKJPerMol, -54.392);
});

Deno.test("an endothermic process gives a positive molar enthalpy", () => {
  const output = compute({ massG: 53.2, initialTempC: 24.9, finalTempC: 20.3, amountMol: 0.0401 });
  assert.ok(output.heatJ < 0 && output.reactionEnthalpyKJPerMol! > 0);
});

const positive = fc.double({ min: 1e-3, max: 1e4, noNaN: true });
const signed = fc.double({ min: -100, max: 100, noNaN: true });

Deno.test("heat is linear in ΔT and affine in the mass (property)", () => {
  fc.assert(
    fc.property(
      positive,
      positive,
      positive,
      fc.double({ min: 0, max: 1e4, noNaN: true }),
      signed,
      signed,
      (
        m1,
        m2,
        c,
        cal,
        dT,
        factor,
      ) => {
        const at = (massG: number, deltaTK: number) =>
          compute({ massG, specificHeatJPerGK: c, calorimeterConstantJPerK: cal, deltaTK }).heatJ;
        const scale = (m1 + m2) * c * Math.abs(dT) + cal * Math.abs(dT) + 1e-300;
        const linearInDeltaT = Math.abs(at(m1, factor * dT) - factor * at(m1, dT)) <=
          1e-12 * scale * Math.max(1, Math.abs(factor));
        const affineInMass =
          Math.abs(at(m1, dT) - at(m2, dT) - c * dT * (m1 - m2)) <= 1e-12 * scale;
        return linearInDeltaT && affineInMass;
      },
    ),
  );
});

Deno.test("zero input uncertainties give zero combined uncertainty (property)", () => {
  fc.assert(
    fc.property(positive, positive, signed, positive, (massG, specificHeatJPerGK, deltaTK, n) => {
      const output = compute({
        massG,
        specificHeatJPerGK,
        deltaTK,
        amountMol: n,
        massGUncertainty: 0,
        specificHeatJPerGKUncertainty: 0,
        deltaTKUncertainty: 0,
        calorimeterConstantJPerKUncertainty: 0,
        amountMolUncertainty: 0,
      });
      return output.heatJUncertainty === 0 && output.reactionEnthalpyKJPerMolUncertainty === 0;
    }),
  );
});

Deno.test("results too large to represent are ModuleErrors", () => {
  assert.throws(
    () => compute({ massG: 1e308, specificHeatJPerGK: 10, deltaTK: 10 }),
    (error: unknown) => error instanceof ModuleError && /^The heat \(/.test(error.message),
  );
  assert.throws(
    () => compute({ massG: 1, deltaTK: 1, amountMol: 1e-320 }),
    (error: unknown) =>
      error instanceof ModuleError && /too large to represent/.test(error.message),
  );
});

Deno.test("defaults: water's specific heat and no calorimeter constant", () => {
  const input = calorimetry.input.parse({ massG: 10, deltaTK: 1 });
  assert.equal(input.specificHeatJPerGK, 4.184);
  assert.equal(input.calorimeterConstantJPerK, 0);
});

Deno.test("the schema rejects invalid inputs and names the field", () => {
  assert.deepEqual(issuePaths({ massG: 100 }), ["deltaTK"]);
  assert.deepEqual(issuePaths({ massG: 100, deltaTK: 1, initialTempC: 20 }), ["deltaTK"]);
  assert.deepEqual(issuePaths({ massG: 100, initialTempC: 20 }), ["finalTempC"]);
  assert.deepEqual(issuePaths({ massG: 100, finalTempC: 20 }), ["initialTempC"]);
  assert.deepEqual(issuePaths({ massG: 0, deltaTK: 1 }), ["massG"]);
  assert.deepEqual(issuePaths({ massG: Number.NaN, deltaTK: 1 }), ["massG"]);
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: Infinity }), ["deltaTK"]);
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: 1, specificHeatJPerGK: -4 }), [
    "specificHeatJPerGK",
  ]);
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: 1, calorimeterConstantJPerK: -1 }), [
    "calorimeterConstantJPerK",
  ]);
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: 1, amountMol: 0 }), ["amountMol"]);
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: 1, massGUncertainty: -0.1 }), [
    "massGUncertainty",
  ]);
  assert.deepEqual(issuePaths({ massG: 1, initialTempC: -300, finalTempC: 20 }), [
    "initialTempC",
  ]);
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: 1, initialTempCUncertainty: 0.1 }), [
    "initialTempCUncertainty",
  ]);
  assert.deepEqual(
    issuePaths({ massG: 1, initialTempC: 20, finalTempC: 21, deltaTKUncertainty: 0.1 }),
    ["deltaTKUncertainty"],
  );
  assert.deepEqual(issuePaths({ massG: 1, deltaTK: 1, amountMolUncertainty: 0.1 }), [
    "amountMolUncertainty",
  ]);
  assert.equal(
    rendered({ massG: 1, deltaTK: 1, amountMolUncertainty: 0.1 }),
    '"amountMolUncertainty" only applies when amountMol is given: current value is 0.1',
  );
  assert.equal(
    rendered({ massG: 100 }),
    '"deltaTK" is required unless both initialTempC and finalTempC are given',
  );
  assert.equal(
    rendered({ massG: 1, initialTempC: 20 }),
    '"finalTempC" is required with initialTempC (or give deltaTK instead)',
  );
  assert.equal(rendered({ massG: -3, deltaTK: 1 }), '"massG" must be > 0: current value is -3');
});
