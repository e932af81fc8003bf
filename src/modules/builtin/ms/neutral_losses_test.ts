import assert from "node:assert/strict";
import fc from "fast-check";
import { expectedSubsetMismatches } from "../_stats.ts";
import { elementsAndIsotopes } from "chemical-elements";
import { neutralLosses, type NeutralLossesOutput } from "./mod.ts";
import { parseFormula } from "./_formula.ts";
import { lossCandidates, NEUTRAL_LOSSES } from "./_losses.ts";

const context = { progress() {} };

async function losses(input: Record<string, unknown>): Promise<NeutralLossesOutput> {
  return await neutralLosses.run(neutralLosses.input.parse(input), context);
}

function formulasAt(output: NeutralLossesOutput, mz: number): string[] {
  const peak = output.peaks.find((p) => p.mz === mz);
  assert.ok(peak, `no peak at m/z ${mz}`);
  return peak.assignments.map((assignment) => assignment.formula);
}

// Nominal masses of common neutral losses as tabulated in McLafferty & Tureček, Interpretation of
// Mass Spectra, 4th ed., 1993, and Lange's Handbook of Chemistry, 15th ed., 1999, §7.8.2.4.
const NOMINAL: Record<string, number> = {
  H: 1,
  H2: 2,
  CH3: 15,
  CH4: 16,
  NH2: 16,
  O: 16,
  OH: 17,
  NH3: 17,
  H2O: 18,
  F: 19,
  HF: 20,
  C2H2: 26,
  HCN: 27,
  CO: 28,
  C2H4: 28,
  CHO: 29,
  C2H5: 29,
  CH2O: 30,
  NO: 30,
  CH3O: 31,
  CH3OH: 32,
  SH: 33,
  H2S: 34,
  Cl: 35,
  HCl: 36,
  C3H5: 41,
  CH2CO: 42,
  C3H6: 42,
  C3H7: 43,
  CH3CO: 43,
  CO2: 44,
  C2H5O: 45,
  COOH: 45,
  NO2: 46,
  C2H5OH: 46,
  C4H8: 56,
  C4H9: 57,
  CH3COO: 59,
  CH3COOH: 60,
  SO2: 64,
  C6H5: 77,
  Br: 79,
  HBr: 80,
  I: 127,
  HI: 128,
};

const ATOMIC_NUMBER = new Map(
  elementsAndIsotopes.map((element) => [element.symbol, element.number]),
);

Deno.test("loss table: at least 20 entries whose masses round to the textbook nominal masses", () => {
  assert.ok(NEUTRAL_LOSSES.length >= 20);
  assert.deepEqual(NEUTRAL_LOSSES.map((loss) => loss.formula).sort(), Object.keys(NOMINAL).sort());
  for (const loss of NEUTRAL_LOSSES) {
    assert.equal(Math.round(loss.massDa), NOMINAL[loss.formula], loss.formula);
  }
  // 12C is 12 Da exactly and 16O is 15.99491461957 Da (NIST SRD 144), so CO is 27.99491461957 Da.
  const co = NEUTRAL_LOSSES.find((loss) => loss.formula === "CO");
  assert.ok(co && Math.abs(co.massDa - 27.99491461957) < 1e-9);
});

// The odd-electron flag follows electron parity (issue 13 item 4): McLafferty & Tureček count a
// species as odd-electron when it has an odd number of electrons. The O atom has 8 electrons: a
// triplet diradical, but even-electron, so it is not flagged.
Deno.test("loss table: radicals are exactly the odd-electron neutrals", () => {
  const oxygen = NEUTRAL_LOSSES.find((loss) => loss.formula === "O");
  assert.equal(oxygen?.radical, false);
  for (const loss of NEUTRAL_LOSSES) {
    const electrons = Object.entries(parseFormula(loss.formula)).reduce(
      (sum, [symbol, count]) => sum + count * (ATOMIC_NUMBER.get(symbol) ?? NaN),
      0,
    );
    assert.equal(loss.radical, electrons % 2 === 1, loss.formula);
  }
});

Deno.test("acetone: m/z 43 is M - CH3, m/z 15 is M - 43 (acetyl or propyl)", async () => {
  // Acetone EI spectrum (NIST Chemistry WebBook, SRD 69): M+• m/z 58, base peak m/z 43 (CH3CO+)
  // by α-cleavage with loss of CH3•, and m/z 15 (CH3+); McLafferty & Tureček (1993).
  // Intensities are rounded illustrative values; only positions and assignments are asserted.
  const output = await losses({
    precursorMz: 58,
    peaks: [{ mz: 43, intensity: 100 }, { mz: 58, intensity: 30 }, { mz: 15, intensity: 20 }],
  });
  assert.deepEqual(output.basePeak, { mz: 43, intensity: 100 });
  assert.deepEqual(output.peaks.map((p) => p.mz), [58, 43, 15]);
  assert.deepEqual(output.peaks.map((p) => p.loss), [0, 15, 43]);
  assert.deepEqual(formulasAt(output, 58), []);
  assert.deepEqual(formulasAt(output, 43), ["CH3"]);
  assert.deepEqual(formulasAt(output, 15), ["CH3CO", "C3H7"]);
  assert.deepEqual(output.peaks.map((p) => p.relativeIntensity), [30, 100, 20]);
});

Deno.test("ethanol: m/z 45 is M - H, the base peak m/z 31 is M - CH3", async () => {
  // Ethanol EI spectrum (NIST Chemistry WebBook, SRD 69): M+• m/z 46, m/z 45 by loss of H•, base
  // peak m/z 31 (CH2=OH+) by α-cleavage with loss of CH3•, m/z 29 (C2H5+, loss of OH•);
  // McLafferty & Tureček (1993). Intensities are rounded illustrative values.
  const output = await losses({
    precursorMz: 46,
    peaks: [
      { mz: 46, intensity: 22 },
      { mz: 45, intensity: 50 },
      { mz: 31, intensity: 100 },
      { mz: 29, intensity: 25 },
    ],
  });
  assert.equal(output.basePeak.mz, 31);
  assert.deepEqual(formulasAt(output, 45), ["H"]);
  assert.deepEqual(formulasAt(output, 31), ["CH3"]);
  // A loss of 17 Da is OH• or NH3 at unit resolution; both are listed.
  assert.deepEqual(formulasAt(output, 29).sort(), ["NH3", "OH"]);
});

Deno.test("ambiguity: a loss of 28 lists both CO and C2H4", async () => {
  const output = await losses({ precursorMz: 100, peaks: [{ mz: 72, intensity: 10 }] });
  const formulas = formulasAt(output, 72);
  assert.ok(formulas.includes("CO") && formulas.includes("C2H4"), formulas.join(", "));
  // CO (27.9949 Da) is closer to 28 than C2H4 (28.0313 Da), so it comes first.
  assert.deepEqual(formulas, ["CO", "C2H4"]);
});

Deno.test("tolerance: a tight tolerance separates isobaric neutrals by exact mass", async () => {
  const co = await losses({
    precursorMz: 100,
    peaks: [{ mz: 100 - 27.9949, intensity: 1 }],
    tolerance: 0.005,
  });
  assert.deepEqual(co.peaks[0].assignments.map((a) => a.formula), ["CO"]);
  const ethylene = await losses({
    precursorMz: 100,
    peaks: [{ mz: 100 - 28.0313, intensity: 1 }],
    tolerance: 0.005,
  });
  assert.deepEqual(ethylene.peaks[0].assignments.map((a) => a.formula), ["C2H4"]);
});

Deno.test("tolerance: matches are inclusive and default to 0.5 Da", async () => {
  const input = { precursorMz: 58, peaks: [{ mz: 42.6, intensity: 1 }] };
  assert.equal(neutralLosses.input.parse(input).tolerance, 0.5);
  // Loss 15.4 Da: CH3 (15.0235 Da) is 0.3765 Da away.
  assert.deepEqual((await losses(input)).peaks[0].assignments.map((a) => a.formula), ["CH3"]);
  assert.deepEqual((await losses({ ...input, tolerance: 0.3 })).peaks[0].assignments, []);
  const ch3 = NEUTRAL_LOSSES.find((loss) => loss.formula === "CH3");
  assert.ok(ch3);
  assert.deepEqual(lossCandidates(ch3.massDa + 0.25, 0.25).map((loss) => loss.formula), ["CH3"]);
});

Deno.test("peaks at or above the precursor have no assignments", async () => {
  const output = await losses({
    precursorMz: 100,
    peaks: [{ mz: 101, intensity: 5 }, { mz: 100, intensity: 50 }, { mz: 82, intensity: 100 }],
  });
  assert.deepEqual(output.peaks.map((p) => p.loss), [-1, 0, 18]);
  assert.deepEqual(output.peaks[0].assignments, []);
  assert.deepEqual(output.peaks[1].assignments, []);
  assert.deepEqual(output.peaks[2].assignments.map((a) => a.formula), ["H2O"]);
});

Deno.test("base peak: the most intense, and the highest m/z among equals", async () => {
  const output = await losses({
    precursorMz: 100,
    peaks: [{ mz: 50, intensity: 7 }, { mz: 70, intensity: 7 }, { mz: 60, intensity: 3 }],
  });
  assert.deepEqual(output.basePeak, { mz: 70, intensity: 7 });
});

Deno.test("input: field issues for bad spectra", () => {
  const issues = (value: unknown) => {
    const result = neutralLosses.input.safeParse(value);
    assert.equal(result.success, false, JSON.stringify(value));
    return result.error?.issues.map((issue) => [issue.path.join("."), issue.message]);
  };
  assert.deepEqual(issues({ precursorMz: 58, peaks: [] }), [[
    "peaks",
    "At least one peak is required",
  ]]);
  assert.deepEqual(issues({ precursorMz: 58, peaks: [{ mz: 43, intensity: 0 }] }), [
    ["peaks", "At least one peak must have a positive intensity"],
  ]);
  assert.equal(
    issues({ precursorMz: 58, peaks: [{ mz: 43, intensity: -1 }] })?.[0][0],
    "peaks.0.intensity",
  );
  assert.equal(
    issues({ precursorMz: 0, peaks: [{ mz: 43, intensity: 1 }] })?.[0][0],
    "precursorMz",
  );
  assert.equal(
    issues({ precursorMz: 58, peaks: [{ mz: 43, intensity: 1 }], tolerance: 0 })?.[0][0],
    "tolerance",
  );
});

Deno.test("plot: sticks of the spectrum in relative intensity", async () => {
  const input = neutralLosses.input.parse({
    precursorMz: 58,
    peaks: [{ mz: 58, intensity: 30 }, { mz: 43, intensity: 100 }],
  });
  const output = await neutralLosses.run(input, context);
  const spec = neutralLosses.plot?.(input, output);
  assert.equal(spec?.series[0].kind, "sticks");
  assert.deepEqual(spec?.series[0].points, [[58, 30], [43, 100]]);
  assert.deepEqual(spec?.series[1].points, [[43, 100]]);
});

Deno.test("descriptor: complete, with examples that reproduce their sources", async () => {
  assert.equal(neutralLosses.key, "ms.neutral-losses");
  assert.equal(neutralLosses.version, "1.0.0");
  assert.equal(neutralLosses.domain, "ms");
  for (const list of [neutralLosses.citations, neutralLosses.limitations]) {
    assert.ok(list.length > 0);
  }
  assert.ok(neutralLosses.learnerNotes.length >= 3);
  assert.ok(neutralLosses.examples.length > 0);
  for (const example of neutralLosses.examples) {
    assert.ok(example.source.length > 0);
    const output = neutralLosses.output.parse(await losses(example.input));
    assert.deepEqual(expectedSubsetMismatches(output, example.expected), [], example.name);
  }
});

Deno.test("property: the base peak is 100% and every other peak at most 100%", async () => {
  const spectrum = fc.record({
    precursorMz: fc.double({ min: 1, max: 2000, noNaN: true }),
    peaks: fc.array(
      fc.record({
        mz: fc.double({ min: 0.5, max: 2100, noNaN: true }),
        intensity: fc.double({ min: 0, max: 1e9, noNaN: true }),
      }),
      { minLength: 1, maxLength: 40 },
    ),
    tolerance: fc.double({ min: 0.001, max: 2, noNaN: true }),
  }).filter((input) => input.peaks.some((peak) => peak.intensity > 0));
  await fc.assert(
    fc.asyncProperty(spectrum, async (input) => {
      const output = await losses(input);
      assert.ok(neutralLosses.output.safeParse(output).success);
      assert.equal(output.peaks.length, input.peaks.length);
      const base = output.peaks.find((p) =>
        p.mz === output.basePeak.mz && p.intensity === output.basePeak.intensity
      );
      assert.equal(base?.relativeIntensity, 100);
      for (const [i, peak] of output.peaks.entries()) {
        assert.ok(peak.relativeIntensity >= 0 && peak.relativeIntensity <= 100);
        if (i > 0) assert.ok(peak.mz <= output.peaks[i - 1].mz);
        if (peak.loss <= 0) assert.deepEqual(peak.assignments, []);
        for (const assignment of peak.assignments) {
          assert.ok(Math.abs(assignment.massDa - peak.loss) <= input.tolerance);
        }
      }
    }),
    { numRuns: 300 },
  );
});
