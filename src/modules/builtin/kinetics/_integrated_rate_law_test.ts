import assert from "node:assert/strict";
import fc from "fast-check";
import { ModuleError } from "../../contract.ts";
import { formatIssues, toFieldIssues } from "../../../validation.ts";
import { integratedRateLaw, type IntegratedRateLawOutput, type ReactionOrder } from "./mod.ts";

const context = { progress() {} };

function compute(raw: Record<string, unknown>): IntegratedRateLawOutput {
  return integratedRateLaw.run(
    integratedRateLaw.input.parse(raw),
    context,
  ) as IntegratedRateLawOutput;
}

function issuePaths(raw: unknown): string[] {
  const result = integratedRateLaw.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return result.error.issues.map((issue) => issue.path.join("."));
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

function hours(values: number[]): number[] {
  return values.map((value) => value * 3600);
}

// OpenStax Chemistry 2e (Flowers et al., 2019), section 12.4, worked example "Graphical
// Determination of Reaction Order and Rate Constant" for H2O2: [H2O2] = 1.000, 0.500, 0.250,
// 0.125, 0.0625 M at 0.00, 6.00, 12.00, 18.00, 24.00 h. The book finds a straight ln plot,
// k = 0.116 h⁻¹, and (section 12.4, half-life) t½ = 6.00 h.
Deno.test("OpenStax H2O2 decomposition is first order with k = 0.116 per hour", () => {
  const output = compute({
    timesS: hours([0, 6, 12, 18, 24]),
    concentrationsM: [1.0, 0.5, 0.25, 0.125, 0.0625],
  });
  assert.equal(output.order, 1);
  assert.equal(output.rateConstantUnit, "1/s");
  assert.equal(Number((output.rateConstant * 3600).toPrecision(3)), 0.116);
  assert.ok(relativeError(output.halfLifeS, 6 * 3600) < 1e-12);
  assert.ok(Math.abs(output.rSquared - 1) < 1e-12);
  assert.ok(output.fits[0].rSquared! < 0.9 && output.fits[2].rSquared! < 0.9);
});

// OpenStax Chemistry 2e, section 12.4, worked example "Graphical Determination of Reaction Order
// and Rate Constant" for the dimerisation of C4H6: 1.00 × 10⁻² … 2.08 × 10⁻³ M at 0 … 6200 s.
// The book finds the 1/[C4H6] plot linear and k = 0.0614 M⁻¹ s⁻¹ from the end points.
Deno.test("OpenStax butadiene dimerisation is second order with k = 0.0614 per M per s", () => {
  const output = compute({
    timesS: [0, 1600, 3200, 4800, 6200],
    concentrationsM: [1.0e-2, 5.04e-3, 3.37e-3, 2.53e-3, 2.08e-3],
  });
  assert.equal(output.order, 2);
  assert.equal(output.rateConstantUnit, "1/(M·s)");
  assert.equal(Number(output.rateConstant.toPrecision(3)), 0.0614);
  assert.ok(output.fits[1].rSquared! < output.fits[2].rSquared!);
  assert.ok(relativeError(output.halfLifeS, 1 / (output.rateConstant * 1.0e-2)) < 1e-12);
});

// OpenStax Chemistry 2e, section 12.4, the two check-your-learning data sets of those examples:
// (4.0–20.0 s; 0.220–0.074) "is not first order", and (5–35 s; 0.952–0.230 M) "fits a
// second-order rate law". Auto mode picks second order for both.
Deno.test("OpenStax check-your-learning data sets are picked as second order", () => {
  const notFirst = compute({
    timesS: [4, 8, 12, 16, 20],
    concentrationsM: [0.22, 0.144, 0.11, 0.088, 0.074],
  });
  assert.equal(notFirst.order, 2);
  const second = compute({
    timesS: [5, 10, 15, 20, 25, 35],
    concentrationsM: [0.952, 0.625, 0.465, 0.37, 0.308, 0.23],
  });
  assert.equal(second.order, 2);
});

Deno.test("a zero-order fit tolerates a final zero concentration", () => {
  const output = compute({ timesS: [0, 10, 20, 30], concentrationsM: [3, 2, 1, 0], order: 0 });
  assert.equal(output.rateConstant, 0.1);
  assert.equal(output.rateConstantUnit, "M/s");
  assert.equal(output.halfLifeS, 15);
  assert.deepEqual(output.fits.map((fit) => fit.rSquared === null), [false, true, true]);
});

Deno.test("an explicit order is honoured even when another fits better", () => {
  const output = compute({
    timesS: [0, 10, 20, 30],
    concentrationsM: [1, 0.5, 0.25, 0.125],
    order: 2,
  });
  assert.equal(output.order, 2);
  assert.ok(output.rSquared < output.fits[1].rSquared!);
});

Deno.test("rising concentrations are a ModuleError quoting the rate constant", () => {
  assert.throws(
    () => compute({ timesS: [0, 1, 2], concentrationsM: [1, 2, 4] }),
    (error: unknown) =>
      error instanceof ModuleError &&
      /^Concentrations do not fall with time: the order 1 fit gives a rate constant of -0\.69/.test(
        error.message,
      ),
  );
  assert.throws(
    () => compute({ timesS: [5, 5, 5], concentrationsM: [1, 2, 4] }),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message === "Cannot fit a line: all timesS are equal (5)",
  );
});

const orders: ReactionOrder[] = [0, 1, 2];

Deno.test("exact synthetic data recover k and the order (property)", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...orders),
      fc.double({ min: 1e-3, max: 10, noNaN: true }),
      fc.double({ min: 0.05, max: 0.7, noNaN: true }),
      fc.double({ min: 1, max: 1e5, noNaN: true }),
      fc.integer({ min: 4, max: 12 }),
      (order, c0, remaining, duration, count) => {
        const k = order === 0
          ? (c0 * (1 - remaining)) / duration
          : order === 1
          ? -Math.log(remaining) / duration
          : (1 / remaining - 1) / (c0 * duration);
        const timesS = Array.from({ length: count }, (_, i) => (duration * i) / (count - 1));
        const concentrationsM = timesS.map((t) =>
          order === 0 ? c0 - k * t : order === 1 ? c0 * Math.exp(-k * t) : 1 / (1 / c0 + k * t)
        );
        const output = compute({ timesS, concentrationsM });
        const halfLife = order === 0 ? c0 / (2 * k) : order === 1 ? Math.LN2 / k : 1 / (k * c0);
        return output.order === order &&
          relativeError(output.rateConstant, k) <= 1e-9 &&
          Math.abs(output.rSquared - 1) <= 1e-12 &&
          relativeError(output.halfLifeS, halfLife) <= 1e-9;
      },
    ),
  );
});

Deno.test("the plot shows C, ln C and 1/C against t, each with its order's fit", () => {
  const input = integratedRateLaw.input.parse({
    timesS: [0, 10, 20, 30],
    concentrationsM: [1, 0.5, 0.25, 0.125],
  });
  const output = integratedRateLaw.run(input, context) as IntegratedRateLawOutput;
  const spec = integratedRateLaw.plot!(input, output);
  const panels = spec.panels!;
  assert.deepEqual(panels.map((panel) => panel.yLabel), [
    "Concentration C (mol/L)",
    "ln(C / (mol/L))",
    "1/C (L/mol)",
  ]);
  assert.ok(panels.every((panel) => panel.xLabel === "Time t (s)"));
  assert.match(panels[1].title, /\(chosen\)$/);
  assert.deepEqual(panels[0].series.map((series) => [series.kind, series.points.length]), [
    ["points", 4],
    ["line", 2],
    ["line", 200],
  ]);
  const chosen = panels[0].series[2].points;
  assert.ok(Math.abs(chosen[199][1] - 0.125) < 1e-12);
  assert.deepEqual(panels[1].series[0].points[3], [30, Math.log(0.125)]);
  assert.deepEqual(panels[2].series[0].points[3], [30, 8]);
  // Each order's legend gives k, t½ and R².
  output.fits.forEach((fit, order) => {
    const name = panels[order].series[1].name;
    assert.match(name, /^Fit: k = .+, t½ = .+ s, R² = \d\.\d{4}$/);
    assert.ok(name.includes(`R² = ${fit.rSquared!.toFixed(4)}`), name);
  });
  assert.ok(panels[1].series[1].name.includes("k = 0.06931 1/s, t½ = 10 s"));
});

Deno.test("the schema rejects invalid inputs and names the field", () => {
  assert.deepEqual(issuePaths({ timesS: [0, 1], concentrationsM: [1, 0.5] }), ["timesS"]);
  assert.deepEqual(issuePaths({ timesS: [0, 1, 2], concentrationsM: [1, 0.5] }), [
    "concentrationsM",
  ]);
  assert.deepEqual(issuePaths({ timesS: [0, 1, 2], concentrationsM: [1, 0.5, 0] }), [
    "concentrationsM.2",
  ]);
  assert.deepEqual(issuePaths({ timesS: [0, 1, 2], concentrationsM: [1, -0.5, 0.2] }), [
    "concentrationsM.1",
  ]);
  assert.deepEqual(issuePaths({ timesS: [-1, 1, 2], concentrationsM: [1, 0.5, 0.2] }), [
    "timesS.0",
  ]);
  assert.deepEqual(issuePaths({ timesS: [0, Number.NaN, 2], concentrationsM: [1, 0.5, 0.2] }), [
    "timesS.1",
  ]);
  assert.deepEqual(
    issuePaths({ timesS: [0, 1, 2], concentrationsM: [1, 0.5, 0.2], order: 3 }),
    ["order"],
  );
  const raw = { timesS: [0, 1, 2], concentrationsM: [1, 0.5, 0], order: 1 };
  const result = integratedRateLaw.input.safeParse(raw);
  assert.equal(
    formatIssues(toFieldIssues(result.error!, raw)),
    '"concentrationsM.2" must be > 0 for order 1 (ln C and 1/C need positive values): ' +
      "current value is 0",
  );
});
