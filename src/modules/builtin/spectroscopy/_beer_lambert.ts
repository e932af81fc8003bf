import * as z from "zod";
import {
  defineModule,
  type LabModule,
  ModuleError,
  type PlotSpec,
  uncertaintyMeta,
  unitMeta,
} from "../../contract.ts";
import { axisLabel, legendNumber } from "../_plot_text.ts";
import {
  extent,
  fitLine,
  type LineFit,
  roundToSignificant,
  tidyNumbers,
  WarningTally,
} from "../_stats.ts";

/** The UCUM unit of the concentrations; the plot's axis says the same. */
const CONCENTRATION_UNIT = "mol/L";

/** One calibration standard. */
export interface Standard {
  /** Concentration of the absorbing species, in mol/L. */
  concentrationM: number;
  /** Measured absorbance (dimensionless). */
  absorbance: number;
}

/** Validated input of {@linkcode beerLambert}. */
export interface BeerLambertInput {
  /** Optical path length of the cuvette, in centimetres. */
  pathLengthCm: number;
  /** Calibration standards. */
  standards: Standard[];
  /** Absorbances of unknown samples measured in the same way. */
  unknownAbsorbances?: number[];
  /** Replicate readings averaged into each unknown absorbance, m in Harvey eq. 5.25. */
  replicateReadings: number;
}

/** An unknown sample's concentration. */
export interface UnknownResult {
  /** Its absorbance. */
  absorbance: number;
  /** Its concentration from the calibration line, in mol/L. */
  concentrationM: number;
  /** Standard uncertainty of the concentration from the calibration (Harvey eq. 5.25), in mol/L; null with only two standards. */
  concentrationStandardErrorM: number | null;
}

/** Output of {@linkcode beerLambert}. */
export interface BeerLambertOutput {
  /** Molar absorptivity ε = slope/path length, in L/(mol·cm). */
  molarAbsorptivity: number;
  /** Standard error of ε, in L/(mol·cm); null with only two standards. */
  molarAbsorptivityStandardError: number | null;
  /** Intercept of absorbance against concentration (absorbance at zero concentration). */
  intercept: number;
  /** Standard error of the intercept (absorbance); null with only two standards. */
  interceptStandardError: number | null;
  /** Residual standard deviation s_r of the calibration (absorbance); null with only two standards. */
  residualStandardDeviation: number | null;
  /** R² of the calibration line. */
  rSquared: number;
  /** Concentrations of the unknowns, in input order. */
  unknowns: UnknownResult[];
  /** Absorbances outside the linear range, extrapolated unknowns and other cautions. */
  warnings: string[];
}

/** Absorbance above which Beer's law usually stops being linear in practice. */
export const MAX_LINEAR_ABSORBANCE = 1.5;

const inputSchema = z.object({
  pathLengthCm: z.number().positive().default(1).meta(unitMeta("cm")).describe(
    "Optical path length of the cuvette, in centimetres; 1 by default",
  ),
  standards: z.array(z.object({
    concentrationM: z.number().nonnegative().meta(unitMeta(CONCENTRATION_UNIT)).describe(
      "Concentration of the absorbing species in the standard, in mol/L (0 for a blank)",
    ),
    absorbance: z.number().meta(unitMeta("1")).describe(
      "Measured absorbance of the standard (dimensionless)",
    ),
  })).min(2).describe(
    "Calibration standards at two or more different concentrations, measured at one wavelength",
  ),
  unknownAbsorbances: z.array(z.number()).optional().meta(unitMeta("1")).describe(
    "Absorbances of unknown samples measured at the same wavelength and path length",
  ),
  replicateReadings: z.number().int().positive().default(1).meta(unitMeta("1")).describe(
    "Number of replicate readings averaged into each unknown absorbance (m in Harvey eq. 5.25); " +
      "1 by default",
  ),
});

const outputSchema = z.object({
  molarAbsorptivity: z.number().meta(unitMeta("L/(mol.cm)")).describe(
    "Molar absorptivity ε = slope/pathLengthCm from absorbance against concentration, in L/(mol·cm)",
  ),
  molarAbsorptivityStandardError: z.number().nullable().meta(
    uncertaintyMeta("molarAbsorptivity", "L/(mol.cm)"),
  )
    .describe(
      "Standard uncertainty of ε, in L/(mol·cm): s(ε) = s_b/l with s_b = s_r/√Sxx the slope's " +
        "standard error; null with only two standards",
    ),
  intercept: z.number().meta(unitMeta("1")).describe(
    "Absorbance at zero concentration from the fit (dimensionless; ideally near 0, a blank " +
      "offset otherwise)",
  ),
  interceptStandardError: z.number().nullable().meta(uncertaintyMeta("intercept", "1")).describe(
    "Standard uncertainty of the intercept (dimensionless absorbance): s_a = s_r·√(1/n + c̄²/Sxx), " +
      "Sxx = Σ(cᵢ − c̄)²; null with only two standards",
  ),
  residualStandardDeviation: z.number().nullable().meta(unitMeta("1")).describe(
    "Residual standard deviation of the calibration (dimensionless absorbance): " +
      "s_r = √(Σ(Aᵢ − Âᵢ)²/(n − 2)); null with only two standards",
  ),
  rSquared: z.number().meta(unitMeta("1")).describe("R² of the calibration line (dimensionless)"),
  unknowns: z.array(z.object({
    absorbance: z.number().meta(unitMeta("1")).describe("The unknown's absorbance (dimensionless)"),
    concentrationM: z.number().meta(unitMeta("mol/L")).describe(
      "Concentration (absorbance − intercept)/(ε·pathLengthCm), in mol/L",
    ),
    concentrationStandardErrorM: z.number().nullable().meta(
      uncertaintyMeta("concentrationM", "mol/L"),
    ).describe(
      "Standard uncertainty of the concentration from the calibration, in mol/L (Harvey eq. " +
        "5.25): s_c = (s_r/b)·√(1/m + 1/n + (A − Ā_std)²/(b²·Sxx)), b = slope, m = " +
        "replicateReadings, n = standards, Ā_std = mean standard absorbance; null with only " +
        "two standards",
    ),
  })).describe("Concentrations of the unknowns, in input order"),
  warnings: z.array(z.string()).describe(
    "Absorbances above 1.5 (outside the linear range), extrapolated unknowns and other cautions",
  ),
});

function run(input: BeerLambertInput): BeerLambertOutput {
  const { pathLengthCm, standards } = input;
  const unknownAbsorbances = input.unknownAbsorbances ?? [];
  // One pass over the rows into two columns, which the fit, the checks and the range share:
  // typed, so that each is allocated once, as doubles, and never converted.
  const concentrations = new Float64Array(standards.length);
  const absorbances = new Float64Array(standards.length);
  for (let i = 0; i < standards.length; i++) {
    concentrations[i] = standards[i].concentrationM;
    absorbances[i] = standards[i].absorbance;
  }
  const fit = fitLine(concentrations, absorbances, {
    xName: "standard concentrations",
    yName: "standard absorbances",
  });
  checkCalibration(absorbances, fit);
  const warnings: string[] = [];
  const standardsAbove = new WarningTally(warnings);
  for (let i = 0; i < absorbances.length; i++) {
    if (absorbances[i] > MAX_LINEAR_ABSORBANCE) {
      standardsAbove.add(() =>
        `Standard ${i + 1} absorbance ${absorbances[i]} is above ${MAX_LINEAR_ABSORBANCE}, ` +
        "outside the reliable linear range"
      );
    }
  }
  standardsAbove.close((more, all) =>
    `${more} more standards have an absorbance above ${MAX_LINEAR_ABSORBANCE} ` +
    `(${all} in all), outside the reliable linear range`
  );
  const unknownsAbove = new WarningTally(warnings);
  unknownAbsorbances.forEach((a, i) => {
    if (a > MAX_LINEAR_ABSORBANCE) {
      unknownsAbove.add(() =>
        `Unknown ${
          i + 1
        } absorbance ${a} is above ${MAX_LINEAR_ABSORBANCE}, outside the reliable ` +
        "linear range; dilute the sample"
      );
    }
  });
  unknownsAbove.close((more, all) =>
    `${more} more unknowns have an absorbance above ${MAX_LINEAR_ABSORBANCE} ` +
    `(${all} in all), outside the reliable linear range; dilute the samples`
  );
  if (fit.slope < 0) {
    warnings.push(
      `The calibration slope is negative (${
        roundToSignificant(fit.slope, 15)
      }); check the standards`,
    );
  }
  const [low, high] = extent(concentrations);
  const extrapolated = new WarningTally(warnings);
  const unknowns = unknownAbsorbances.map((absorbance, i) => {
    const concentrationM = roundToSignificant((absorbance - fit.intercept) / fit.slope, 15);
    if (!Number.isFinite(concentrationM)) {
      throw new ModuleError(
        `Unknown ${i + 1} (absorbance ${absorbance}) gives a concentration too large to represent`,
      );
    }
    if (concentrationM < low || concentrationM > high) {
      extrapolated.add(() =>
        `Unknown ${i + 1} (absorbance ${absorbance}) gives ${concentrationM} M, outside the ` +
        `standards' range ${low}–${high} M, so it is extrapolated`
      );
    }
    return {
      absorbance,
      concentrationM,
      concentrationStandardErrorM: concentrationUncertainty(fit, {
        absorbance,
        replicates: input.replicateReadings,
      }),
    };
  });
  extrapolated.close((more, all) =>
    `${more} more unknowns are outside the standards' range ${low}–${high} M (${all} in all), ` +
    "so they are extrapolated"
  );
  return tidyNumbers({
    molarAbsorptivity: fit.slope / pathLengthCm,
    molarAbsorptivityStandardError: fit.slopeStandardError === null
      ? null
      : fit.slopeStandardError / pathLengthCm,
    intercept: fit.intercept,
    interceptStandardError: fit.interceptStandardError,
    residualStandardDeviation: fit.residualStandardDeviation,
    rSquared: fit.rSquared,
    unknowns,
    warnings,
  });
}

/**
 * A flat calibration cannot turn absorbance into concentration: it fails
 * rather than report ε = 0 with R² = 1.
 */
function checkCalibration(absorbances: Float64Array, fit: LineFit): void {
  const first = absorbances[0];
  if (absorbances.every((a) => a === first)) {
    throw new ModuleError(
      `Cannot calibrate: every standard has the same absorbance (${first}), so the line is flat ` +
        "and no concentration can be read from it",
    );
  }
  const se = fit.slopeStandardError;
  if (fit.slope === 0 || (se !== null && Math.abs(fit.slope) < 2 * se)) {
    throw new ModuleError(
      `Cannot calibrate: the slope ${roundToSignificant(fit.slope, 4)} is not significantly ` +
        `different from zero (|slope| < 2·SE = ${
          roundToSignificant(2 * (se ?? 0), 4)
        }), so absorbance does not follow concentration`,
    );
  }
}

/** Harvey, Analytical Chemistry 2.1, eq. 5.25. */
function concentrationUncertainty(
  fit: LineFit,
  unknown: { absorbance: number; replicates: number },
): number | null {
  const sr = fit.residualStandardDeviation;
  if (sr === null) return null;
  const b = fit.slope;
  const offset = unknown.absorbance - fit.meanY;
  return Math.abs(sr / b) *
    Math.sqrt(
      1 / unknown.replicates + 1 / fit.count + (offset * offset) / (b * b * fit.xSumOfSquares),
    );
}

function plot(input: BeerLambertInput, output: BeerLambertOutput): PlotSpec {
  const slope = output.molarAbsorptivity * input.pathLengthCm;
  let low = 0;
  let high = -Infinity;
  for (const s of input.standards) high = Math.max(high, s.concentrationM);
  for (const u of output.unknowns) {
    low = Math.min(low, u.concentrationM);
    high = Math.max(high, u.concentrationM);
  }
  const ends = [low, high];
  const series: PlotSpec["series"] = [
    {
      kind: "points",
      name: "Standards",
      points: input.standards.map((s) => [s.concentrationM, s.absorbance]),
    },
    {
      kind: "line",
      name: `Fit: ε = ${legendNumber(output.molarAbsorptivity)} L/(mol.cm), R² = ${
        output.rSquared.toFixed(4)
      }`,
      points: ends.map((x) => [x, output.intercept + slope * x]),
    },
  ];
  if (output.unknowns.length > 0) {
    series.push({
      kind: "points",
      name: "Unknowns",
      points: output.unknowns.map((u) => [u.concentrationM, u.absorbance]),
    });
  }
  return {
    title: "Beer–Lambert calibration",
    xLabel: axisLabel("Concentration c", CONCENTRATION_UNIT),
    yLabel: "Absorbance A",
    series,
  };
}

const NADH =
  "Horecker, B. L.; Kornberg, A. The extinction coefficients of the reduced band of pyridine " +
  "nucleotides. J. Biol. Chem. 1948, 175 (1), 385–390";

/**
 * `spectroscopy.beer-lambert`: molar absorptivity from a calibration series
 * and the concentrations of unknown samples.
 *
 * @example
 * ```ts
 * import { beerLambert } from "./mod.ts";
 * import assert from "node:assert";
 * const input = beerLambert.input.parse({
 *   standards: [{ concentrationM: 0, absorbance: 0 }, { concentrationM: 1e-4, absorbance: 0.622 }],
 *   unknownAbsorbances: [0.311],
 * });
 * const output = await beerLambert.run(input, { progress() {} });
 * assert.ok(Math.abs(output.molarAbsorptivity - 6220) < 1e-9);
 * ```
 */
export const beerLambert: LabModule<BeerLambertInput, BeerLambertOutput> = defineModule({
  key: "spectroscopy.beer-lambert",
  version: "1.0.0",
  title: "Beer–Lambert calibration",
  domain: "spectroscopy",
  summary:
    "Fits absorbance against concentration for a set of standards to find the molar absorptivity " +
    "and the concentrations of unknown samples.",
  method:
    "The Beer–Lambert law A = ε·l·c predicts a straight line of absorbance A against concentration " +
    "c with slope ε·l. The module fits A = slope·c + intercept to the standards by ordinary least " +
    "squares, reports ε = slope/l in L/(mol·cm) with its standard error, and keeps the intercept to " +
    "absorb a blank offset. Each unknown's concentration is read back from the line as " +
    "c = (A − intercept)/slope, with its standard uncertainty from the calibration (Harvey eq. " +
    "5.25) s_c = (s_r/b)·√(1/m + 1/n + (A − Ā_std)²/(b²·Σ(cᵢ − c̄)²)), where m is the number of " +
    "replicate readings averaged into A and n the number of standards; the intercept's standard " +
    "error is s_r·√(1/n + c̄²/Σ(cᵢ − c̄)²). A flat calibration (all absorbances equal, or a slope " +
    "within two standard errors of zero) fails rather than report ε = 0 with R² = 1. Any absorbance above 1.5 raises a warning, since stray light and " +
    "instrument noise usually bend the calibration there, as does an unknown whose concentration " +
    "falls outside the range of the standards." +
    " Reported numbers are rounded to 15 significant figures, which removes binary floating-point noise and nothing else.",
  citations: [
    "Harris, D. C. Quantitative Chemical Analysis, 9th ed.; W. H. Freeman: New York, 2016; " +
    "the chapters on statistics (the method of least squares, calibration curves) and on the " +
    "fundamentals of spectrophotometry (Beer's law).",
    "Harvey, D. Analytical Chemistry 2.1; DePauw University: Greencastle, IN, 2016; section 5.4, " +
    "Linear Regression and Calibration Curves, and chapter 10, Spectroscopic Methods.",
    NADH + ".",
  ],
  limitations: [
    "Beer's law holds for monochromatic light and dilute solutions; at high concentration " +
    "interactions between absorbers and changes of refractive index bend the line.",
    "Stray light and detector noise make absorbances above about 1.5 (less than 3% transmittance) " +
    "unreliable on most spectrophotometers; such values are flagged rather than removed.",
    "Chemical equilibria (association, acid–base or complexation) change the absorbing species with " +
    "concentration and break linearity even at low absorbance.",
    "Unweighted least squares assumes the absorbance errors are the same for all standards. The " +
    "concentration uncertainty (Harvey eq. 5.25) covers the calibration and the scatter of the " +
    "unknown's replicate readings only; errors in the standards' concentrations, the path length " +
    "and sample preparation are not included.",
    "The significance test of the slope uses |slope| ≥ 2·SE, a rough 95 % criterion; with few " +
    "standards the Student t factor is larger than 2.",
  ],
  mainOutput: "molarAbsorptivity",
  learnerNotes: [
    "Absorbance A = log10(P0/P) measures how much light a sample removes. Beer's law says it is " +
    "proportional to the path length l and to the concentration c, with the molar absorptivity ε as " +
    "the constant: A = ε·l·c.",
    "ε is a property of the substance at one wavelength, in L/(mol·cm). A large ε means a strongly " +
    "coloured species that can be measured at low concentration.",
    "Rather than trust a single standard, analysts measure several and fit a straight line. The " +
    "slope gives ε·l and the line converts an unknown's absorbance into a concentration.",
    "An absorbance of 1 means only 10% of the light gets through, and 2 means 1%. The fewer photons " +
    "reach the detector, the larger the relative error, which is why high absorbances are unreliable " +
    "and samples are diluted into the range of the standards.",
  ],
  examples: [
    {
      name: "nadh-340-nm",
      source: NADH +
        ": ε(NADH, 340 nm) = 6.22 × 10³ L/(mol·cm). Synthetic standards of 0–150 µM NADH in a 1.000-cm " +
        "cell are generated from that published value (A = 6220·c) and an unknown of absorbance 0.400 " +
        "read back; the expected ε is the published one and the unknown's concentration is 0.400/6220 M.",
      input: {
        pathLengthCm: 1,
        standards: [
          { concentrationM: 0, absorbance: 0 },
          { concentrationM: 2.5e-5, absorbance: 0.1555 },
          { concentrationM: 5e-5, absorbance: 0.311 },
          { concentrationM: 1e-4, absorbance: 0.622 },
          { concentrationM: 1.5e-4, absorbance: 0.933 },
        ],
        unknownAbsorbances: [0.4],
      },
      expected: {
        molarAbsorptivity: 6220,
        intercept: 0,
        rSquared: 1,
        unknowns: [{ absorbance: 0.4, concentrationM: 6.431e-5 }],
        warnings: [],
      },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run,
  plot,
});
