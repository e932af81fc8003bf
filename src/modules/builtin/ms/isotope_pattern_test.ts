import assert from "node:assert/strict";
import fc from "fast-check";
import { expectedSubsetMismatches } from "../_stats.ts";
import { elementsAndIsotopes } from "chemical-elements";
import { isotopePattern, type IsotopePatternOutput } from "./mod.ts";
import { parseFormula } from "./_formula.ts";
import { averageMass } from "./_isotopes.ts";
import { DistributionTooLargeError, isotopeDistribution } from "./_pattern.ts";

const context = { progress() {} };

async function pattern(input: Record<string, unknown>): Promise<IsotopePatternOutput> {
  return await isotopePattern.run(isotopePattern.input.parse(input), context);
}

function near(actual: number, expected: number, tolerance: number, what = "value"): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

/** Abundances of the unit-resolution peaks at M, M+1, … (M = the lightest peak), as % of the largest. */
function ratios(output: IsotopePatternOutput, shifts: number[]): number[] {
  const lightest = output.peaks[0].mz;
  return shifts.map((shift) => {
    const peak = output.peaks.find((p) => Math.abs(p.mz - lightest - shift) < 0.2);
    return peak?.abundance ?? 0;
  });
}

function relative(values: number[]): number[] {
  const max = Math.max(...values);
  return values.map((value) => (100 * value) / max);
}

// Independent reference data: the most abundant isotope of each element, read straight from the
// package rather than through the module's own helpers.
const MOST_ABUNDANT = new Map(
  elementsAndIsotopes
    .filter((element) => element.isotopes.some((isotope) => (isotope.abundance ?? 0) > 0))
    .map((element) => [
      element.symbol,
      element.isotopes.reduce((best, isotope) =>
        (isotope.abundance ?? 0) > (best.abundance ?? 0) ? isotope : best
      ).mass,
    ]),
);

// Fine structure of many-isotope elements (Sn, Xe, Cd…) grows steeply with atom count and finer
// resolution, so the fine-structure cases stay small enough to run quickly.
const fineCase = fc.oneof(
  fc.tuple(compositionArbitrary(12, 4), fc.constantFrom<"unit" | number>(0.01, 0.1)),
  fc.tuple(compositionArbitrary(6, 3), fc.constant<"unit" | number>(0.001)),
);

function compositionArbitrary(
  maxCount: number,
  maxLength: number,
): fc.Arbitrary<Record<string, number>> {
  return fc.uniqueArray(
    fc.record({
      symbol: fc.constantFrom(...MOST_ABUNDANT.keys()),
      count: fc.integer({ min: 1, max: maxCount }),
    }),
    { minLength: 1, maxLength, selector: (entry) => entry.symbol },
  ).map((entries) => Object.fromEntries(entries.map((entry) => [entry.symbol, entry.count])));
}

function written(counts: Record<string, number>, order: string[]): string {
  return order.map((symbol) => counts[symbol] === 1 ? symbol : `${symbol}${counts[symbol]}`)
    .join("");
}

// (a) Caffeine.

Deno.test("caffeine: monoisotopic and average mass match PubChem and the NIST WebBook", async () => {
  const output = await pattern({ formula: "C8H10N4O2" });
  assert.equal(output.formula, "C8H10N4O2");
  // PubChem CID 2519 (caffeine), computed monoisotopic mass 194.08037557 Da.
  near(output.monoisotopicMass, 194.08037557, 1e-6, "monoisotopic mass");
  // PubChem CID 2519 molecular weight 194.19 g/mol (stated to 0.01).
  near(output.averageMass, 194.19, 0.005, "average mass vs PubChem");
  // NIST Chemistry WebBook, SRD 69, caffeine: molecular weight 194.1906. The WebBook uses IUPAC
  // standard atomic weights (C 12.0107), this module the NIST isotopic compositions
  // (C 12.01074), hence a 3e-4 Da difference, well inside the ±0.0064 Da uncertainty of 8 C.
  near(output.averageMass, 194.1906, 5e-4, "average mass vs NIST WebBook");
});

Deno.test("caffeine: isotope pattern matches the molmass documentation example", async () => {
  // Gohlke, C. molmass 2024.5.10, README "Examples":
  // Formula('C8H10N4O2').spectrum(min_intensity=0.01) gives (m/z, intensity %)
  // 194.080376 100.000000, 195.082873 10.305100, 196.084968 0.892492, 197.087214 0.055681.
  const published = [
    [194.080376, 100],
    [195.082873, 10.3051],
    [196.084968, 0.892492],
    [197.087214, 0.055681],
  ];
  const output = await pattern({ formula: "C8H10N4O2", threshold: 0.01 });
  assert.equal(output.peaks.length, published.length);
  output.peaks.forEach((peak, i) => {
    near(peak.mz, published[i][0], 1e-6, `m/z of peak ${i}`);
    near(peak.abundance, published[i][1], 1e-5, `abundance of peak ${i}`);
  });
});

Deno.test("caffeine: M+1 equals the sum of single heavy-isotope substitutions", async () => {
  // Reference formula (Silverstein, Webster & Kiemle, 7th ed., ch. 1): for C, H, N, O only, every
  // M+1 isotopologue carries exactly one heavy atom, so M+1/M = Σ n·a(heavy)/a(light), with the
  // NIST abundances 13C 1.07%, 15N 0.364%, 2H 0.0115%, 17O 0.038%.
  const expected = 100 *
    (8 * 1.07 / 98.93 + 4 * 0.364 / 99.636 + 10 * 0.0115 / 99.9885 + 2 * 0.038 / 99.757);
  const output = await pattern({ formula: "C8H10N4O2" });
  near(output.peaks[1].abundance, expected, 1e-6, "M+1");
  // The first-order textbook shortcut, 1.1% per carbon plus 0.37% per nitrogen, gives ≈ 10.3%.
  near(output.peaks[1].abundance, 8 * 1.1 + 4 * 0.37, 0.2, "M+1 shortcut");
});

// (b) Chlorine and bromine patterns.

// Textbook ratios: Silverstein, Webster & Kiemle, Spectrometric Identification of Organic
// Compounds, 7th ed., Wiley 2005, ch. 1 (isotope peaks of Cl and Br compounds); McLafferty &
// Tureček, Interpretation of Mass Spectra, 4th ed., 1993. The exact values follow from the
// binomial expansion with the NIST abundances 35Cl 75.76%, 37Cl 24.24%, 79Br 50.69%, 81Br 49.31%.
const r = 24.24 / 75.76;
const s = 49.31 / 50.69;

Deno.test("Cl2 and CH2Cl2: M:M+2:M+4 ≈ 100:64:10 (9:6:1)", async () => {
  for (const formula of ["Cl2", "CH2Cl2"]) {
    const [m, m2, m4] = ratios(await pattern({ formula }), [0, 2, 4]);
    const exact = relative([1, 2 * r, r * r]);
    near(m, 100, 1e-9, `${formula} M`);
    near(m2, exact[1], 0.01, `${formula} M+2`);
    near(m4, exact[2], 0.01, `${formula} M+4`);
    near(m2, 64, 0.5, `${formula} M+2 textbook`);
    near(m4, 10, 0.5, `${formula} M+4 textbook`);
  }
});

Deno.test("Br2: M:M+2:M+4 ≈ 51:100:49 (1:2:1)", async () => {
  const values = ratios(await pattern({ formula: "Br2" }), [0, 2, 4]);
  const exact = relative([1, 2 * s, s * s]);
  values.forEach((value, i) => near(value, exact[i], 0.01, `Br2 peak ${i}`));
  [51, 100, 49].forEach((value, i) => near(values[i], value, 1, `Br2 textbook ${i}`));
});

Deno.test("CH3Br: M:M+2 ≈ 100:97.3 (1:1)", async () => {
  const [m, m2] = ratios(await pattern({ formula: "CH3Br" }), [0, 2]);
  near(m, 100, 1e-9, "M");
  near(m2, 100 * s, 0.01, "M+2");
  near(m2, 97.3, 0.1, "M+2 textbook");
});

Deno.test("CHBr3: M:M+2:M+4:M+6 ≈ 1:3:3:1", async () => {
  const values = ratios(await pattern({ formula: "CHBr3" }), [0, 2, 4, 6]);
  const exact = relative([1, 3 * s, 3 * s * s, s * s * s]);
  values.forEach((value, i) => near(value, exact[i], 0.02, `CHBr3 peak ${i}`));
  [34, 100, 97, 32].forEach((value, i) => near(values[i], value, 1, `CHBr3 textbook ${i}`));
});

Deno.test("CH3Cl: M:M+2 ≈ 100:32 (3:1)", async () => {
  const [m, m2] = ratios(await pattern({ formula: "CH3Cl" }), [0, 2]);
  near(m, 100, 1e-9, "M");
  near(m2, 100 * r, 0.01, "M+2");
  near(m2, 32, 0.5, "M+2 textbook");
});

// (c) Charge.

// CODATA 2018 proton mass in Da (Tiesinga et al., Rev. Mod. Phys. 93, 025010, 2021). Adding a
// proton to the PubChem monoisotopic mass gives the published [M+H]+ of caffeine, 195.0877.
const PROTON_DA = 1.007276466621;
const CAFFEINE_MONO = 194.08037557;

Deno.test("charge: [M+H]+, [M+2H]2+ and [M-H]- follow m/z = (M - z·mₑ)/|z|", async () => {
  const protonated = await pattern({ formula: "C8H11N4O2", charge: 1 });
  near(protonated.peaks[0].mz, CAFFEINE_MONO + PROTON_DA, 2e-6, "[M+H]+");
  near(protonated.peaks[0].mz, 195.0877, 5e-5, "[M+H]+ published");

  const doubly = await pattern({ formula: "C8H12N4O2", charge: 2 });
  near(doubly.peaks[0].mz, (CAFFEINE_MONO + 2 * PROTON_DA) / 2, 2e-6, "[M+2H]2+");
  near(doubly.peaks[1].mz - doubly.peaks[0].mz, 0.5013, 1e-3, "isotope spacing at z = 2");
  assert.equal(doubly.monoisotopicMass, (await pattern({ formula: "C8H12N4O2" })).monoisotopicMass);

  const deprotonated = await pattern({ formula: "C8H9N4O2", charge: -1 });
  near(deprotonated.peaks[0].mz, CAFFEINE_MONO - PROTON_DA, 2e-6, "[M-H]-");
});

Deno.test("property: m/z·|z| + z·mₑ gives back the neutral masses", async () => {
  const neutral = await pattern({ formula: "C254H377N65O75S6" });
  const electron = 5.48579909065e-4; // CODATA 2018
  for (const charge of [-3, -1, 1, 2, 5]) {
    const ion = await pattern({ formula: "C254H377N65O75S6", charge });
    assert.equal(ion.peaks.length, neutral.peaks.length);
    ion.peaks.forEach((peak, i) => {
      near(peak.mz * Math.abs(charge) + charge * electron, neutral.peaks[i].mz, 1e-9, "mass");
    });
  }
});

// (d) Hydrates.

Deno.test("hydrate: CuSO4·5H2O is CuH10O9S with molar mass 249.685", async () => {
  const output = await pattern({ formula: "CuSO4·5H2O" });
  assert.equal(output.formula, "CuH10O9S");
  // CRC Handbook of Chemistry and Physics (via the Wikipedia infobox): 249.685 g/mol; PubChem
  // lists 249.68 g/mol for copper(II) sulfate pentahydrate.
  near(output.averageMass, 249.685, 0.005, "average mass");
  assert.deepEqual(await pattern({ formula: "CuSO4.5H2O" }), output);
  assert.deepEqual(await pattern({ formula: " Cu(H2O)5SO4 " }), output);
});

// (e) Bovine insulin.

// IsoSpec README (github.com/MatteoLacki/IsoSpec; Łącki et al., Anal. Chem. 2017, 89, 3272),
// fine structure of bovine insulin C254H377N65O75S6: [mass Da, probability].
const ISOSPEC_INSULIN = [
  [5731.6075806688, 0.1123023514],
  [5732.610935504, 0.1028778936],
  [5730.6042258336, 0.081403747],
  [5733.6142903392, 0.070402766],
  [5734.6176451744, 0.038389606],
  [5733.6033765247, 0.0301636876],
  [5729.6008709984, 0.0293871014],
  [5734.6067313599, 0.027632339],
  [5732.604615564, 0.0266824062],
];

Deno.test("insulin: monoisotopic mass and unit pattern of C254H377N65O75S6", async () => {
  const output = await pattern({ formula: "C254H377N65O75S6" });
  near(output.monoisotopicMass, 5729.6008709984, 1e-6, "monoisotopic mass");
  near(output.peaks[0].mz, 5729.6008709984, 1e-6, "first peak");
});

Deno.test("insulin: fine structure matches IsoSpec", async () => {
  // IsoSpec's bundled isotope table differs from NIST SRD 144 in the last digits of the masses
  // and slightly in the abundances, so masses agree to 1e-7 Da and probabilities to ~2.5%.
  const output = await pattern({ formula: "C254H377N65O75S6", resolution: 1e-4, threshold: 1 });
  const top = ISOSPEC_INSULIN[0][1];
  const base = output.peaks.find((peak) => peak.abundance === 100);
  near(base?.mz ?? 0, ISOSPEC_INSULIN[0][0], 1e-6, "most abundant isotopologue");
  for (const [mass, probability] of ISOSPEC_INSULIN) {
    const peak = output.peaks.reduce((a, b) =>
      Math.abs(b.mz - mass) < Math.abs(a.mz - mass) ? b : a
    );
    near(peak.mz, mass, 1e-6, `mass near ${mass}`);
    near(peak.abundance / (100 * probability / top), 1, 0.03, `relative probability at ${mass}`);
  }
});

Deno.test("insulin: unit resolution under 50 ms, 0.01 Da under 1 s", async () => {
  const input = isotopePattern.input.parse({ formula: "C254H377N65O75S6" });
  await isotopePattern.run(input, context);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await isotopePattern.run(input, context);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  assert.ok(times[2] < 50, `unit resolution took ${times[2]} ms`);
  const fine = isotopePattern.input.parse({ formula: "C254H377N65O75S6", resolution: 0.01 });
  const start = performance.now();
  const output = await isotopePattern.run(fine, context);
  const elapsed = performance.now() - start;
  assert.ok(elapsed < 1000, `0.01 Da resolution took ${elapsed} ms`);
  const unit = await isotopePattern.run(input, context);
  assert.ok(output.peaks.length > unit.peaks.length, "fine structure splits nominal groups");
});

Deno.test("fine structure too large for the work limit fails with a ModuleError", async () => {
  const input = isotopePattern.input.parse({ formula: "Sn12Xe12Cd12Te12", resolution: 0.001 });
  await assert.rejects(
    async () => await isotopePattern.run(input, context),
    (error: Error) => {
      assert.equal(error.name, "ModuleError");
      assert.match(error.message, /^The fine structure of "Cd12Sn12Te12Xe12" at 0.001 Da/);
      return true;
    },
  );
  assert.throws(
    () => isotopeDistribution({ Sn: 40 }, { resolution: 0.001, maxProducts: 1000 }),
    DistributionTooLargeError,
  );
});

// Validation.

Deno.test("input: defaults and field issues on formula", () => {
  assert.deepEqual(isotopePattern.input.parse({ formula: "H2O" }), {
    formula: "H2O",
    charge: 0,
    resolution: "unit",
    threshold: 0.01,
  });
  const cases: Array<[string, string]> = [
    ["XxO2", 'Unknown element "Xx" in formula "XxO2"'],
    ["", "Formula must not be empty"],
    ["Ca(OH", 'Missing ")" for "(" at position 3 in formula "Ca(OH"'],
  ];
  for (const [formula, message] of cases) {
    const result = isotopePattern.input.safeParse({ formula });
    assert.equal(result.success, false);
    assert.deepEqual(result.error?.issues.map((issue) => [issue.path, issue.message]), [
      [["formula"], message],
    ]);
  }
  for (
    const bad of [
      { formula: "H2O", charge: 1.5 },
      { formula: "H2O", resolution: 0 },
      { formula: "H2O", resolution: "high" },
      { formula: "H2O", resolution: 1e-6 },
      { formula: "H2O", threshold: -1 },
      { formula: "H2O", threshold: 101 },
    ]
  ) {
    assert.equal(isotopePattern.input.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

Deno.test("output: sorted peaks, base peak 100, threshold respected, valid schema", async () => {
  for (const threshold of [0, 0.01, 1, 50]) {
    const output = await pattern({ formula: "C60", threshold });
    assert.ok(isotopePattern.output.safeParse(output).success);
    assert.ok(output.peaks.some((peak) => peak.abundance === 100));
    for (let i = 0; i < output.peaks.length; i++) {
      assert.ok(output.peaks[i].abundance >= threshold && output.peaks[i].abundance <= 100);
      if (i > 0) assert.ok(output.peaks[i].mz > output.peaks[i - 1].mz);
    }
  }
});

Deno.test("plot: sticks of m/z against abundance", async () => {
  const input = isotopePattern.input.parse({ formula: "CH2Cl2", charge: 1 });
  const output = await isotopePattern.run(input, context);
  const spec = isotopePattern.plot?.(input, output);
  assert.equal(spec?.series[0].kind, "sticks");
  assert.deepEqual(spec?.series[0].points, output.peaks.map((p) => [p.mz, p.abundance]));
  assert.equal(spec?.xLabel, "m/z");
});

Deno.test("descriptor: complete, with examples that reproduce their sources", async () => {
  assert.equal(isotopePattern.key, "ms.isotope-pattern");
  assert.equal(isotopePattern.version, "1.0.0");
  assert.equal(isotopePattern.domain, "ms");
  for (const list of [isotopePattern.citations, isotopePattern.limitations]) {
    assert.ok(list.length > 0);
  }
  assert.ok(isotopePattern.learnerNotes.length >= 3);
  assert.ok(isotopePattern.examples.length > 0);
  for (const example of isotopePattern.examples) {
    assert.ok(example.source.length > 0);
    const output = isotopePattern.output.parse(await pattern(example.input));
    assert.deepEqual(expectedSubsetMismatches(output, example.expected), [], example.name);
  }
});

// Properties.

Deno.test("property: isotopologue fractions sum to 1 before thresholding", () => {
  fc.assert(
    fc.property(compositionArbitrary(200, 6), (counts) => {
      const total = isotopeDistribution(counts).reduce((sum, peak) => sum + peak.probability, 0);
      near(total, 1, 1e-9, "unit total");
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(
      fineCase,
      ([counts, resolution]) => {
        const peaks = isotopeDistribution(counts, { resolution });
        near(peaks.reduce((sum, peak) => sum + peak.probability, 0), 1, 1e-9, "fine total");
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("property: the mean of the distribution is the average mass", () => {
  fc.assert(
    fc.property(compositionArbitrary(200, 6), (counts) => {
      const peaks = isotopeDistribution(counts);
      const mean = peaks.reduce((sum, peak) => sum + peak.probability * peak.massDa, 0);
      near(mean / averageMass(counts), 1, 1e-9, "mean mass");
    }),
    { numRuns: 200 },
  );
});

Deno.test("property: permuting the element order does not change the result", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.tuple(compositionArbitrary(100, 5), fc.constant<"unit" | number>("unit")),
        fineCase,
      ).chain(([counts, resolution]) =>
        fc.tuple(
          fc.constant(counts),
          fc.shuffledSubarray(Object.keys(counts), { minLength: Object.keys(counts).length }),
          fc.constant(resolution),
        )
      ),
      async ([counts, order, resolution]) => {
        const first = await pattern({ formula: written(counts, Object.keys(counts)), resolution });
        const second = await pattern({ formula: written(counts, order), resolution });
        assert.deepEqual(second, first);
      },
    ),
    { numRuns: 100 },
  );
});

Deno.test("property: monoisotopic mass is the sum of most-abundant isotope masses", async () => {
  await fc.assert(
    fc.asyncProperty(compositionArbitrary(100, 6), async (counts) => {
      const formula = written(counts, Object.keys(counts));
      const output = await pattern({ formula });
      const expected = Object.entries(parseFormula(formula)).reduce(
        (sum, [symbol, count]) => sum + count * (MOST_ABUNDANT.get(symbol) ?? NaN),
        0,
      );
      near(output.monoisotopicMass, expected, 1e-9 * expected, "monoisotopic mass");
    }),
    { numRuns: 200 },
  );
});

Deno.test("property: schema validation never throws on arbitrary input", () => {
  fc.assert(
    fc.property(fc.anything(), fc.string({ maxLength: 30 }), (value, formula) => {
      isotopePattern.input.safeParse(value);
      isotopePattern.input.safeParse({ formula });
    }),
    { numRuns: 1000 },
  );
});
