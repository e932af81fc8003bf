import * as z from "zod";
import {
  defineModule,
  type LabModule,
  ModuleError,
  type PlotSpec,
  uncertaintyMeta,
  unitFromMeta,
  unitMeta,
} from "../../contract.ts";
import { legendNumber } from "../_plot_text.ts";
import { fitLine, roundToSignificant, tidyNumbers } from "../_stats.ts";

/** The UCUM unit of the temperatures; the plot's axis is 1000/T in its inverse. */
const TEMPERATURE_UNIT = "K";

/** The Avogadro constant N_A in 1/mol, a defining constant of the 2019 SI (exact). */
const AVOGADRO_PER_MOL = 6.02214076e23;
/** The Boltzmann constant k_B in J/K, a defining constant of the 2019 SI (exact). */
const BOLTZMANN_J_PER_K = 1.380649e-23;
/**
 * The molar gas constant R = N_A·k_B in J/(mol·K), exact in the 2019 SI
 * (8.31446261815324…; CODATA 2018 prints it truncated as 8.314462618).
 */
export const GAS_CONSTANT_J_PER_MOL_K: number = AVOGADRO_PER_MOL * BOLTZMANN_J_PER_K;

/** Validated input of {@linkcode arrhenius}. */
export interface ArrheniusInput {
  /** Absolute temperatures, in kelvins. */
  temperaturesK: number[];
  /** Rate constants at those temperatures, in any one unit. */
  rateConstants: number[];
}

/** Output of {@linkcode arrhenius}. */
export interface ArrheniusOutput {
  /** Activation energy Ea, in kJ/mol. */
  activationEnergyKJPerMol: number;
  /** Standard error of Ea, in kJ/mol; null with only two temperatures. */
  activationEnergyStandardErrorKJPerMol: number | null;
  /** Pre-exponential factor A, in the unit of the rate constants. */
  preExponentialFactor: number;
  /** Standard uncertainty of A, A·s(ln A), in the unit of the rate constants; null with only two temperatures. */
  preExponentialFactorStandardError: number | null;
  /** ln A, the fitted intercept (A in the unit of the rate constants). */
  lnPreExponentialFactor: number;
  /** Standard error of ln A; null with only two temperatures. */
  lnPreExponentialFactorStandardError: number | null;
  /** Covariance of Ea and ln A, in kJ/mol; null with only two temperatures. */
  activationEnergyLnACovarianceKJPerMol: number | null;
  /** R² of ln k against 1/T (exactly 1 for two points). */
  rSquared: number;
  /** A negative activation energy and other cautions. */
  warnings: string[];
}

const inputSchema = z.object({
  temperaturesK: z.array(z.number().positive()).min(2).meta(unitMeta(TEMPERATURE_UNIT)).describe(
    "Absolute temperatures of the measurements, in kelvins",
  ),
  rateConstants: z.array(z.number().positive()).meta(unitFromMeta("caller")).describe(
    "Rate constant at each temperature, all in one unit (for example 1/s or L/(mol·s)); " +
      "the pre-exponential factor comes out in the same unit",
  ),
}).superRefine((input, ctx) => {
  if (input.rateConstants.length !== input.temperaturesK.length) {
    ctx.addIssue({
      code: "custom",
      path: ["rateConstants"],
      message: `must have one value per temperature (${input.temperaturesK.length} temperatures, ` +
        `${input.rateConstants.length} rate constants)`,
    });
  }
});

const outputSchema = z.object({
  activationEnergyKJPerMol: z.number().meta(unitMeta("kJ/mol")).describe(
    "Activation energy Ea = −slope·R of ln k against 1/T, in kJ/mol",
  ),
  activationEnergyStandardErrorKJPerMol: z.number().nullable().meta(
    uncertaintyMeta("activationEnergyKJPerMol", "kJ/mol"),
  ).describe(
    "Standard uncertainty of Ea, in kJ/mol: s(Ea) = R·s_m, s_m = s_r/√Σ(xᵢ − x̄)² the slope's " +
      "standard error (x = 1/T); null with only two temperatures",
  ),
  preExponentialFactor: z.number().meta(unitFromMeta("rateConstants")).describe(
    "Pre-exponential factor A = exp(intercept), in the unit of the rate constants",
  ),
  preExponentialFactorStandardError: z.number().nullable().meta(
    { ...uncertaintyMeta("preExponentialFactor"), ...unitFromMeta("rateConstants") },
  ).describe(
    "Standard uncertainty of A, in the unit of the rate constants: s(A) = A·s(ln A) (first-order " +
      "propagation; A is log-normal, so quote ln A ± s(ln A) when s(ln A) is large); null with " +
      "only two temperatures",
  ),
  lnPreExponentialFactor: z.number().meta(unitMeta("1")).describe(
    "ln A, the intercept of ln k against 1/T (dimensionless, A in the unit of the rate constants)",
  ),
  lnPreExponentialFactorStandardError: z.number().nullable().meta(
    uncertaintyMeta("lnPreExponentialFactor", "1"),
  ).describe(
    "Standard uncertainty of ln A (dimensionless): s(ln A) = s_r·√(1/n + x̄²/Σ(xᵢ − x̄)²), the " +
      "intercept's standard error; null with only two temperatures",
  ),
  activationEnergyLnACovarianceKJPerMol: z.number().nullable().meta(unitMeta("kJ/mol")).describe(
    "Covariance of Ea and ln A, in kJ/mol: cov(Ea, ln A) = −R·cov(m, b) = R·x̄·s_r²/Σ(xᵢ − x̄)² " +
      "with m, b the slope and intercept (positive: a larger Ea comes with a larger ln A); null " +
      "with only two temperatures",
  ),
  rSquared: z.number().meta(unitMeta("1")).describe(
    "R² of ln k against 1/T (dimensionless); 1 for two points",
  ),
  warnings: z.array(z.string()).describe("A negative activation energy and other cautions"),
});

function run(input: ArrheniusInput): ArrheniusOutput {
  const { temperaturesK: t, rateConstants: k } = input;
  if (t.every((value) => value === t[0])) {
    throw new ModuleError(`Cannot fit the Arrhenius line: all temperaturesK are equal (${t[0]})`);
  }
  const fit = fitLine(t.map((value) => 1 / value), k.map(Math.log), {
    xName: "inverse temperatures",
    yName: "ln k values",
  });
  const preExponentialFactor = Math.exp(fit.intercept);
  if (!Number.isFinite(preExponentialFactor)) {
    throw new ModuleError(
      `The pre-exponential factor exp(${fit.intercept}) is too large to represent`,
    );
  }
  const activationEnergyKJPerMol = (-fit.slope * GAS_CONSTANT_J_PER_MOL_K) / 1000;
  const warnings: string[] = [];
  if (activationEnergyKJPerMol < 0) {
    warnings.push(
      `The activation energy is negative (${
        roundToSignificant(activationEnergyKJPerMol, 4)
      } kJ/mol): the rate falls as the temperature rises; check the data, or a pre-equilibrium ` +
        "or barrierless mechanism",
    );
  }
  const lnASe = fit.interceptStandardError;
  const covariance = fit.slopeInterceptCovariance;
  return tidyNumbers({
    activationEnergyKJPerMol,
    activationEnergyStandardErrorKJPerMol: fit.slopeStandardError === null
      ? null
      : (fit.slopeStandardError * GAS_CONSTANT_J_PER_MOL_K) / 1000,
    preExponentialFactor,
    preExponentialFactorStandardError: lnASe === null ? null : preExponentialFactor * lnASe,
    lnPreExponentialFactor: fit.intercept,
    lnPreExponentialFactorStandardError: lnASe,
    activationEnergyLnACovarianceKJPerMol: covariance === null
      ? null
      : (-GAS_CONSTANT_J_PER_MOL_K * covariance) / 1000,
    rSquared: fit.rSquared,
    warnings,
  });
}

// x is 1000/T, as printed Arrhenius plots have it, so the ticks read 2.5, 3.0 rather
// than 0.0025.
function plot(input: ArrheniusInput, output: ArrheniusOutput): PlotSpec {
  const x = input.temperaturesK.map((value) => 1000 / value);
  const slope = (-output.activationEnergyKJPerMol * 1000) / GAS_CONSTANT_J_PER_MOL_K / 1000;
  const intercept = Math.log(output.preExponentialFactor);
  let low = Infinity;
  let high = -Infinity;
  for (const value of x) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  return {
    title: "Arrhenius plot",
    xLabel: `1000/T (${TEMPERATURE_UNIT}⁻¹)`,
    yLabel: "ln k",
    series: [
      {
        kind: "points",
        name: "Measured",
        points: x.map((value, i) => [value, Math.log(input.rateConstants[i])]),
      },
      {
        kind: "line",
        name: `Fit: Ea = ${legendNumber(output.activationEnergyKJPerMol)} kJ/mol, ln A = ${
          legendNumber(intercept)
        }, R² = ${output.rSquared.toFixed(4)}`,
        points: [low, high].map((value) => [value, intercept + slope * value]),
      },
    ],
  };
}

const OPENSTAX_12_5 =
  "Flowers, P.; Theopold, K.; Langley, R.; Robinson, W. R. Chemistry 2e; OpenStax: Houston, TX, 2019; " +
  "section 12.5 Collision Theory";
const ATKINS =
  "Atkins, P.; de Paula, J. Atkins' Physical Chemistry, 8th ed.; Oxford University Press: Oxford, " +
  "2006; chapter 22, The rates of chemical reactions";

/**
 * `kinetics.arrhenius`: activation energy and pre-exponential factor from
 * rate constants measured at two or more temperatures.
 *
 * @example
 * ```ts
 * import { arrhenius } from "./mod.ts";
 * import assert from "node:assert";
 * const input = arrhenius.input.parse({ temperaturesK: [650, 700], rateConstants: [1.66, 7.39] });
 * const output = await arrhenius.run(input, { progress() {} });
 * assert.strictEqual(Math.round(output.activationEnergyKJPerMol), 113);
 * ```
 */
export const arrhenius: LabModule<ArrheniusInput, ArrheniusOutput> = defineModule({
  key: "kinetics.arrhenius",
  version: "1.0.0",
  title: "Arrhenius analysis: activation energy",
  domain: "kinetics",
  summary:
    "Fits ln k against 1/T to find a reaction's activation energy and pre-exponential factor.",
  method: "The Arrhenius equation k = A·exp(−Ea/(R·T)) becomes linear on taking logarithms: " +
    "ln k = ln A − (Ea/R)·(1/T). The module fits a straight line to ln k against 1/T by ordinary " +
    "least squares (sums taken about the means, which keeps the fit accurate although 1/T varies " +
    "only in its third significant figure), then reports Ea = −slope·R with R = N_A·k_B = " +
    "8.31446261815324 J/(mol·K) (exact in the 2019 SI; CODATA 2018) and A = exp(intercept). The standard error of Ea is the slope's " +
    "standard error times R. ln A is the intercept with its standard error s(ln A) = " +
    "s_r·√(1/n + x̄²/Σ(xᵢ − x̄)²) (x = 1/T), s(A) = A·s(ln A) by first-order propagation, and " +
    "since Ea = −R·m and ln A = b for slope m and intercept b, cov(Ea, ln A) = −R·cov(m, b) = " +
    "R·x̄·s_r²/Σ(xᵢ − x̄)². A negative Ea is reported with a warning. With two temperatures the " +
    "line passes through both points, R² = 1 and no uncertainty can be estimated." +
    " Reported numbers are rounded to 15 significant figures, which removes binary floating-point noise and nothing else.",
  citations: [
    OPENSTAX_12_5 + ". https://openstax.org/details/books/chemistry-2e",
    ATKINS + " (temperature dependence of reaction rates).",
    "Arrhenius, S. Über die Reaktionsgeschwindigkeit bei der Inversion von Rohrzucker durch Säuren. " +
    "Z. Phys. Chem. 1889, 4, 226–248.",
    "Tiesinga, E.; Mohr, P. J.; Newell, D. B.; Taylor, B. N. CODATA recommended values of the " +
    "fundamental physical constants: 2018. Rev. Mod. Phys. 2021, 93, 025010.",
  ],
  limitations: [
    "Assumes A and Ea do not depend on temperature. Over wide ranges many reactions curve on an " +
    "Arrhenius plot (A ∝ T^m in transition-state and collision theory, tunnelling, changes of " +
    "mechanism), and the fitted Ea is then an average over the range.",
    "An unweighted fit of ln k gives equal weight to equal relative errors in k; if the absolute " +
    "errors in k are similar, the slow (low-temperature) points are over-weighted.",
    "A is found by extrapolating to 1/T = 0, far outside the data, so it is much less certain than " +
    "Ea and strongly correlated with it.",
    "A negative fitted Ea is reported with a warning: it can be real (for example pre-equilibria " +
    "or barrierless radical reactions) but more often signals a problem with the data.",
    "The uncertainties assume independent, equal errors in ln k and exact temperatures; s(A) is " +
    "a first-order estimate and understates the asymmetric (log-normal) spread of A when s(ln A) " +
    "is large.",
  ],
  mainOutput: "activationEnergyKJPerMol",
  learnerNotes: [
    "Reactions speed up when heated because a larger fraction of molecular collisions have at least " +
    "the activation energy, the energy barrier between reactants and products. That fraction " +
    "follows the Boltzmann factor exp(−Ea/RT).",
    "Taking the natural logarithm of k = A·exp(−Ea/RT) gives a straight line when ln k is plotted " +
    "against 1/T. The slope is −Ea/R, so a steeper line means a higher barrier and a rate that is " +
    "more sensitive to temperature.",
    "The intercept, ln A, is where the line would meet 1/T = 0 (infinite temperature). A, the " +
    "pre-exponential or frequency factor, reflects how often molecules collide in the right " +
    "orientation, and has the same units as k.",
    "With two temperatures the two-point form ln(k2/k1) = (Ea/R)(1/T1 − 1/T2) gives the same answer. " +
    "More temperatures let the fit average out errors and reveal curvature.",
    "Always use absolute temperature in kelvins; using degrees Celsius gives a wrong slope.",
  ],
  examples: [
    {
      name: "dinitrogen-pentoxide-two-point",
      source: OPENSTAX_12_5 +
        ", check-your-learning of the worked example 'Determination of Ea': N2O5 decomposition, " +
        "k = 1.66 L/(mol·s) at 650 K and 7.39 L/(mol·s) at 700 K; published Ea = 1.1 × 10⁵ J/mol " +
        "(2 figures). The 4-figure Ea is the exact two-point value.",
      input: { temperaturesK: [650, 700], rateConstants: [1.66, 7.39] },
      expected: { activationEnergyKJPerMol: 113.0, rSquared: 1 },
    },
    {
      name: "ethanal-decomposition",
      source: ATKINS +
        ", worked example on the Arrhenius parameters of the second-order decomposition of ethanal " +
        "(CH3CHO): k = 0.011, 0.035, 0.105, 0.343, 0.789, 2.17, 20.0, 145 dm³/(mol·s) at 700, 730, " +
        "760, 790, 810, 840, 910, 1000 K; published Ea = 188 kJ/mol and A = 1.1 × 10¹² dm³/(mol·s). " +
        "The 4-figure values are the least-squares fit.",
      input: {
        temperaturesK: [700, 730, 760, 790, 810, 840, 910, 1000],
        rateConstants: [0.011, 0.035, 0.105, 0.343, 0.789, 2.17, 20.0, 145],
      },
      expected: { activationEnergyKJPerMol: 188.3, preExponentialFactor: 1.079e12 },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run,
  plot,
});
