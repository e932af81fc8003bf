/**
 * Issue 13 item 3: every reported uncertainty agrees with an independent
 * computation. The reference values are numpy/scipy figures made by
 * `test/fixtures/science/make_uncertainty_fixtures.py` (scipy.stats.linregress,
 * numpy.polyfit with cov=True, scipy.optimize.curve_fit and the textbook
 * formulas written out), committed as `uncertainty_fixtures.json`.
 *
 * @module
 */
import assert from "node:assert/strict";
import fixtures from "../fixtures/science/uncertainty_fixtures.json" with { type: "json" };
import { arrhenius, integratedRateLaw } from "../../src/modules/builtin/kinetics/mod.ts";
import { vanDeemter } from "../../src/modules/builtin/chromatography/mod.ts";
import { beerLambert } from "../../src/modules/builtin/spectroscopy/mod.ts";
import type { LabModule } from "../../src/modules/contract.ts";

const RELATIVE = 1e-9;

async function run(module: LabModule, input: unknown): Promise<Record<string, unknown>> {
  const output = await module.run(module.input.parse(input), { progress() {} });
  return module.output.parse(output) as Record<string, unknown>;
}

/** Every number of `expected` agrees with `actual` within 1e-9 relative; nulls match nulls. */
function agrees(actual: unknown, expected: unknown, path = "output"): void {
  if (expected === null) {
    assert.equal(actual, null, `${path}: expected null`);
  } else if (typeof expected === "number") {
    assert.equal(typeof actual, "number", `${path}: expected a number, got ${actual}`);
    const difference = Math.abs((actual as number) - expected);
    assert.ok(
      difference <= RELATIVE * Math.abs(expected),
      `${path}: ${actual} differs from ${expected} by ${difference / Math.abs(expected)} relative`,
    );
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: length`);
    expected.forEach((item, i) => agrees(actual[i], item, `${path}[${i}]`));
  } else if (typeof expected === "object") {
    for (const [key, value] of Object.entries(expected as Record<string, unknown>)) {
      agrees((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    }
  } else {
    assert.equal(actual, expected, path);
  }
}

// Harvey, D. Analytical Chemistry 2.1 (2016), section 5.4, eq. 5.25:
// s_c = (s_r/b)·√(1/m + 1/n + (ȳ_unk − ȳ_std)²/(b²·Σ(xᵢ − x̄)²)), m replicate readings, n standards;
// the intercept's standard deviation s_a = s_r·√(1/n + x̄²/Σ(xᵢ − x̄)²) from the same section.
for (const fixture of fixtures.beerLambert) {
  Deno.test(`Beer–Lambert ${fixture.name}: s(c) (Harvey eq. 5.25), SE(intercept) and s_r match scipy`, async () => {
    const output = await run(beerLambert as LabModule, fixture.input);
    agrees(output, fixture.expected);
  });
}

Deno.test("Beer–Lambert: more replicate readings shrink s(c) as eq. 5.25 says", async () => {
  const [one, four] = [fixtures.beerLambert[1], fixtures.beerLambert[2]];
  const a = await run(beerLambert as LabModule, one.input);
  const b = await run(beerLambert as LabModule, four.input);
  const sc = (output: Record<string, unknown>) =>
    (output.unknowns as Array<{ concentrationStandardErrorM: number }>).map((u) =>
      u.concentrationStandardErrorM
    );
  sc(a).forEach((value, i) => assert.ok(sc(b)[i] < value));
  agrees(b, four.expected);
});

// Half-lives (Atkins' Physical Chemistry, 8th ed., ch. 22): t½ = ln 2/k (order 1),
// [A]0/(2k) (order 0), 1/(k[A]0) (order 2); first-order propagation (JCGM 100:2008, 5.1.2) gives
// s(t½) = ln 2·s(k)/k², [A]0·s(k)/(2k²), s(k)/(k²[A]0); [A]0 from the intercept a: a, exp(a), 1/a.
for (const fixture of fixtures.rateLaw) {
  Deno.test(`rate law ${fixture.name}: s(k), s(t½) and s([A]0) match scipy and the textbook formulas`, async () => {
    const output = await run(integratedRateLaw as LabModule, fixture.input);
    agrees(output, fixture.expected);
  });
}

// Arrhenius: ln k = ln A − Ea/(RT), so Ea = −R·m and ln A = b for the slope m and intercept b of
// ln k against 1/T; s(A) = A·s(ln A) and cov(Ea, ln A) = −R·cov(m, b), with cov(m, b) from
// numpy.polyfit(cov=True). R = 8.314462618 J/(mol·K) (CODATA 2018, scipy.constants.R).
for (const fixture of fixtures.arrhenius) {
  Deno.test(`Arrhenius ${fixture.name}: s(ln A), s(A) and cov(Ea, ln A) match numpy`, async () => {
    const output = await run(arrhenius as LabModule, fixture.input);
    agrees(output, fixture.expected);
  });
}

Deno.test("Arrhenius uses the same gas constant as scipy.constants.R", async () => {
  const { GAS_CONSTANT_J_PER_MOL_K } = await import(
    "../../src/modules/builtin/kinetics/_arrhenius.ts"
  );
  assert.equal(GAS_CONSTANT_J_PER_MOL_K, fixtures.gasConstant);
});

// van Deemter, Zuiderweg & Klinkenberg (1956): u_opt = √(B/C), H_min = A + 2√(BC); uncertainties
// √(gᵀΣg) with the full covariance Σ = s²(XᵀX)⁻¹ of (A, B, C) from numpy.linalg.lstsq (cross-checked
// with scipy.optimize.curve_fit).
for (const fixture of fixtures.vanDeemter) {
  Deno.test(`van Deemter ${fixture.name}: coefficients, covariance, s(u_opt) and s(H_min) match numpy`, async () => {
    const output = await run(vanDeemter as LabModule, fixture.input);
    agrees(output, fixture.expected);
    if (fixture.significant) {
      assert.equal(output.noOptimumReason, null);
    } else {
      assert.match(
        output.noOptimumReason as string,
        /^Fitted b \(1\.10\d*\) is not significantly positive \(b < 2·SE\(b\) = 1\.932\)/,
      );
      assert.ok((output.warnings as string[]).includes(output.noOptimumReason as string));
    }
  });
}
