import assert from "node:assert/strict";
import fc from "fast-check";
import { ModuleError } from "../../contract.ts";
import { vanDeemter, type VanDeemterOutput } from "./mod.ts";

const context = { progress() {} };

function compute(raw: Record<string, unknown>): VanDeemterOutput {
  return vanDeemter.run(vanDeemter.input.parse(raw), context) as VanDeemterOutput;
}

function issuePaths(raw: unknown): string[] {
  const result = vanDeemter.input.safeParse(raw);
  assert.ok(!result.success, "Expected the input to be rejected");
  return result.error.issues.map((issue) => issue.path.join("."));
}

function curve(a: number, b: number, c: number, u: number[]): number[] {
  return u.map((v) => a + b / v + c * v);
}

// No published plate-height data set could be verified, so the worked example is synthetic and
// exact; its expected values are the analytic identities u_opt = √(B/C), H_min = A + 2√(BC)
// (van Deemter, Zuiderweg & Klinkenberg, Chem. Eng. Sci. 1956, 5, 271).
Deno.test("exact synthetic curve: coefficients and the analytic optimum", () => {
  const u = [5, 10, 20, 30, 40, 60, 80];
  const output = compute({ linearVelocities: u, plateHeights: curve(1.5, 25, 0.025, u) });
  const close = (actual: number | null, expected: number) =>
    assert.ok(actual !== null && Math.abs(actual - expected) <= 1e-10 * expected);
  close(output.a, 1.5);
  close(output.b, 25);
  close(output.c, 0.025);
  close(output.optimumVelocity, Math.sqrt(1000));
  close(output.minimumPlateHeight, 1.5 + 2 * Math.sqrt(0.625));
  assert.ok(Math.abs(output.rSquared - 1) < 1e-12);
  assert.deepEqual(output.warnings, []);
});

Deno.test("a, b and c are recovered from exact data (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: 0.001, max: 10, noNaN: true }),
      fc.uniqueArray(fc.double({ min: 0.1, max: 200, noNaN: true }), {
        minLength: 3,
        maxLength: 12,
        comparator: (x, y) => Math.abs(x - y) < 1e-3 * Math.max(x, y),
      }),
      (a, b, c, u) => {
        const output = compute({ linearVelocities: u, plateHeights: curve(a, b, c, u) });
        // Compare predictions rather than coefficients: over a narrow velocity range the three
        // basis functions are nearly collinear and the coefficients are ill-determined.
        const h = curve(a, b, c, u);
        const fitted = curve(output.a, output.b, output.c, u);
        return fitted.every((value, i) => Math.abs(value - h[i]) <= 1e-8 * h[i]);
      },
    ),
  );
});

Deno.test("coefficients are exact when the velocities span a decade (property)", () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: 0.01, max: 100, noNaN: true }),
      fc.double({ min: 0.001, max: 10, noNaN: true }),
      (a, b, c) => {
        const u = [1, 2, 3, 5, 8, 13];
        const output = compute({ linearVelocities: u, plateHeights: curve(a, b, c, u) });
        const ok = (value: number, expected: number) =>
          Math.abs(value - expected) <= 1e-9 * Math.max(a, b, c);
        return ok(output.a, a) && ok(output.b, b) && ok(output.c, c) &&
          Math.abs(output.optimumVelocity! - Math.sqrt(b / c)) <= 1e-6 * Math.sqrt(b / c);
      },
    ),
  );
});

Deno.test("no optimum when b is not positive", () => {
  const u = [1, 2, 4, 8];
  const output = compute({ linearVelocities: u, plateHeights: curve(2, -0.5, 0.05, u) });
  assert.equal(output.optimumVelocity, null);
  assert.equal(output.minimumPlateHeight, null);
  assert.equal(output.warnings.length, 1);
  assert.match(
    output.warnings[0],
    /^Fitted b is not positive \(-0\.5\d*\), so there is no optimum/,
  );
  const spec = vanDeemter.plot!(
    vanDeemter.input.parse({ linearVelocities: u, plateHeights: curve(2, -0.5, 0.05, u) }),
    output,
  );
  assert.deepEqual(spec.series.map((series) => series.name), [
    "Measured",
    "Fit: H = A + B/u + C·u, A = 2, B = −0.5, C = 0.05",
  ]);
  assert.match(spec.title, /no optimum/);
});

Deno.test("an optimum outside the measured velocities is flagged as extrapolated", () => {
  const u = [40, 50, 60, 80];
  const output = compute({ linearVelocities: u, plateHeights: curve(1.5, 25, 0.025, u) });
  assert.equal(output.warnings.length, 1);
  assert.match(
    output.warnings[0],
    /^The optimum velocity 31\.62\d* lies outside the measured range 40–80/,
  );
});

Deno.test("noisy data keep R² ≤ 1 and give standard errors", () => {
  const u = [5, 10, 20, 30, 40, 60, 80];
  const noise = [0.02, -0.03, 0.01, 0.04, -0.02, 0.01, -0.03];
  const output = compute({
    linearVelocities: u,
    plateHeights: curve(1.5, 25, 0.025, u).map((h, i) => h + noise[i]),
  });
  assert.ok(output.rSquared < 1 && output.rSquared > 0.99);
  assert.ok(Object.values(output.standardErrors).every((se) => se !== null && se > 0));
  const three = compute({ linearVelocities: [5, 10, 20], plateHeights: [6, 4, 3.5] });
  assert.deepEqual(three.standardErrors, { a: null, b: null, c: null });
});

Deno.test("too few distinct velocities are a ModuleError", () => {
  assert.throws(
    () => compute({ linearVelocities: [10, 10, 20, 20], plateHeights: [3, 3.1, 2.5, 2.6] }),
    (error: unknown) =>
      error instanceof ModuleError && error.message ===
        "Cannot fit: the model is singular for these linearVelocities (need at least 3 distinct values)",
  );
});

Deno.test("the plot shows data, the fitted curve and the optimum", () => {
  const u = [5, 10, 20, 40, 80];
  const input = vanDeemter.input.parse({
    linearVelocities: u,
    plateHeights: curve(1.5, 25, 0.025, u),
  });
  const output = vanDeemter.run(input, context) as VanDeemterOutput;
  const spec = vanDeemter.plot!(input, output);
  assert.deepEqual(spec.series.map((series) => [series.kind, series.points.length]), [
    ["points", 5],
    ["line", 200],
    ["points", 1],
  ]);
});

Deno.test("the schema rejects invalid inputs and names the field", () => {
  assert.deepEqual(issuePaths({ linearVelocities: [1, 2], plateHeights: [1, 2] }), [
    "linearVelocities",
  ]);
  assert.deepEqual(issuePaths({ linearVelocities: [1, 2, 3], plateHeights: [1, 2] }), [
    "plateHeights",
  ]);
  assert.deepEqual(issuePaths({ linearVelocities: [0, 2, 3], plateHeights: [1, 2, 3] }), [
    "linearVelocities.0",
  ]);
  assert.deepEqual(issuePaths({ linearVelocities: [1, 2, 3], plateHeights: [1, -2, 3] }), [
    "plateHeights.1",
  ]);
  assert.deepEqual(issuePaths({ linearVelocities: [1, 2, 3], plateHeights: [1, 2, Infinity] }), [
    "plateHeights.2",
  ]);
});
