/**
 * The `ms.isotope-pattern` module: monoisotopic and average mass and the
 * isotopic pattern of a molecular formula.
 *
 * @module
 */
import * as z from "zod";
import {
  defineModule,
  type LabModule,
  ModuleError,
  type PlotSpec,
  unitMeta,
} from "../../contract.ts";
import { subscriptFormula } from "../_plot_text.ts";
import { tidyNumbers } from "../_stats.ts";
import { FormulaError, hillFormula, parseFormula } from "./_formula.ts";
import { averageMass, ELECTRON_MASS_DA, electronCount, monoisotopicMass } from "./_isotopes.ts";
import { DistributionTooLargeError, isotopeDistribution, type MassPeak } from "./_pattern.ts";

/** Validated input of `ms.isotope-pattern`. */
export interface IsotopePatternInput {
  /** Molecular formula, such as `C8H10N4O2`, `Ca(OH)2` or `CuSO4·5H2O`. */
  formula: string;
  /** Ion charge z; 0 for the neutral molecule. */
  charge: number;
  /** `"unit"` for nominal-mass grouping, or the peak-merging distance in Da (m/z units). */
  resolution: "unit" | number;
  /** Peaks below this abundance (% of the base peak) are dropped. */
  threshold: number;
}

/** One peak of an isotope pattern. */
export interface IsotopePeak {
  /** Abundance-weighted mean m/z of the peak; the mass in Da when the charge is 0. */
  mz: number;
  /** Abundance relative to the base peak, in % (base peak = 100). */
  abundance: number;
}

/** Output of `ms.isotope-pattern`. */
export interface IsotopePatternOutput {
  /** The formula in Hill notation. */
  formula: string;
  /** Neutral monoisotopic mass in Da (most abundant isotope of each element). */
  monoisotopicMass: number;
  /** Neutral average (molar) mass in Da, from the natural isotopic compositions. */
  averageMass: number;
  /** The ion charge the peaks were computed for. */
  charge: number;
  /** Peaks sorted by m/z. */
  peaks: IsotopePeak[];
}

/** The smallest accepted resolution, in Da; finer than any instrument resolves. */
const MIN_RESOLUTION_DA = 1e-5;

const formulaField = z.string().trim().superRefine((value, context) => {
  try {
    parseFormula(value);
  } catch (error) {
    if (!(error instanceof FormulaError)) throw error;
    context.addIssue({ code: "custom", message: error.message });
  }
});

const inputSchema: z.ZodType<IsotopePatternInput> = z.object({
  formula: formulaField.describe(
    "Molecular formula in any element order; parentheses or brackets with multipliers " +
      "(Ca(OH)2, (CH3)3C), and hydrate dots with optional multipliers (CuSO4·5H2O, CuSO4.5H2O)",
  ),
  charge: z.number().int().default(0).meta(unitMeta("1")).describe(
    "Ion charge z, in elementary charges (dimensionless); the formula must already contain any added or removed atoms (for [M+H]+ add one H)",
  ),
  resolution: z.union([
    z.literal("unit"),
    z.number().min(MIN_RESOLUTION_DA, `Resolution must be at least ${MIN_RESOLUTION_DA} Da`),
  ], { error: 'Resolution must be "unit" or a number of Da' }).default("unit").meta(unitMeta("u"))
    .describe(
      '"unit" groups isotopologues by nominal mass; a number (Da, on the m/z axis) computes the ' +
        "fine structure and merges peaks closer than that",
    ),
  threshold: z.number().min(0).max(100).default(0.01).meta(unitMeta("%")).describe(
    "Relative abundance (% of the base peak) below which peaks are dropped",
  ),
});

const outputSchema: z.ZodType<IsotopePatternOutput> = z.object({
  formula: z.string().describe("The formula in Hill notation"),
  monoisotopicMass: z.number().meta(unitMeta("u")).describe(
    "Neutral monoisotopic mass in Da: the sum of the most abundant isotope mass of each atom",
  ),
  averageMass: z.number().meta(unitMeta("u")).describe(
    "Neutral average mass in Da, from the natural isotopic compositions of the elements",
  ),
  charge: z.number().int().meta(unitMeta("1")).describe(
    "Ion charge z used for the m/z values, in elementary charges (dimensionless)",
  ),
  peaks: z.array(z.object({
    mz: z.number().meta(unitMeta("u")).describe(
      "Abundance-weighted mean m/z, (M − z·mₑ)/|z|, in u (Da) per elementary charge; " +
        "the neutral mass in Da when z = 0",
    ),
    abundance: z.number().meta(unitMeta("%")).describe("Relative abundance in % of the base peak"),
  })).describe("Isotope peaks sorted by increasing m/z"),
});

function run(input: IsotopePatternInput): IsotopePatternOutput {
  const counts = parseFormula(input.formula);
  const z = input.charge;
  checkCharge(counts, z);
  const perCharge = Math.max(1, Math.abs(z));
  // The requested resolution is on the m/z axis; the distribution is computed in neutral mass.
  let distribution: MassPeak[];
  try {
    distribution = isotopeDistribution(counts, {
      resolution: input.resolution === "unit" ? "unit" : input.resolution * perCharge,
    });
  } catch (error) {
    if (!(error instanceof DistributionTooLargeError)) throw error;
    throw new ModuleError(
      `The fine structure of "${hillFormula(counts)}" at ${input.resolution} Da is too large ` +
        "to compute; use a coarser resolution",
    );
  }
  const base = distribution.reduce((max, peak) => Math.max(max, peak.probability), 0);
  const peaks: IsotopePeak[] = [];
  for (const peak of distribution) {
    const abundance = 100 * (peak.probability / base);
    if (abundance < input.threshold) continue;
    const mz = z === 0 ? peak.massDa : (peak.massDa - z * ELECTRON_MASS_DA) / perCharge;
    peaks.push({ mz, abundance });
  }
  peaks.sort((a, b) => a.mz - b.mz);
  const nonPositive = peaks.find((peak) => !(peak.mz > 0));
  if (nonPositive) {
    throw new ModuleError(
      `The charge ${z} gives a non-positive m/z (${nonPositive.mz}) for "${hillFormula(counts)}"`,
    );
  }
  return tidyNumbers({
    formula: hillFormula(counts),
    monoisotopicMass: monoisotopicMass(counts),
    averageMass: averageMass(counts),
    charge: z,
    peaks,
  });
}

/**
 * A cation cannot lose more electrons than the neutral formula has; the same
 * bound caps an anion's extra electrons, as a sanity limit.
 */
function checkCharge(counts: Record<string, number>, z: number): void {
  const electrons = electronCount(counts);
  if (Math.abs(z) > electrons) {
    const formula = hillFormula(counts);
    throw new ModuleError(
      z > 0
        ? `The charge +${z} removes more electrons than "${formula}" has (${electrons}); ` +
          `a cation of it can have at most z = +${electrons}`
        : `The charge ${z} adds more electrons than "${formula}" has (${electrons}); ` +
          `LabOS accepts anions of it down to z = -${electrons}`,
    );
  }
}

// Ions are on an m/z axis, the neutral molecule on a mass axis. At unit resolution each
// peak is labelled by its nominal offset from the monoisotopic mass (M, M+1, M+2 …).
function plot(input: IsotopePatternInput, output: IsotopePatternOutput): PlotSpec {
  const z = output.charge;
  const ion = z === 0 ? "" : ` (z = ${z > 0 ? "+" : ""}${z})`;
  const perCharge = Math.max(1, Math.abs(z));
  const annotations = input.resolution === "unit" && output.peaks.length <= 16
    ? output.peaks.map((peak) => {
      const offset = Math.round(
        peak.mz * perCharge + z * ELECTRON_MASS_DA - output.monoisotopicMass,
      );
      return {
        x: peak.mz,
        y: peak.abundance,
        text: offset === 0 ? "M" : `M${offset > 0 ? "+" : "−"}${Math.abs(offset)}`,
      };
    })
    : [];
  return {
    title: `Isotope pattern of ${subscriptFormula(output.formula)}${ion}`,
    xLabel: z === 0 ? "Mass (Da)" : "m/z",
    yLabel: "Relative abundance (%)",
    series: [{
      kind: "sticks",
      name: input.resolution === "unit" ? "Unit resolution" : `Resolution ${input.resolution} Da`,
      points: output.peaks.map((peak) => [peak.mz, peak.abundance]),
    }],
    annotations,
  };
}

/**
 * The `ms.isotope-pattern` module: parses a molecular formula and computes its
 * monoisotopic mass, average mass and isotope pattern, at unit resolution or
 * as fine structure, for a neutral molecule or an ion of any charge.
 *
 * @example
 * ```ts
 * import { isotopePattern } from "./_isotope_pattern.ts";
 * import assert from "node:assert";
 * const input = isotopePattern.input.parse({ formula: "CH2Cl2" });
 * const output = await isotopePattern.run(input, { progress() {} });
 * assert.ok(output.peaks.length > 2);
 * ```
 */
export const isotopePattern: LabModule<IsotopePatternInput, IsotopePatternOutput> = defineModule({
  key: "ms.isotope-pattern",
  version: "1.0.0",
  title: "Isotope pattern",
  domain: "ms",
  summary:
    "Computes the monoisotopic mass, average mass and isotope pattern of a molecular formula.",
  method: "The formula is parsed into element counts (parentheses, brackets and hydrate dots " +
    "with multipliers are expanded). Each element's natural isotope distribution is raised to " +
    "its atom count by binary exponentiation (repeated squaring of the isotope polynomial), and " +
    "the element distributions are multiplied together. At unit resolution every intermediate " +
    "distribution is a dense array over nominal mass that carries both probability and " +
    "probability × mass, so each peak's m/z is the exact abundance-weighted mean of its " +
    "isotopologues. For a numeric resolution the fine structure is kept as a sparse list of " +
    "(mass, probability) pairs, summed on a grid of one tenth of the resolution during each " +
    "multiplication, with peaks below 1e-9 of the tallest lumped per nominal mass; at the end, " +
    "taking peaks from the most abundant down, each joins the nearest retained peak closer than " +
    "the resolution or is retained itself, and every retained peak reports the " +
    "abundance-weighted mean m/z of its members. After every multiplication the least probable " +
    "peaks are pruned while their summed probability stays below 1e-13, so the probabilities " +
    "still sum to 1 within 1e-9. Isotope masses and abundances are the NIST (SRD 144) values " +
    "shipped by the chemical-elements package; the monoisotopic mass uses each element's most " +
    "abundant isotope, the average mass the abundance-weighted isotope masses. Ions are handled " +
    "by removing z electron masses (mₑ = 5.4857990907e-4 Da) and dividing by |z|. A charge " +
    "whose size exceeds the neutral's electron count N_e = Σ Zᵢ·nᵢ (the sum of atomic numbers) " +
    "fails the run: a cation cannot lose more electrons than it has (H at z = +2 is refused), and " +
    "the same bound caps anions as a sanity limit; every m/z must come out positive. Reported " +
    "numbers are rounded to 15 significant figures, which removes binary floating-point noise " +
    "and nothing else.",
  citations: [
    "Coursey, J. S.; Schwab, D. J.; Tsai, J. J.; Dragoset, R. A. Atomic Weights and Isotopic " +
    "Compositions (version 4.1). NIST Standard Reference Database 144; National Institute of " +
    "Standards and Technology: Gaithersburg, MD, 2015. " +
    "https://www.nist.gov/pml/atomic-weights-and-isotopic-compositions-relative-atomic-masses",
    "Yergey, J. A. A General Approach to Calculating Isotopic Distributions for Mass " +
    "Spectrometry. International Journal of Mass Spectrometry and Ion Physics 1983, 52 (2–3), " +
    "337–349. https://doi.org/10.1016/0020-7381(83)85053-0",
    "Łącki, M. K.; Startek, M.; Valkenborg, D.; Gambin, A. IsoSpec: Hyperfast Fine Structure " +
    "Calculator. Analytical Chemistry 2017, 89 (6), 3272–3277. " +
    "https://doi.org/10.1021/acs.analchem.6b01459",
    "Murray, K. K.; Boyd, R. K.; Eberlin, M. N.; Langley, G. J.; Li, L.; Naito, Y. Definitions " +
    "of Terms Relating to Mass Spectrometry (IUPAC Recommendations 2013). Pure and Applied " +
    "Chemistry 2013, 85 (7), 1515–1609. https://doi.org/10.1351/PAC-REC-06-04-06",
    "Silverstein, R. M.; Webster, F. X.; Kiemle, D. J. Spectrometric Identification of Organic " +
    "Compounds, 7th ed.; John Wiley & Sons: Hoboken, NJ, 2005; Chapter 1, Mass Spectrometry.",
    "Tiesinga, E.; Mohr, P. J.; Newell, D. B.; Taylor, B. N. CODATA Recommended Values of the " +
    "Fundamental Physical Constants: 2018. Reviews of Modern Physics 2021, 93 (2), 025010. " +
    "https://doi.org/10.1103/RevModPhys.93.025010",
    "Gohlke, C. molmass: Molecular Mass Calculations (Python package, version 2024.5.10). " +
    "https://doi.org/10.5281/zenodo.7135495",
  ],
  limitations: [
    "Uses representative terrestrial isotopic compositions; natural variation (for example of " +
    "13C, 2H, 34S or B) and isotopically labelled compounds are not modelled, and isotope " +
    "labels such as D or [13C] are not accepted in formulas.",
    "Elements without a natural isotopic composition (such as Tc, Pm or Po) are rejected.",
    "The charge only removes or adds electrons: the formula must already include adduct atoms, " +
    "so [M+H]+ needs one extra H and [M−H]− one fewer.",
    "Peaks are sticks; instrument peak shapes and resolving power that varies with m/z are not " +
    "modelled, and the numeric resolution is a fixed merging distance in m/z units.",
    "Isotopologues whose summed probability is below about 1e-9 are pruned, and in fine " +
    "structure isotopologues below 1e-9 of the tallest peak are lumped per nominal mass, so " +
    "extremely faint peaks are missing or merged.",
    "Merging at a numeric resolution is a hard assignment: peaks almost exactly one " +
    "resolution apart may merge or not depending on rounding, which can shift such peaks by a " +
    "few per cent of the base peak.",
    "Chemical bond and electron binding energies (well below 1e-6 Da per bond) are ignored.",
    "At most 1,000,000 atoms per element and a resolution of at least 1e-5 Da. Fine structure " +
    "of molecules rich in many-isotope elements (Sn, Xe, Cd, Te, Hg…) at fine resolution can " +
    "exceed the work limit, and the run then fails with a request for a coarser resolution.",
  ],
  mainOutput: "monoisotopicMass",
  learnerNotes: [
    "Most elements occur as a mixture of isotopes: atoms with the same number of protons but " +
    "different numbers of neutrons. Carbon is about 98.9% 12C and 1.1% 13C, so a molecule's " +
    "mass spectrum shows a cluster of peaks rather than a single line.",
    "The monoisotopic mass is the mass of the molecule built from the most abundant isotope of " +
    "every element (12C, 1H, 14N, 16O, 32S, 35Cl, 79Br). The average mass weights every isotope " +
    "by its abundance; it is the molar mass used for weighing, not a peak you can see.",
    "Each carbon adds about 1.1% to the M+1 peak, so M+1/M ≈ 1.1% × the number of carbons is a " +
    "quick way to count carbons in a small organic molecule.",
    "Chlorine (35Cl:37Cl ≈ 3:1) and bromine (79Br:81Br ≈ 1:1) give strong M+2 peaks. Their " +
    "patterns follow the binomial expansion: Cl2 gives 9:6:1, Br2 gives 1:2:1, and three bromines " +
    "give 1:3:3:1.",
    "In large molecules such as proteins the chance that every atom is the lightest isotope " +
    "becomes small, so the monoisotopic peak shrinks and the most abundant peak lies several Da " +
    "higher. For bovine insulin (C254H377N65O75S6) the monoisotopic peak is only about 16% of " +
    "the tallest unit-resolution peak, which lies 3 Da higher.",
    "Isotopologues with the same nominal mass differ slightly in exact mass (13C adds 1.00336 Da, " +
    "15N adds 0.99703 Da). A high-resolution instrument can separate this fine structure; a " +
    "unit-resolution instrument sees one peak at their abundance-weighted mean.",
    "An ion of charge z appears at m/z = (M − z·mₑ)/|z|, where M already includes any added " +
    "protons or atoms; isotope peaks of a doubly charged ion are therefore 0.5 apart on the m/z " +
    "axis, which is how the charge state is recognised.",
  ],
  examples: [
    {
      name: "caffeine",
      source: "Gohlke, C. molmass (version 2024.5.10) documentation example: " +
        "Formula('C8H10N4O2').spectrum(min_intensity=0.01), https://pypi.org/project/molmass/",
      input: { formula: "C8H10N4O2" },
      expected: {
        formula: "C8H10N4O2",
        monoisotopicMass: 194.080376,
        averageMass: 194.1909,
        peaks: [
          { mz: 194.080376, abundance: 100 },
          { mz: 195.082873, abundance: 10.3051 },
          { mz: 196.084968, abundance: 0.892492 },
          { mz: 197.087214, abundance: 0.055681 },
        ],
      },
    },
    {
      name: "bovine insulin",
      source: "Łącki, M. K. et al. IsoSpec: Hyperfast Fine Structure Calculator. Anal. Chem. " +
        "2017, 89, 3272–3277; README of github.com/MatteoLacki/IsoSpec (C254H377N65O75S6, " +
        "monoisotopic isotopologue 5729.6008709984 Da)",
      input: { formula: "C254H377N65O75S6" },
      expected: { formula: "C254H377N65O75S6", monoisotopicMass: 5729.6008709984 },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run,
  plot,
});
