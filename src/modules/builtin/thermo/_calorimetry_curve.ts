import * as z from "zod";
import {
  defineModule,
  type LabModule,
  ModuleError,
  type PlotSpec,
  uncertaintyMeta,
  unitFromMeta,
  type UnitMeta,
  unitMeta,
} from "../../contract.ts";
import { fitLine, type LineFit, roundToSignificant, tidyNumbers } from "../_stats.ts";
import { computeCalorimetry, type UncertaintyContribution } from "./_calorimetry.ts";

/** Validated input of {@linkcode calorimetryCurve}. */
export interface CalorimetryCurveInput {
  /** Reading times, in seconds, strictly increasing. */
  timesS: number[];
  /** Temperature at each reading, in degrees Celsius. */
  temperaturesC: number[];
  /** Time of mixing, in seconds. */
  mixingTimeS: number;
  /** Last baseline reading time, in seconds; readings before the mixing time by default. */
  baselineEndS?: number;
  /** First reading time of the cooling line, in seconds; the readings after the peak by default. */
  coolingStartS?: number;
  /** `mean` of the baseline readings, or a `line` through them evaluated at the mixing time. */
  baselineModel: "mean" | "line";
  /** Mass of the calorimeter contents, in grams. */
  massG: number;
  /** Specific heat capacity of the contents, in J/(g·K). */
  specificHeatJPerGK: number;
  /** Heat capacity of the calorimeter itself, in J/K. */
  calorimeterConstantJPerK: number;
  /** Amount of the limiting reactant, in moles. */
  amountMol?: number;
  /** Standard uncertainty of `massG`, in grams. */
  massGUncertainty?: number;
  /** Standard uncertainty of `specificHeatJPerGK`, in J/(g·K). */
  specificHeatJPerGKUncertainty?: number;
  /** Standard uncertainty of `calorimeterConstantJPerK`, in J/K. */
  calorimeterConstantJPerKUncertainty?: number;
  /** Standard uncertainty of `amountMol`, in moles. */
  amountMolUncertainty?: number;
}

/** Output of {@linkcode calorimetryCurve}. */
export interface CalorimetryCurveOutput {
  /** T_initial at the mixing time from the baseline, in degrees Celsius. */
  initialTempC: number;
  /** Standard error of `initialTempC`, in kelvins. */
  initialTempCStandardError: number;
  /** T_final: the cooling line extrapolated back to the mixing time, in degrees Celsius. */
  finalTempC: number;
  /** Standard error of `finalTempC` from the fit, in kelvins. */
  finalTempCStandardError: number;
  /** ΔT = T_final − T_initial, in kelvins. */
  deltaTK: number;
  /** Standard uncertainty of ΔT, in kelvins. */
  deltaTKUncertainty: number;
  /** Total heat capacity m·c + C_cal, in J/K. */
  heatCapacityJPerK: number;
  /** Heat taken up by the contents and calorimeter, in joules. */
  heatJ: number;
  /** Combined standard uncertainty of `heatJ`, in joules. */
  heatJUncertainty: number;
  /** Molar reaction enthalpy, in kJ/mol; present when `amountMol` is given. */
  reactionEnthalpyKJPerMol?: number;
  /** Combined standard uncertainty of the molar enthalpy, in kJ/mol. */
  reactionEnthalpyKJPerMolUncertainty?: number;
  /** Contribution of each input, largest first. */
  uncertaintyBudget: UncertaintyContribution[];
  /** Number of baseline readings. */
  baselineCount: number;
  /** Slope of a line through the baseline readings, in K/s. */
  baselineSlopeKPerS: number;
  /** Standard error of the baseline slope, in K/s. */
  baselineSlopeStandardErrorKPerS: number;
  /** Time of the first reading on the cooling line, in seconds. */
  coolingStartS: number;
  /** Number of readings on the cooling line. */
  coolingCount: number;
  /** Slope of the cooling line, in K/s. */
  coolingSlopeKPerS: number;
  /** Standard error of the cooling slope, in K/s. */
  coolingSlopeStandardErrorKPerS: number;
  /** R² of the cooling line. */
  coolingRSquared: number;
  /** Cautions about the curve. */
  warnings: string[];
}

const ABSOLUTE_ZERO_C = -273.15;
const MIN_SEGMENT = 3;

function uncertainty(of: string, unit: string, meta: UnitMeta) {
  return z.number().nonnegative().optional().meta(meta).describe(
    `Standard uncertainty (one standard deviation) of ${of}, in ${unit}`,
  );
}

function seconds(text: string) {
  return z.number().finite().meta(unitMeta("s")).describe(text);
}

const inputSchema = z.object({
  timesS: z.array(z.number().finite()).min(2 * MIN_SEGMENT).meta(unitMeta("s")).describe(
    "Time of each temperature reading, in seconds, strictly increasing (before and after mixing)",
  ),
  temperaturesC: z.array(z.number().gt(ABSOLUTE_ZERO_C)).meta(unitMeta("Cel")).describe(
    "Temperature at each reading, in degrees Celsius (a kelvin column is converted on mapping); " +
      "differences are the same in K and °C",
  ),
  mixingTimeS: seconds("Time at which the reactants were mixed, in seconds"),
  baselineEndS: seconds(
    "Last reading time of the baseline, in seconds (at most mixingTimeS); " +
      "by default every reading before mixingTimeS",
  ).optional(),
  coolingStartS: seconds(
    "First reading time of the cooling line, in seconds (after mixingTimeS); " +
      "by default every reading after the temperature peak (or trough, for a fall)",
  ).optional(),
  baselineModel: z.enum(["mean", "line"]).default("mean").describe(
    "How T_initial comes from the baseline: the mean of its readings (mean), or a straight line " +
      "through them evaluated at the mixing time, for a drifting baseline (line)",
  ),
  massG: z.number().positive().meta(unitMeta("g")).describe(
    "Mass of the calorimeter contents (the solution or water that takes up the heat), in grams",
  ),
  specificHeatJPerGK: z.number().positive().default(4.184).meta(unitMeta("J/(g.K)")).describe(
    "Specific heat capacity of the contents, in J/(g·K); 4.184 (water) by default",
  ),
  calorimeterConstantJPerK: z.number().nonnegative().default(0).meta(unitMeta("J/K")).describe(
    "Heat capacity of the calorimeter itself (cup, bomb, stirrer), in J/K; 0 by default",
  ),
  amountMol: z.number().positive().optional().meta(unitMeta("mol")).describe(
    "Amount of the limiting reactant, in moles; when given, the molar reaction enthalpy is reported",
  ),
  massGUncertainty: uncertainty("massG", "grams", unitMeta("g")),
  specificHeatJPerGKUncertainty: uncertainty("specificHeatJPerGK", "J/(g·K)", unitMeta("J/(g.K)")),
  calorimeterConstantJPerKUncertainty: uncertainty(
    "calorimeterConstantJPerK",
    "J/K",
    unitMeta("J/K"),
  ),
  amountMolUncertainty: uncertainty("amountMol", "moles", unitMeta("mol")),
}).superRefine((input, ctx) => {
  const t = input.timesS;
  if (input.temperaturesC.length !== t.length) {
    ctx.addIssue({
      code: "custom",
      path: ["temperaturesC"],
      message: `must have one value per time (${t.length} times, ` +
        `${input.temperaturesC.length} temperatures)`,
    });
  }
  for (let i = 1; i < t.length; i++) {
    if (!(t[i] > t[i - 1])) {
      ctx.addIssue({
        code: "custom",
        path: ["timesS", i],
        message: `must be strictly increasing: ${t[i]} follows ${t[i - 1]}`,
      });
      break;
    }
  }
  const mix = input.mixingTimeS;
  if (t.length > 0 && !(mix > t[0] && mix < t[t.length - 1])) {
    ctx.addIssue({
      code: "custom",
      path: ["mixingTimeS"],
      message: `must lie between the first and last reading (${t[0]} to ${t[t.length - 1]} s)`,
    });
  }
  if (input.baselineEndS !== undefined && input.baselineEndS > mix) {
    ctx.addIssue({
      code: "custom",
      path: ["baselineEndS"],
      message: `must not be after mixingTimeS (${mix} s)`,
    });
  }
  if (input.coolingStartS !== undefined && !(input.coolingStartS > mix)) {
    ctx.addIssue({
      code: "custom",
      path: ["coolingStartS"],
      message: `must be after mixingTimeS (${mix} s)`,
    });
  }
  if (input.amountMolUncertainty !== undefined && input.amountMol === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["amountMolUncertainty"],
      message: "only applies when amountMol is given",
    });
  }
});

const contributionSchema = z.object({
  input: z.string().describe(
    "The input field; initialTempC and finalTempC are the two fitted temperatures",
  ),
  standardUncertainty: z.number().meta(unitFromMeta("input")).describe(
    "Its standard uncertainty, in the input's unit",
  ),
  heatSensitivity: z.number().meta(unitFromMeta("input", { over: "J" })).describe(
    "Sensitivity coefficient ∂q/∂x, in J per unit of input",
  ),
  heatContributionJ: z.number().meta(unitMeta("J")).describe("|∂q/∂x|·u(x), in joules"),
  enthalpyContributionKJPerMol: z.number().optional().meta(unitMeta("kJ/mol")).describe(
    "|∂ΔH/∂x|·u(x), in kJ/mol",
  ),
});

// A slope of temperature against time is a change per second: it scales, never shifts.
const SLOPE_UNIT = unitMeta("K/s", { difference: true });

const PREDICTION_SE = "s_r·√(1/n + (t_mix − t̄)²/Σ(tᵢ − t̄)²)";

const outputSchema = z.object({
  initialTempC: z.number().meta(unitMeta("Cel")).describe(
    "T_initial at the mixing time, in degrees Celsius: the mean of the baseline readings " +
      "(baselineModel mean) or the baseline line evaluated at t_mix (line)",
  ),
  initialTempCStandardError: z.number().meta(uncertaintyMeta("initialTempC", "K")).describe(
    "Standard error of T_initial, in kelvins: u(T_i) = s/√n for the mean (s the standard " +
      `deviation of the n baseline readings), or u(T_i) = ${PREDICTION_SE} for the line (the ` +
      "standard error of its mean response at t_mix)",
  ),
  finalTempC: z.number().meta(unitMeta("Cel")).describe(
    "T_final, in degrees Celsius: the cooling line (least squares through the readings from " +
      "coolingStartS on) extrapolated back to the mixing time",
  ),
  finalTempCStandardError: z.number().meta(uncertaintyMeta("finalTempC", "K")).describe(
    `Standard error of T_final from the fit, in kelvins: u(T_f) = ${PREDICTION_SE}, with s_r the residual ` +
      "standard deviation and t̄ the mean time of the n cooling readings",
  ),
  deltaTK: z.number().meta(unitMeta("K", { difference: true })).describe(
    "Temperature change T_final − T_initial, in kelvins",
  ),
  deltaTKUncertainty: z.number().meta(uncertaintyMeta("deltaTK", "K")).describe(
    "Standard uncertainty of ΔT, in kelvins: u(ΔT) = √(u(T_i)² + u(T_f)²), the two fits " +
      "using separate readings",
  ),
  heatCapacityJPerK: z.number().meta(unitMeta("J/K")).describe(
    "Total heat capacity m·c + C_cal, in J/K",
  ),
  heatJ: z.number().meta(unitMeta("J")).describe(
    "Heat absorbed by the contents and calorimeter, (m·c + C_cal)·ΔT, in joules; " +
      "positive when the temperature rises",
  ),
  heatJUncertainty: z.number().meta(uncertaintyMeta("heatJ", "J")).describe(
    "Combined standard uncertainty of heatJ, in joules (GUM first order): u(q) = " +
      "√Σ(∂q/∂xᵢ·u(xᵢ))², the root sum of squares of the budget's heat contributions",
  ),
  reactionEnthalpyKJPerMol: z.number().optional().meta(unitMeta("kJ/mol")).describe(
    "Molar reaction enthalpy −heatJ/amountMol/1000, in kJ/mol; negative for an exothermic reaction",
  ),
  reactionEnthalpyKJPerMolUncertainty: z.number().optional().meta(
    uncertaintyMeta("reactionEnthalpyKJPerMol", "kJ/mol"),
  ).describe(
    "Combined standard uncertainty of the molar enthalpy, in kJ/mol (GUM first order): u(ΔH) = " +
      "√Σ(∂ΔH/∂xᵢ·u(xᵢ))², the root sum of squares of the budget's enthalpy contributions",
  ),
  uncertaintyBudget: z.array(contributionSchema).describe(
    "Contribution of each input with a stated or fitted uncertainty, largest first",
  ),
  baselineCount: z.number().int().meta(unitMeta("1")).describe(
    "Number of baseline readings (dimensionless count)",
  ),
  baselineSlopeKPerS: z.number().meta(SLOPE_UNIT).describe(
    "Slope of a straight line through the baseline readings, in K/s (a drift check)",
  ),
  baselineSlopeStandardErrorKPerS: z.number().meta(SLOPE_UNIT).describe(
    "Standard error of the baseline slope, in K/s: s(m) = s_r/√Σ(tᵢ − t̄)²",
  ),
  coolingStartS: z.number().meta(unitMeta("s")).describe(
    "Time of the first reading on the cooling line, in seconds",
  ),
  coolingCount: z.number().int().meta(unitMeta("1")).describe(
    "Number of readings on the cooling line (dimensionless count)",
  ),
  coolingSlopeKPerS: z.number().meta(SLOPE_UNIT).describe("Slope of the cooling line, in K/s"),
  coolingSlopeStandardErrorKPerS: z.number().meta(SLOPE_UNIT).describe(
    "Standard error of the cooling slope, in K/s: s(m) = s_r/√Σ(tᵢ − t̄)²",
  ),
  coolingRSquared: z.number().meta(unitMeta("1")).describe(
    "R² of the cooling line (dimensionless)",
  ),
  warnings: z.array(z.string()).describe(
    "A drifting baseline, a rising cooling line and other cautions",
  ),
});

interface Segments {
  baseline: number[];
  cooling: number[];
  rise: boolean;
}

function readings(count: number, kind = ""): string {
  return `${count} ${kind}reading${count === 1 ? "" : "s"}`;
}

function segments(input: CalorimetryCurveInput): Segments {
  const { timesS: t, temperaturesC: y, mixingTimeS: mix } = input;
  const baselineEnd = input.baselineEndS;
  const baseline: number[] = [];
  let firstAfter = t.length;
  for (let i = 0; i < t.length; i++) {
    if (baselineEnd === undefined ? t[i] < mix : t[i] <= baselineEnd) baseline.push(i);
    if (t[i] >= mix && firstAfter === t.length) firstAfter = i;
  }
  if (baseline.length < MIN_SEGMENT) {
    throw new ModuleError(
      `Cannot find T_initial: only ${readings(baseline.length, "baseline ")} before ${
        baselineEnd ?? mix
      } s (need at least ${MIN_SEGMENT})`,
    );
  }
  let baseSum = 0;
  for (const i of baseline) baseSum += y[i];
  const base = baseSum / baseline.length;
  // The reaction's direction is that of the largest excursion after mixing.
  let high = firstAfter;
  let low = firstAfter;
  for (let i = firstAfter; i < t.length; i++) {
    if (y[i] > y[high]) high = i;
    if (y[i] < y[low]) low = i;
  }
  const rise = y[high] - base >= base - y[low];
  const cooling: number[] = [];
  const start = input.coolingStartS;
  for (let i = firstAfter; i < t.length; i++) {
    if (start === undefined ? i > (rise ? high : low) : t[i] >= start) cooling.push(i);
  }
  if (cooling.length < MIN_SEGMENT) {
    const where = start === undefined
      ? `after the ${rise ? "peak" : "trough"} at ${t[rise ? high : low]} s`
      : `from coolingStartS ${start} s`;
    throw new ModuleError(
      `Cannot fit the cooling line: only ${readings(cooling.length)} ${where} ` +
        `(need at least ${MIN_SEGMENT}); record for longer or set coolingStartS`,
    );
  }
  return { baseline, cooling, rise };
}

function fit(input: CalorimetryCurveInput, indexes: number[], what: string): LineFit {
  return fitLine(indexes.map((i) => input.timesS[i]), indexes.map((i) => input.temperaturesC[i]), {
    xName: `${what} times`,
    yName: `${what} temperatures`,
  });
}

/** Value and standard error of a fitted line's mean response at `x0`. */
function meanResponse(line: LineFit, x0: number): { value: number; standardError: number } {
  const sr = line.residualStandardDeviation ?? 0;
  const dx = x0 - line.meanX;
  return {
    value: line.slope * x0 + line.intercept,
    standardError: sr * Math.sqrt(1 / line.count + (dx * dx) / line.xSumOfSquares),
  };
}

function run(input: CalorimetryCurveInput): CalorimetryCurveOutput {
  const { baseline, cooling, rise } = segments(input);
  const mix = input.mixingTimeS;
  const baseLine = fit(input, baseline, "baseline");
  let initial: { value: number; standardError: number };
  if (input.baselineModel === "line") {
    initial = meanResponse(baseLine, mix);
  } else {
    let sum = 0;
    for (const i of baseline) sum += input.temperaturesC[i];
    const mean = sum / baseline.length;
    let ss = 0;
    for (const i of baseline) ss += (input.temperaturesC[i] - mean) ** 2;
    initial = {
      value: mean,
      standardError: Math.sqrt(ss / (baseline.length - 1) / baseline.length),
    };
  }
  const coolLine = fit(input, cooling, "cooling");
  const final = meanResponse(coolLine, mix);
  const heat = computeCalorimetry({
    massG: input.massG,
    specificHeatJPerGK: input.specificHeatJPerGK,
    calorimeterConstantJPerK: input.calorimeterConstantJPerK,
    amountMol: input.amountMol,
    initialTempC: initial.value,
    finalTempC: final.value,
    initialTempCUncertainty: initial.standardError,
    finalTempCUncertainty: final.standardError,
    massGUncertainty: input.massGUncertainty,
    specificHeatJPerGKUncertainty: input.specificHeatJPerGKUncertainty,
    calorimeterConstantJPerKUncertainty: input.calorimeterConstantJPerKUncertainty,
    amountMolUncertainty: input.amountMolUncertainty,
  });

  const warnings: string[] = [];
  const baseSlopeSe = baseLine.slopeStandardError ?? 0;
  if (input.baselineModel === "mean" && Math.abs(baseLine.slope) > 2 * baseSlopeSe) {
    warnings.push(
      `The baseline drifts by ${
        roundToSignificant(baseLine.slope * 60, 3)
      } K/min, more than twice its standard error: consider baselineModel "line"`,
    );
  }
  if (rise ? coolLine.slope > 0 : coolLine.slope < 0) {
    warnings.push(
      `The cooling line ${rise ? "rises" : "falls"} (${
        roundToSignificant(coolLine.slope * 60, 3)
      } K/min) after a temperature ${
        rise ? "rise" : "fall"
      }: the reaction may not be over; start the cooling line later (coolingStartS)`,
    );
  }
  const first = input.timesS[cooling[0]];
  const span = input.timesS[cooling[cooling.length - 1]] - first;
  if (first - mix > span) {
    warnings.push(
      `The cooling line is extrapolated back ${
        roundToSignificant(first - mix, 3)
      } s, further than the ${
        roundToSignificant(span, 3)
      } s it spans: T_final rests on a long extrapolation; record for longer`,
    );
  }
  return tidyNumbers({
    initialTempC: initial.value,
    initialTempCStandardError: initial.standardError,
    finalTempC: final.value,
    finalTempCStandardError: final.standardError,
    deltaTK: heat.deltaTK,
    deltaTKUncertainty: Math.sqrt(initial.standardError ** 2 + final.standardError ** 2),
    heatCapacityJPerK: heat.heatCapacityJPerK,
    heatJ: heat.heatJ,
    heatJUncertainty: heat.heatJUncertainty ?? 0,
    ...(heat.reactionEnthalpyKJPerMol === undefined ? {} : {
      reactionEnthalpyKJPerMol: heat.reactionEnthalpyKJPerMol,
      reactionEnthalpyKJPerMolUncertainty: heat.reactionEnthalpyKJPerMolUncertainty ?? 0,
    }),
    uncertaintyBudget: heat.uncertaintyBudget ?? [],
    baselineCount: baseline.length,
    baselineSlopeKPerS: baseLine.slope,
    baselineSlopeStandardErrorKPerS: baseSlopeSe,
    coolingStartS: first,
    coolingCount: cooling.length,
    coolingSlopeKPerS: coolLine.slope,
    coolingSlopeStandardErrorKPerS: coolLine.slopeStandardError ?? 0,
    coolingRSquared: coolLine.rSquared,
    warnings,
  });
}

function plot(input: CalorimetryCurveInput, output: CalorimetryCurveOutput): PlotSpec {
  const t = input.timesS;
  const mix = input.mixingTimeS;
  const ti = output.initialTempC;
  const tf = output.finalTempC;
  const last = t[t.length - 1];
  const slope = output.coolingSlopeKPerS;
  const at = (time: number): number => tf + slope * (time - mix);
  const baselineStart = t[0];
  const baselineEnd = input.baselineEndS ?? mix;
  const baseline: Array<[number, number]> = input.baselineModel === "line"
    ? [baselineStart, mix].map((time) => [
      time,
      ti + output.baselineSlopeKPerS * (time - mix),
    ])
    : [[baselineStart, ti], [Math.max(baselineEnd, mix), ti]];
  const fmt = (value: number, figures: number): string => value.toFixed(figures);
  return {
    title: "Calorimetry curve",
    xLabel: "Time (s)",
    yLabel: "Temperature (°C)",
    series: [
      {
        kind: "points",
        name: "Readings",
        points: t.map((time, i) => [time, input.temperaturesC[i]]),
      },
      {
        kind: "line",
        name: `Baseline, T_i = ${fmt(ti, 2)} °C`,
        points: baseline,
      },
      {
        kind: "line",
        name: "Cooling line",
        points: [[output.coolingStartS, at(output.coolingStartS)], [last, at(last)]],
      },
      {
        kind: "line",
        name: `Extrapolated, T_f = ${fmt(tf, 2)} °C`,
        points: [[mix, tf], [output.coolingStartS, at(output.coolingStartS)]],
        dashed: true,
      },
      {
        kind: "line",
        name: `ΔT = ${fmt(output.deltaTK, 2)} ± ${
          roundToSignificant(output.deltaTKUncertainty, 2)
        } K`,
        points: [[mix, ti], [mix, tf]],
      },
    ],
  };
}

const OPENSTAX_5_2 =
  "Flowers, P.; Theopold, K.; Langley, R.; Robinson, W. R. Chemistry 2e; OpenStax: Houston, TX, 2019; " +
  "section 5.2 Calorimetry";

/**
 * `thermo.calorimetry-curve`: T_initial from the pre-mixing baseline and
 * T_final from the cooling line extrapolated back to the mixing time, then
 * heat and molar enthalpy with their full uncertainty budget.
 *
 * @example
 * ```ts
 * import { calorimetryCurve } from "./mod.ts";
 * import assert from "node:assert";
 * const input = calorimetryCurve.input.parse({
 *   timesS: [0, 30, 60, 90, 120, 150, 165, 180, 195],
 *   temperaturesC: [22, 22.1, 21.9, 22, 28, 29, 28.9, 28.8, 28.72],
 *   mixingTimeS: 105, massG: 100,
 * });
 * const output = await calorimetryCurve.run(input, { progress() {} });
 * assert.ok(Math.abs(output.initialTempC - 22) < 1e-12);
 * assert.ok(output.deltaTKUncertainty > 0);
 * ```
 */
export const calorimetryCurve: LabModule<CalorimetryCurveInput, CalorimetryCurveOutput> =
  defineModule({
    key: "thermo.calorimetry-curve",
    version: "1.0.0",
    title: "Calorimetry curve: ΔT by extrapolation",
    domain: "thermo",
    summary:
      "Finds T_initial from the pre-mixing baseline and T_final by extrapolating the cooling line " +
      "back to the mixing time, then the heat and molar enthalpy, each with its uncertainty.",
    method:
      "The readings before the mixing time (or up to baselineEndS) form the baseline: T_initial is " +
      "their mean, with standard error s/√n, or with baselineModel line the least-squares line " +
      "through them evaluated at the mixing time. After mixing the temperature peaks (or, for an " +
      "endothermic change, reaches a trough); the readings after it (or from coolingStartS) form " +
      "the cooling line, fitted by ordinary least squares and extrapolated back to the mixing time " +
      "to give T_final, which corrects for the heat exchanged with the room while the reaction ran. " +
      "The standard error of a line's value at t_mix is that of its mean response, " +
      "s_r·√(1/n + (t_mix − t̄)²/Σ(tᵢ − t̄)²), with s_r the residual standard deviation. The two " +
      "segments use separate readings, so u(ΔT)² = u(T_i)² + u(T_f)². ΔT = T_final − T_initial then " +
      "goes through the thermo.calorimetry computation: q = (m·c + C_cal)·ΔT, ΔH = −q/n, with " +
      "first-order GUM propagation of every stated uncertainty and of the two fitted temperatures. " +
      "Warnings flag a drifting baseline taken as a mean (|slope| > 2·SE), a cooling line that " +
      "moves the wrong way, and an extrapolation longer than the cooling line's own span. " +
      "Reported numbers are rounded to 15 significant figures, which removes binary " +
      "floating-point noise and nothing else.",
    citations: [
      OPENSTAX_5_2 + ". https://openstax.org/details/books/chemistry-2e",
      "Montgomery, D. C.; Peck, E. A.; Vining, G. G. Introduction to Linear Regression Analysis, " +
      "5th ed.; Wiley: Hoboken, NJ, 2012; section 2.4.2, interval estimation of the mean response.",
      "JCGM 100:2008. Evaluation of measurement data — Guide to the expression of uncertainty in " +
      "measurement (GUM 1995 with minor corrections); Joint Committee for Guides in Metrology, " +
      "2008; section 5.1, equation (10).",
    ],
    limitations: [
      "Assumes the cooling after the peak is linear in time (Newton's law of cooling over a small " +
      "temperature excess); over long runs the cooling is exponential and a straight line " +
      "extrapolated far back overestimates or underestimates T_final.",
      "By default the cooling line starts right after the peak, where the mixing may not be " +
      "complete; set coolingStartS when the first readings after the peak still bend.",
      "The fit uncertainties treat the readings as independent with equal scatter; a thermometer's " +
      "calibration error, common to every reading, cancels in ΔT and is not included.",
      "Mixing is taken as instantaneous at mixingTimeS; the heat exchanged while the solutions " +
      "were poured is not modelled.",
      "The heat and enthalpy share thermo.calorimetry's assumptions: constant specific heat, and " +
      "constant pressure (ΔH) in a coffee cup.",
    ],
    mainOutput: ["reactionEnthalpyKJPerMol", "deltaTK"],
    learnerNotes: [
      "A coffee cup is not a perfect insulator: while the reaction heats the solution, the " +
      "solution already loses heat to the room, so the highest reading is lower than the " +
      "temperature an ideal calorimeter would reach.",
      "After the peak the solution cools steadily. Drawing a straight line through these points " +
      "and following it back to the moment of mixing estimates the temperature the solution " +
      "would have reached had no heat been lost: that is T_final.",
      "The readings before mixing give T_initial. If they drift, a line through them evaluated " +
      "at the mixing time is better than their mean.",
      "Each fitted temperature has an uncertainty from the scatter of its points and from how far " +
      "the line is extrapolated: the further from the middle of the data, the less certain.",
      "ΔT then gives the heat, q = (m·c + C_cal)·ΔT, and the molar enthalpy ΔH = −q/n, just as " +
      "for two read temperatures.",
    ],
    examples: [
      {
        name: "neutralisation-synthetic-curve",
        source: "Synthetic data, generated by test/fixtures/science/make_calorimetry_curve.py " +
          "(not measured): readings every 30 s before and every 15 s after mixing at 180 s, " +
          "made to reproduce " + OPENSTAX_5_2 + ", Example 5.5 (50.0 mL 1.00 M HCl + 50.0 mL " +
          "1.00 M NaOH, 22.0 °C rising to 28.9 °C, m = 100 g, n = 0.0500 mol) with a cooling " +
          "line of −0.0040 K/s and reading noise of 0.02 K. Expected values computed by that " +
          "script with numpy and scipy.",
        input: {
          timesS: [
            0,
            30,
            60,
            90,
            120,
            150,
            195,
            210,
            225,
            240,
            255,
            270,
            285,
            300,
            315,
            330,
            345,
            360,
            375,
            390,
            405,
            420,
            435,
            450,
            465,
            480,
            495,
            510,
            525,
            540,
            555,
            570,
            585,
            600,
          ],
          temperaturesC: [
            22.0,
            22.0,
            22.0,
            22.03,
            22.0,
            21.99,
            27.28,
            28.43,
            28.65,
            28.65,
            28.55,
            28.54,
            28.5,
            28.43,
            28.36,
            28.29,
            28.3,
            28.18,
            28.13,
            28.06,
            28.04,
            27.99,
            27.89,
            27.82,
            27.76,
            27.67,
            27.63,
            27.57,
            27.49,
            27.44,
            27.41,
            27.36,
            27.29,
            27.21,
          ],
          mixingTimeS: 180,
          massG: 100,
          massGUncertainty: 1,
          specificHeatJPerGK: 4.184,
          amountMol: 0.05,
          amountMolUncertainty: 0.0005,
        },
        expected: {
          initialTempC: 22.0,
          finalTempC: 28.9,
          deltaTK: 6.902,
          deltaTKUncertainty: 0.01325,
          reactionEnthalpyKJPerMol: -57.75,
          reactionEnthalpyKJPerMolUncertainty: 0.8242,
          coolingCount: 25,
        },
      },
    ],
    input: inputSchema,
    output: outputSchema,
    run,
    plot,
  });
