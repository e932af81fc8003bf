/**
 * Issue 13 item 4: physical sanity. Each check runs through the job runtime
 * and ends as a failed job with a one-line reason, or as a warning the
 * runtime lifts from the output for the job to store and the CLI to print.
 * Reference values come from `test/fixtures/science/uncertainty_fixtures.json`
 * (numpy/scipy, made by `make_uncertainty_fixtures.py`) or from the cited
 * textbook facts.
 *
 * @module
 */
import assert from "node:assert/strict";
import fixtures from "../fixtures/science/uncertainty_fixtures.json" with { type: "json" };
import { BUILTIN_MODULES } from "../../src/modules/builtin/mod.ts";
import { executeRun, prepareRun, type RunOutcome } from "../../src/runs/mod.ts";

async function outcomeOf(key: string, input: Record<string, unknown>): Promise<RunOutcome> {
  const module = BUILTIN_MODULES.find((candidate) => candidate.key === key);
  assert.ok(module, key);
  return await executeRun(prepareRun({ module, source: "builtin" }, input));
}

async function failure(key: string, input: Record<string, unknown>): Promise<string> {
  const outcome = await outcomeOf(key, input);
  assert.equal(outcome.status, "failed", `${key} should fail`);
  if (outcome.status !== "failed") throw new Error("unreachable");
  assert.ok(!outcome.error.message.includes("\n"), "one line");
  assert.ok(!outcome.error.message.startsWith("Unexpected error"), outcome.error.message);
  return outcome.error.message;
}

async function warnings(key: string, input: Record<string, unknown>): Promise<string[]> {
  const outcome = await outcomeOf(key, input);
  assert.equal(outcome.status, "succeeded", `${key} should succeed`);
  if (outcome.status !== "succeeded") throw new Error("unreachable");
  assert.deepEqual(outcome.warnings, (outcome.output as { warnings: string[] }).warnings);
  return outcome.warnings;
}

Deno.test("item 4: a flat calibration fails, never R² = 1", async () => {
  const flat = [0, 1e-5, 2e-5, 3e-5].map((c) => ({ concentrationM: c, absorbance: 0.25 }));
  assert.equal(
    await failure("spectroscopy.beer-lambert", { standards: flat, unknownAbsorbances: [0.25] }),
    "Cannot calibrate: every standard has the same absorbance (0.25), so the line is flat and no " +
      "concentration can be read from it",
  );
  // numpy: |slope| < 2·SE(slope) for these standards.
  const { input, slope, twoStandardErrors } = fixtures.beerLambertNotSignificant;
  const message = await failure("spectroscopy.beer-lambert", input);
  assert.equal(
    message,
    `Cannot calibrate: the slope ${Number(slope.toPrecision(4))} is not significantly different ` +
      `from zero (|slope| < 2·SE = ${
        Number(twoStandardErrors.toPrecision(4))
      }), so absorbance does not follow concentration`,
  );
});

// Atomic numbers: H 1, C 6 (IUPAC periodic table). A cation can lose at most all its electrons.
Deno.test("item 4: |z| may not exceed the formula's electrons, and m/z is positive", async () => {
  assert.equal(
    await failure("ms.isotope-pattern", { formula: "H", charge: 2 }),
    'The charge +2 removes more electrons than "H" has (1); a cation of it can have at most z = +1',
  );
  assert.match(
    await failure("ms.isotope-pattern", { formula: "C6H6", charge: 100 }),
    /^The charge \+100 removes more electrons than "C6H6" has \(42\)/,
  );
  assert.match(
    await failure("ms.isotope-pattern", { formula: "C6H6", charge: -43 }),
    /^The charge -43 adds more electrons than "C6H6" has \(42\)/,
  );
  const bare = await outcomeOf("ms.isotope-pattern", { formula: "H", charge: 1 });
  assert.equal(bare.status, "succeeded");
  if (bare.status !== "succeeded") return;
  const peaks = (bare.output as { peaks: Array<{ mz: number }> }).peaks;
  assert.ok(peaks.every((peak) => peak.mz > 0));
  // A bare proton: 1H mass 1.00782503223 Da (NIST SRD 144) less one electron (5.4857990907e-4 Da).
  assert.ok(Math.abs(peaks[0].mz - (1.00782503223 - 5.4857990907e-4)) < 1e-12);
});

Deno.test("item 4: van Deemter reports no optimum when b is not significantly positive", async () => {
  const fixture = fixtures.vanDeemter.find((f) => !f.significant)!;
  const outcome = await outcomeOf("chromatography.van-deemter", fixture.input);
  assert.equal(outcome.status, "succeeded");
  if (outcome.status !== "succeeded") return;
  const output = outcome.output as { optimumVelocity: null; noOptimumReason: string };
  assert.equal(output.optimumVelocity, null);
  assert.match(output.noOptimumReason, /not significantly positive \(b < 2·SE\(b\)/);
  assert.ok(outcome.warnings.includes(output.noOptimumReason));
});

Deno.test("item 4: values that underflow or overflow the fit fail with the reason", async () => {
  const times = [0, 10, 20, 30];
  assert.equal(
    await failure("kinetics.integrated-rate-law", {
      timesS: times,
      concentrationsM: [1e-300, 0.5e-300, 0.25e-300, 0.125e-300],
    }),
    "Cannot fit order 0: the concentrationsM underflow double precision (spread 5.31e-301, whose " +
      "squares fall below 2.2e-308); express them in a smaller unit",
  );
  assert.match(
    await failure("kinetics.integrated-rate-law", {
      timesS: times,
      concentrationsM: [1e-200, 0.5e-200, 0.25e-200, 0.125e-200],
      order: 2,
    }),
    /^Cannot fit order 2: the 1\/C values overflow double precision/,
  );
  assert.match(
    await failure("kinetics.integrated-rate-law", {
      timesS: times,
      concentrationsM: [1e-310, 0.5e-310, 0.25e-310, 0.125e-310],
      order: 1,
    }),
    /^Cannot fit: concentrationsM value 1 \(1e-310\) underflows double precision/,
  );
  assert.match(
    await failure("spectroscopy.beer-lambert", {
      standards: [{ concentrationM: 0, absorbance: 0 }, { concentrationM: 1, absorbance: 1e-320 }],
    }),
    /^Cannot fit: the standard absorbances underflow double precision/,
  );
  assert.match(
    await failure("chromatography.van-deemter", {
      linearVelocities: [1, 2, 3, 4],
      plateHeights: [1e-300, 2e-300, 3e-300, 5e-300],
    }),
    /^Cannot fit: the plateHeights underflow double precision/,
  );
});

Deno.test("item 4: a negative Ea, N < 1 and a peak above the precursor are warnings", async () => {
  const negative = fixtures.arrhenius.find((f) => f.name === "negative-ea")!;
  const ea = negative.expected.activationEnergyKJPerMol; // numpy: −9.4 kJ/mol
  assert.deepEqual(await warnings("kinetics.arrhenius", negative.input), [
    `The activation energy is negative (${
      Number(ea.toPrecision(4))
    } kJ/mol): the rate falls as the temperature rises; check the data, or a pre-equilibrium or ` +
    "barrierless mechanism",
  ]);
  // N = 16(tR/wb)² (Harvey 12.2): 16·(1/5)² = 0.64 plates.
  assert.deepEqual(
    await warnings("chromatography.peak-metrics", {
      peaks: [{ name: "smear", retentionTimeMin: 1, baseWidthMin: 5 }],
    }),
    [
      'Peak "smear" has a plate count below 1 (N = 0.64): its width is too large for its ' +
      "retention time; check the width and its unit",
    ],
  );
  assert.deepEqual(
    await warnings("ms.neutral-losses", {
      precursorMz: 58,
      peaks: [{ mz: 60, intensity: 1 }, { mz: 58, intensity: 30 }, { mz: 43, intensity: 100 }],
    }),
    [
      "1 peak lies above the precursor m/z 58 (m/z 60): isotope peaks, or the precursor is not " +
      "the molecular ion; they get no assignments",
    ],
  );
  assert.deepEqual(
    await warnings("ms.neutral-losses", {
      precursorMz: 58,
      peaks: [{ mz: 58, intensity: 30 }, { mz: 43, intensity: 100 }],
    }),
    [],
  );
});

// Electron counts Σ Zᵢ·nᵢ: O 8 (even: the triplet O atom is a diradical, not odd-electron),
// NH2 9 (odd), CH4 10 (even); McLafferty & Tureček count a species odd-electron by parity.
Deno.test("item 4: the odd-electron flag follows electron parity", async () => {
  const outcome = await outcomeOf("ms.neutral-losses", {
    precursorMz: 32,
    peaks: [{ mz: 32, intensity: 50 }, { mz: 16, intensity: 100 }],
  });
  assert.equal(outcome.status, "succeeded");
  if (outcome.status !== "succeeded") return;
  const loss16 = (outcome.output as {
    peaks: Array<{ mz: number; assignments: Array<{ formula: string; radical: boolean }> }>;
  }).peaks.find((peak) => peak.mz === 16)!;
  const flags = Object.fromEntries(loss16.assignments.map((a) => [a.formula, a.radical]));
  assert.deepEqual(flags, { O: false, NH2: true, CH4: false });
});
