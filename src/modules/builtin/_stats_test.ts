import assert from "node:assert/strict";
import fc from "fast-check";
import { ModuleError } from "../contract.ts";
import {
  coefficientOfDetermination,
  expectedSubsetMismatches,
  fitBasis,
  fitLine,
  linspace,
  roundToSignificant,
  tidyNumbers,
} from "./_stats.ts";

// Harvey, D. Analytical Chemistry 2.1 (2016), section 5.4 "Linear Regression and
// Calibration Curves": the six-standard external calibration (C_std 0.000–0.500,
// S_std 0.00–60.42) with b1 = 120.706, b0 = 0.209, s_r = 0.4033, s_b1 = 0.9641,
// s_b0 = 0.2919 and the sample signal 29.32 giving C_A = 0.241.
function close(actual: number, expected: number, tolerance: number): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `Expected ${actual} to be within ${tolerance} of ${expected}`,
  );
}

function throwsModuleError(fn: () => unknown, includes = ""): ModuleError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ModuleError, `Expected a ModuleError, got ${error}`);
    assert.ok(error.message.includes(includes), `Unexpected message "${error.message}"`);
    return error;
  }
  assert.fail("Expected a ModuleError");
}

const harveyX = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
const harveyY = [0, 12.36, 24.83, 35.91, 48.79, 60.42];

Deno.test("fitLine reproduces Harvey's worked calibration", () => {
  const fit = fitLine(harveyX, harveyY);
  close(fit.slope, 120.706, 5e-4);
  close(fit.intercept, 0.209, 5e-4);
  close(fit.residualStandardDeviation!, 0.4033, 5e-5);
  close(fit.slopeStandardError!, 0.9641, 5e-5);
  close(fit.interceptStandardError!, 0.2919, 5e-5);
  close((29.32 - fit.intercept) / fit.slope, 0.241, 5e-4);
  assert.ok(fit.rSquared > 0.9997 && fit.rSquared < 1);
  assert.equal(fit.count, 6);
});

Deno.test("fitBasis on 1 and x agrees with fitLine, standard errors included", () => {
  const line = fitLine(harveyX, harveyY);
  const basis = fitBasis(harveyX, harveyY, { basis: [() => 1, (x) => x] });
  close(basis.coefficients[0], line.intercept, 1e-10);
  close(basis.coefficients[1], line.slope, 1e-10);
  close(basis.standardErrors[0]!, line.interceptStandardError!, 1e-10);
  close(basis.standardErrors[1]!, line.slopeStandardError!, 1e-10);
  close(basis.rSquared, line.rSquared, 1e-12);
});

Deno.test("fitLine through two points has no standard errors", () => {
  const fit = fitLine([1, 3], [2, 6]);
  assert.deepEqual([fit.slope, fit.intercept, fit.rSquared], [2, 0, 1]);
  assert.equal(fit.slopeStandardError, null);
  assert.equal(fit.interceptStandardError, null);
  assert.equal(fit.residualStandardDeviation, null);
});

Deno.test("fitLine stays accurate when x sits far from zero", () => {
  const x = [1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4];
  const fit = fitLine(x, x.map((v) => 3 * (v - 1e6) + 7));
  close(fit.slope, 3, 1e-9);
});

Deno.test("fitLine rejects a singular fit with a ModuleError naming the values", () => {
  const error = throwsModuleError(() => fitLine([2, 2, 2], [1, 2, 3], { xName: "times" }));
  assert.equal(error.message, "Cannot fit a line: all times are equal (2)");
  throwsModuleError(() => fitLine([0.1, 0.1, 0.1], [1, 2, 3]), "all x values are equal");
  throwsModuleError(() => fitLine([1], [1]), "at least 2 points");
  throwsModuleError(() => fitLine([1, 2], [1]), "2 x values but 1 y values");
});

Deno.test("fitBasis rejects linearly dependent columns", () => {
  const basis = [() => 1, (u: number) => 1 / u, (u: number) => u];
  throwsModuleError(
    () => fitBasis([1, 2, 1, 2], [1, 2, 3, 4], { basis, xName: "velocities" }),
    "singular for these velocities",
  );
  throwsModuleError(() => fitBasis([1, 2], [1, 2], { basis }), "at least 3 points");
  throwsModuleError(() => fitBasis([0, 1, 2], [1, 2, 3], { basis }), "not finite at x = 0");
  throwsModuleError(() => fitBasis([1, 2, 3], [1, 2, 3], { basis: [() => 0] }));
});

// Values so small that their squares underflow are refused (see the underflow test), so the
// properties draw from normal-range numbers and exact zeros.
function normalRange(value: number): number {
  return Math.abs(value) < 1e-100 ? 0 : value;
}

Deno.test("fitBasis recovers the coefficients of exact data (property)", () => {
  const coefficient = fc.double({ min: -100, max: 100, noNaN: true }).map(normalRange);
  fc.assert(
    fc.property(coefficient, coefficient, coefficient, (a, b, c) => {
      const u = [0.5, 1, 2, 3, 5, 8, 13];
      const h = u.map((v) => a + b / v + c * v);
      const fit = fitBasis(u, h, { basis: [() => 1, (v) => 1 / v, (v) => v] });
      const scale = Math.max(1, Math.abs(a), Math.abs(b), Math.abs(c));
      return fit.coefficients.every((value, i) => Math.abs(value - [a, b, c][i]) <= 1e-9 * scale);
    }),
  );
});

Deno.test("R² never exceeds 1 and residuals of a line sum to zero (property)", () => {
  const point = fc.double({ min: -1e3, max: 1e3, noNaN: true }).map(normalRange);
  fc.assert(
    fc.property(fc.array(fc.tuple(point, point), { minLength: 3, maxLength: 20 }), (pairs) => {
      const x = pairs.map(([a], i) => a + i * 1e-3 * (1 + Math.abs(a)));
      fc.pre(new Set(x).size > 1);
      const y = pairs.map(([, b]) => b);
      const fit = fitLine(x, y);
      const residualSum = x.reduce(
        (sum, xi, i) => sum + y[i] - (fit.slope * xi + fit.intercept),
        0,
      );
      const scale = y.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
      return fit.rSquared <= 1 && Math.abs(residualSum) <= 1e-8 * scale * x.length;
    }),
  );
});

Deno.test("coefficientOfDetermination treats constant data as fully explained", () => {
  assert.equal(coefficientOfDetermination([0.1, 0.1, 0.1], [0.1, 0.1, 0.1]), 1);
  assert.equal(coefficientOfDetermination([1, 2, 3], [2, 2, 2]), 0);
  close(coefficientOfDetermination([1, 2, 3], [1, 2, 4]), 0.5, 1e-15);
});

Deno.test("linspace includes both ends", () => {
  assert.deepEqual(linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(linspace(2, 3, 1), [2]);
  assert.equal(linspace(0, 0.3, 4).at(-1), 0.3);
});

Deno.test("roundToSignificant and tidyNumbers strip binary noise only", () => {
  assert.equal(roundToSignificant(100 * 4.184 * 6.5, 15), 2719.6);
  assert.equal(roundToSignificant(-0.0012345, 3), -0.00123);
  assert.equal(roundToSignificant(0, 15), 0);
  assert.equal(roundToSignificant(1 / 3, 15), 0.333333333333333);
  assert.deepEqual(
    tidyNumbers({ a: 28.9 - 22.0, b: [0.1 + 0.2, null, "x"], c: { d: 1e-20 / 3 }, e: true }),
    { a: 6.9, b: [0.3, null, "x"], c: { d: 3.33333333333333e-21 }, e: true },
  );
});

Deno.test("expectedSubsetMismatches compares to significant figures", () => {
  assert.deepEqual(expectedSubsetMismatches(2886.96, 2887), []);
  assert.deepEqual(expectedSubsetMismatches(2886.96, 2886), ["value: expected 2886, got 2886.96"]);
  assert.deepEqual(expectedSubsetMismatches(3.2090e-5, 3.209e-5), []);
  assert.deepEqual(expectedSubsetMismatches(-57.7392, -57.74), []);
  assert.deepEqual(expectedSubsetMismatches(1e-13, 0), []);
  assert.equal(expectedSubsetMismatches(1e-3, 0).length, 1);
  assert.deepEqual(expectedSubsetMismatches(120.706, 120.7, { significantFigures: 4 }), []);
  assert.equal(expectedSubsetMismatches(120.76, 120.7).length, 1);
  assert.deepEqual(
    expectedSubsetMismatches(
      { a: 1, b: [1, { c: "x" }], extra: true, n: null },
      { a: 1.0001, b: [1, { c: "x" }], n: null },
    ),
    [],
  );
  assert.deepEqual(expectedSubsetMismatches({ b: [1, 2] }, { b: [1] }), [
    "b: expected an array of 1, got [1,2]",
  ]);
  assert.deepEqual(expectedSubsetMismatches({ b: { c: 1 } }, { b: { c: "1" } }), [
    'b.c: expected "1", got 1',
  ]);
  assert.deepEqual(expectedSubsetMismatches({}, { a: 1 }), ["a: expected 1, got undefined"]);
  assert.deepEqual(expectedSubsetMismatches([1], { a: 1 }), ["value: expected an object, got [1]"]);
});

// Harvey §5.4: cov(slope, intercept) = −x̄·s_r²/Sxx, so SE(b0)² = s_r²/n + x̄²·s_r²/Sxx.
Deno.test("fitLine reports the slope–intercept covariance and the sums eq. 5.25 needs", () => {
  const fit = fitLine(harveyX, harveyY);
  close(fit.meanX, 0.25, 1e-15);
  close(fit.xSumOfSquares, 0.175, 1e-15);
  close(fit.meanY, 30.385, 1e-12);
  const sr2 = fit.residualStandardDeviation! ** 2;
  close(fit.slopeInterceptCovariance!, (-0.25 * sr2) / 0.175, 1e-15);
  close(fit.interceptStandardError! ** 2, sr2 / 6 - 0.25 * fit.slopeInterceptCovariance!, 1e-12);
  assert.equal(fitLine([1, 3], [2, 6]).slopeInterceptCovariance, null);
});

Deno.test("fitBasis's covariance is symmetric, with the squared standard errors on its diagonal", () => {
  const line = fitLine(harveyX, harveyY);
  const basis = fitBasis(harveyX, harveyY, { basis: [() => 1, (x) => x] });
  const cov = basis.covariance!;
  close(cov[0][1], cov[1][0], 1e-18);
  close(cov[0][1], line.slopeInterceptCovariance!, 1e-12);
  basis.standardErrors.forEach((se, j) => close(cov[j][j], se! ** 2, 1e-12));
  assert.equal(fitBasis([1, 2], [1, 2], { basis: [() => 1, (x) => x] }).covariance, null);
});

Deno.test("fits refuse values whose squared spread underflows or overflows", () => {
  throwsModuleError(
    () => fitLine([0, 1, 2], [1e-300, 2e-300, 3e-300], { yName: "ln k values" }),
    "the ln k values underflow double precision (spread 1.00e-300",
  );
  throwsModuleError(
    () => fitLine([1e-300, 2e-300, 3e-300], [0, 1, 2], { xName: "times" }),
    "the times underflow double precision",
  );
  throwsModuleError(() => fitLine([0, 1, 2], [1e200, -1e200, 3e200]), "the y values overflow");
  throwsModuleError(() => fitLine([0, 1, 2], [1, Infinity, 2]), "y values value 2 is not finite");
  throwsModuleError(
    () => fitBasis([1, 2, 3], [1e-300, 2e-300, 4e-300], { basis: [() => 1, (x) => x] }),
    "underflow",
  );
  // Constant values have no spread to lose: they stay a valid (if trivial) fit.
  assert.equal(fitLine([0, 1, 2], [1e-300, 1e-300, 1e-300]).slope, 0);
});
