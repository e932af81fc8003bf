/**
 * The `ms.neutral-losses` module: neutral losses from a precursor ion,
 * matched against a table of common losses.
 *
 * @module
 */
import * as z from "zod";
import { defineModule, type LabModule, type PlotSpec, unitMeta } from "../../contract.ts";
import { legendNumber, subscriptFormula } from "../_plot_text.ts";
import { roundToSignificant, tidyNumbers } from "../_stats.ts";
import { lossCandidates } from "./_losses.ts";

/** One centroided peak of a mass spectrum. */
export interface SpectrumPeak {
  /** m/z of the peak. */
  mz: number;
  /** Intensity in any consistent unit (counts, % or ‰). */
  intensity: number;
}

/** Validated input of `ms.neutral-losses`. */
export interface NeutralLossesInput {
  /** m/z of the singly charged precursor (molecular) ion. */
  precursorMz: number;
  /** The spectrum's peaks. */
  peaks: SpectrumPeak[];
  /** Largest allowed difference between an observed loss and a tabulated one, in Da. */
  tolerance: number;
}

/** A tabulated neutral loss matching an observed one. */
export interface LossAssignment {
  /** The neutral's formula, such as `CH3`. */
  formula: string;
  /** What is lost, such as `methyl radical`. */
  name: string;
  /** Monoisotopic mass of the neutral, in Da. */
  massDa: number;
  /** True for odd-electron neutrals (an odd electron count); false for even-electron ones, the O atom included. */
  radical: boolean;
}

/** One peak with its loss from the precursor and the candidate neutrals. */
export interface LossPeak {
  /** m/z of the peak. */
  mz: number;
  /** Intensity as given. */
  intensity: number;
  /** Intensity in % of the base peak. */
  relativeIntensity: number;
  /** precursorMz − mz, in Da; zero or negative at and above the precursor. */
  loss: number;
  /** Every tabulated loss within the tolerance, closest first. */
  assignments: LossAssignment[];
}

/** Output of `ms.neutral-losses`. */
export interface NeutralLossesOutput {
  /** The most intense peak (the highest m/z among equals). */
  basePeak: SpectrumPeak;
  /** Every peak, sorted by decreasing m/z (smallest loss first). */
  peaks: LossPeak[];
  /** Peaks above the precursor and other cautions. */
  warnings: string[];
}

const peakSchema = z.object({
  mz: z.number().positive().meta(unitMeta("u")).describe(
    "m/z of the peak, in u (Da) for a singly charged ion",
  ),
  intensity: z.number().min(0).meta(unitMeta("1")).describe(
    "Intensity, dimensionless (counts or any consistent arbitrary scale)",
  ),
});

const inputSchema: z.ZodType<NeutralLossesInput> = z.object({
  precursorMz: z.number().positive().meta(unitMeta("u")).describe(
    "m/z of the singly charged precursor ion, in u (Da), usually the molecular ion M+•",
  ),
  peaks: z.array(peakSchema).min(1, { error: "At least one peak is required", abort: true }).refine(
    (peaks) => peaks.some((peak) => peak.intensity > 0),
    "At least one peak must have a positive intensity",
  ).describe("Centroided peaks of the spectrum"),
  tolerance: z.number().positive().default(0.5).meta(unitMeta("u")).describe(
    "Largest difference in Da between an observed and a tabulated loss",
  ),
});

const assignmentSchema = z.object({
  formula: z.string().describe("Formula of the neutral lost"),
  name: z.string().describe("Name of the neutral lost"),
  massDa: z.number().meta(unitMeta("u")).describe("Monoisotopic mass of the neutral in Da"),
  radical: z.boolean().describe(
    "True for odd-electron neutrals (odd total electron count Σ Zᵢ·nᵢ, one unpaired electron); " +
      "false for even-electron neutrals, including the triplet O atom",
  ),
});

const outputSchema: z.ZodType<NeutralLossesOutput> = z.object({
  basePeak: z.object({
    mz: z.number().meta(unitMeta("u")).describe(
      "m/z of the base peak (Th, taken as Da for singly charged ions)",
    ),
    intensity: z.number().meta(unitMeta("1")).describe(
      "Intensity of the base peak, in the input's unit",
    ),
  }).describe("The most intense peak"),
  peaks: z.array(z.object({
    mz: z.number().meta(unitMeta("u")).describe(
      "m/z of the peak (Th, taken as Da for singly charged ions)",
    ),
    intensity: z.number().meta(unitMeta("1")).describe("Intensity as given, in the input's unit"),
    relativeIntensity: z.number().meta(unitMeta("%")).describe("Intensity in % of the base peak"),
    loss: z.number().meta(unitMeta("u")).describe("precursorMz − mz in Da"),
    assignments: z.array(assignmentSchema).describe(
      "Every tabulated neutral loss within the tolerance, closest first",
    ),
  })).describe("Peaks sorted by decreasing m/z"),
  warnings: z.array(z.string()).describe(
    "Peaks above the precursor (isotope peaks, or a precursor that is not the molecular ion)",
  ),
});

function run(input: NeutralLossesInput): NeutralLossesOutput {
  const sorted = input.peaks.map((peak) => ({ mz: peak.mz, intensity: peak.intensity }))
    .sort((a, b) => b.mz - a.mz);
  const basePeak = sorted.reduce((best, peak) => peak.intensity > best.intensity ? peak : best);
  return tidyNumbers({
    basePeak,
    warnings: aboveThePrecursor(sorted, input.precursorMz),
    peaks: sorted.map((peak) => {
      // Matching the reported (tidied) loss keeps the assignments consistent with the output.
      const loss = roundToSignificant(input.precursorMz - peak.mz, 15);
      return {
        mz: peak.mz,
        intensity: peak.intensity,
        // Dividing first keeps the base peak at exactly 100 and every other peak at most 100.
        relativeIntensity: 100 * (peak.intensity / basePeak.intensity),
        loss,
        assignments: lossCandidates(loss, input.tolerance).map((candidate) => ({
          formula: candidate.formula,
          name: candidate.name,
          massDa: candidate.massDa,
          radical: candidate.radical,
        })),
      };
    }),
  });
}

/** One warning for every peak above the precursor, listing the first few. */
function aboveThePrecursor(sorted: SpectrumPeak[], precursorMz: number): string[] {
  const above = sorted.filter((peak) => peak.mz > precursorMz).reverse();
  if (above.length === 0) return [];
  const shown = above.slice(0, 5).map((peak) => peak.mz).join(", ");
  const more = above.length > 5 ? ` and ${above.length - 5} more` : "";
  return [
    `${above.length} ${above.length === 1 ? "peak lies" : "peaks lie"} above the precursor ` +
    `m/z ${precursorMz} (m/z ${shown}${more}): isotope peaks, or the precursor is not the ` +
    "molecular ion; they get no assignments",
  ];
}

/** The most loss labels one plot carries. */
const MAX_LABELS = 40;

// Each assigned peak is labelled with the neutral lost and the loss, as `−CH₃, 15`; two
// candidates share the label as `−CO/C₂H₄, 28`. The precursor gets its own marker.
function plot(input: NeutralLossesInput, output: NeutralLossesOutput): PlotSpec {
  const assigned = output.peaks.filter((peak) => peak.assignments.length > 0 && peak.loss > 0);
  const precursor = output.peaks.find((peak) => peak.mz === input.precursorMz);
  // The most intense assigned peaks are labelled; a crowded spectrum keeps the rest as markers.
  const labelled = assigned.length <= MAX_LABELS
    ? assigned
    : [...assigned].sort((a, b) => b.relativeIntensity - a.relativeIntensity).slice(0, MAX_LABELS);
  const annotations = labelled.map((peak) => ({
    x: peak.mz,
    y: peak.relativeIntensity,
    text: `−${peak.assignments.slice(0, 2).map((a) => subscriptFormula(a.formula)).join("/")}, ${
      legendNumber(peak.loss)
    }`,
  }));
  const precursorY = precursor?.relativeIntensity ?? 0;
  annotations.push({ x: input.precursorMz, y: precursorY, text: `M, ${input.precursorMz}` });
  return {
    title: `Neutral losses from the precursor at m/z ${input.precursorMz}`,
    xLabel: "m/z",
    yLabel: "Relative intensity (%)",
    series: [
      {
        kind: "sticks",
        name: "Spectrum",
        points: output.peaks.map((peak) => [peak.mz, peak.relativeIntensity]),
      },
      {
        kind: "points",
        name: "Assigned loss",
        points: assigned.map((peak) => [peak.mz, peak.relativeIntensity]),
      },
      {
        kind: "points",
        name: `Precursor M (m/z ${input.precursorMz})`,
        points: [[input.precursorMz, precursorY]],
      },
    ],
    annotations,
  };
}

/**
 * The `ms.neutral-losses` module: for each peak of a spectrum, the mass lost
 * from the precursor ion, the relative intensity, and every common neutral
 * loss that matches within a tolerance.
 *
 * @example
 * ```ts
 * import { neutralLosses } from "./_neutral_losses.ts";
 * import assert from "node:assert";
 * const input = neutralLosses.input.parse({
 *   precursorMz: 58,
 *   peaks: [{ mz: 58, intensity: 30 }, { mz: 43, intensity: 100 }],
 * });
 * const output = await neutralLosses.run(input, { progress() {} });
 * assert.strictEqual(output.peaks[1].assignments[0].formula, "CH3");
 * ```
 */
export const neutralLosses: LabModule<NeutralLossesInput, NeutralLossesOutput> = defineModule({
  key: "ms.neutral-losses",
  version: "1.0.0",
  title: "Neutral losses",
  domain: "ms",
  summary:
    "Lists the neutral losses from a precursor ion and matches them to common neutral fragments.",
  method: "Peaks are sorted by decreasing m/z. For each peak the loss is precursorMz − mz " +
    "(both ions are taken as singly charged) and the relative intensity is 100 × intensity / " +
    "base-peak intensity, the base peak being the most intense one. Each positive loss is " +
    "compared with a table of 45 common neutral losses from electron-ionisation spectra " +
    "(McLafferty & Tureček; Lange's Handbook), and every entry whose mass lies within the " +
    "tolerance is listed, closest first, so isobaric candidates such as CO and C2H4 at 28 Da " +
    "are all shown. The table stores only formulas; their monoisotopic masses are computed from " +
    "the NIST isotope data of the chemical-elements package. Peaks at or above the precursor " +
    "have a loss of zero or less and no assignments, and peaks above it raise a warning. A " +
    "neutral is flagged odd-electron (radical) when its electron count Σ Zᵢ·nᵢ is odd, so CH3 " +
    "and NO are, while H2O and the O atom (8 electrons, a triplet diradical but even-electron) " +
    "are not. Reported numbers are rounded to 15 " +
    "significant figures, which removes binary floating-point noise and nothing else.",
  citations: [
    "McLafferty, F. W.; Tureček, F. Interpretation of Mass Spectra, 4th ed.; University Science " +
    "Books: Mill Valley, CA, 1993.",
    "Dean, J. A. Lange's Handbook of Chemistry, 15th ed.; McGraw-Hill: New York, 1999; " +
    "Section 7.8.2.4, Characteristic Low-Mass Neutral Fragments from the Molecular Ion.",
    "Silverstein, R. M.; Webster, F. X.; Kiemle, D. J. Spectrometric Identification of Organic " +
    "Compounds, 7th ed.; John Wiley & Sons: Hoboken, NJ, 2005; Chapter 1, Mass Spectrometry.",
    "Coursey, J. S.; Schwab, D. J.; Tsai, J. J.; Dragoset, R. A. Atomic Weights and Isotopic " +
    "Compositions (version 4.1). NIST Standard Reference Database 144; National Institute of " +
    "Standards and Technology: Gaithersburg, MD, 2015. " +
    "https://www.nist.gov/pml/atomic-weights-and-isotopic-compositions-relative-atomic-masses",
  ],
  limitations: [
    "Assumes singly charged precursor and fragment ions.",
    "Only losses from the precursor are computed; consecutive losses between fragments (such " +
    "as 43 → 15 in acetone, a loss of CO) are not.",
    "The table holds 45 common losses from electron-ionisation spectra; other losses, and " +
    "rearrangement losses specific to a compound class, get no assignment.",
    "A match is a candidate, not proof: at unit resolution isobaric neutrals (CO, C2H4; CHO, " +
    "C2H5; CH2O, NO) cannot be told apart, and a tight tolerance needs accurate masses.",
    "Tabulated masses are monoisotopic; losses involving heavier isotopes, for example from the " +
    "M+2 peak of a chlorine compound, are offset by the isotope mass difference.",
  ],
  mainOutput: "basePeak.mz",
  learnerNotes: [
    "In electron ionisation the molecule loses an electron to form the molecular ion M+•, which " +
    "then breaks apart. Each fragment ion is the molecular ion minus a neutral piece, and the " +
    "neutral is never detected: only the gap between the molecular ion and the fragment tells " +
    "you what was lost.",
    "Small losses are diagnostic: 15 Da is a methyl radical, 18 Da water (alcohols), 28 Da " +
    "CO or ethylene, 29 Da an ethyl radical or CHO, 31 Da a methoxy radical (methyl esters and " +
    "ethers), and 35 or 36 Da Cl or HCl.",
    "Losses of about 4 to 14 Da and 21 to 25 Da are rarely observed, so a peak at such a " +
    "distance below the highest-mass peak suggests that the highest-mass peak is not the " +
    "molecular ion.",
    "An odd-electron molecular ion usually fragments by losing a radical (such as CH3•) to give " +
    "an even-electron ion, or by losing a stable molecule (such as H2O or C2H4) in a " +
    "rearrangement to give another odd-electron ion.",
    "Several neutrals share a nominal mass: CO (27.995 Da) and C2H4 (28.031 Da) both weigh 28. " +
    "At unit resolution both are possible; exact-mass measurements with a tolerance of a few " +
    "mDa can tell them apart.",
    "The base peak is the most intense peak, set to 100%; it is often a stable fragment rather " +
    "than the molecular ion, as in acetone (m/z 43, CH3CO+) and ethanol (m/z 31, CH2OH+).",
  ],
  examples: [
    {
      name: "acetone",
      source: "Acetone EI spectrum (NIST Chemistry WebBook, SRD 69): molecular ion m/z 58 loses " +
        "CH3• to give the base peak m/z 43 (CH3CO+), as interpreted in McLafferty & Tureček, " +
        "Interpretation of Mass Spectra, 4th ed., 1993. Intensities are rounded illustrative " +
        "values; only positions and assignments are from the source.",
      input: {
        precursorMz: 58,
        peaks: [{ mz: 58, intensity: 30 }, { mz: 43, intensity: 100 }, { mz: 15, intensity: 20 }],
      },
      expected: {
        basePeak: { mz: 43, intensity: 100 },
        peaks: [
          { mz: 58, loss: 0, relativeIntensity: 30, assignments: [] },
          {
            mz: 43,
            loss: 15,
            relativeIntensity: 100,
            assignments: [{ formula: "CH3", name: "methyl radical", radical: true }],
          },
          {
            mz: 15,
            loss: 43,
            relativeIntensity: 20,
            assignments: [
              { formula: "CH3CO", name: "acetyl radical", radical: true },
              { formula: "C3H7", name: "propyl radical", radical: true },
            ],
          },
        ],
      },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run,
  plot,
});
