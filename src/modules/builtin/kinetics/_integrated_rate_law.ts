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
import { axisLabel, legendNumber } from "../_plot_text.ts";
import { extent, fitLine, linspace, MIN_NORMAL_DOUBLE, tidyNumbers } from "../_stats.ts";

// The UCUM units the input fields declare; the plot's axes say the same.
const TIME_UNIT = "s";
const CONCENTRATION_UNIT = "mol/L";

/** A reaction order the integrated rate laws cover. */
export type ReactionOrder = 0 | 1 | 2;

/** Validated input of {@linkcode integratedRateLaw}. */
export interface IntegratedRateLawInput {
  /** Times of the measurements, in seconds. */
  timesS: number[];
  /** Reactant concentrations at those times, in mol/L. */
  concentrationsM: number[];
  /** The order to fit, or `auto` to pick the order whose linear plot fits best. */
  order: ReactionOrder | "auto";
  /** The temperature of the run, in kelvins; recorded and echoed, not used by the fit. */
  temperatureK?: number;
}

/** One order's linearised fit. */
export interface OrderFit {
  /** The order. */
  order: ReactionOrder;
  /** Rate constant, in M/s (order 0), 1/s (order 1) or 1/(M·s) (order 2); null when the data cannot be transformed for this order. */
  rateConstant: number | null;
  /** R² of the linear plot; null when the data cannot be transformed for this order. */
  rSquared: number | null;
}

/** Output of {@linkcode integratedRateLaw}. */
export interface IntegratedRateLawOutput {
  /** The order used: the one asked for, or the best fit. */
  order: ReactionOrder;
  /** Rate constant, in M/s (order 0), 1/s (order 1) or 1/(M·s) (order 2). */
  rateConstant: number;
  /** Unit of `rateConstant`. */
  rateConstantUnit: "M/s" | "1/s" | "1/(M·s)";
  /** Standard error of the rate constant, same unit; null with fewer than three points. */
  rateConstantStandardError: number | null;
  /** Half-life at the concentration measured first, in seconds. */
  halfLifeS: number;
  /** Standard uncertainty of the half-life, t½·s(k)/k, in seconds; null with fewer than three points. */
  halfLifeStandardErrorS: number | null;
  /** Initial concentration implied by the fitted intercept, in mol/L; null when the intercept implies none (a non-positive value). */
  fittedInitialConcentrationM: number | null;
  /** Standard uncertainty of the fitted initial concentration, in mol/L; null when it or the intercept's standard error is. */
  fittedInitialConcentrationStandardErrorM: number | null;
  /** R² of the chosen order's linear plot. */
  rSquared: number;
  /** The fit of every order 0, 1 and 2, for comparison. */
  fits: OrderFit[];
  /** The temperature of the run, in kelvins, when the input gave one. */
  temperatureK?: number;
}

const UNITS = { 0: "M/s", 1: "1/s", 2: "1/(M·s)" } as const;

const inputSchema = z.object({
  timesS: z.array(z.number().nonnegative()).min(3).meta(unitMeta(TIME_UNIT)).describe(
    "Times at which the concentrations were measured, in seconds",
  ),
  concentrationsM: z.array(z.number().nonnegative()).meta(unitMeta(CONCENTRATION_UNIT)).describe(
    "Reactant concentration at each time, in mol/L; must be greater than 0 unless order is 0 " +
      "(ln C and 1/C need positive values)",
  ),
  order: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal("auto")]).default("auto")
    .meta(unitMeta("1"))
    .describe(
      "Reaction order to fit: 0, 1, 2, or auto (the order whose linear plot has the highest R²)",
    ),
  temperatureK: z.number().positive().optional().meta(unitMeta("K")).describe(
    "Temperature of the run, in kelvins; optional, not used by the fit: recorded and echoed in " +
      "the output, so that rate constants from several temperatures can be collected for an " +
      "Arrhenius fit",
  ),
}).superRefine((input, ctx) => {
  if (input.concentrationsM.length !== input.timesS.length) {
    ctx.addIssue({
      code: "custom",
      path: ["concentrationsM"],
      message: `must have one value per time (${input.timesS.length} times, ` +
        `${input.concentrationsM.length} concentrations)`,
    });
  }
  if (input.order === 0) return;
  input.concentrationsM.forEach((value, i) => {
    if (value === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["concentrationsM", i],
        message: `must be > 0 for order ${JSON.stringify(input.order)} (ln C and 1/C need ` +
          "positive values)",
      });
    }
  });
});

const orderFitSchema = z.object({
  order: z.union([z.literal(0), z.literal(1), z.literal(2)]).meta(unitMeta("1")).describe(
    "The order: 0, 1 or 2 (dimensionless)",
  ),
  rateConstant: z.number().nullable().meta(unitFromMeta("rateConstantUnit")).describe(
    "Rate constant in M/s, 1/s or 1/(M·s) for orders 0, 1, 2; null if the data cannot be transformed",
  ),
  rSquared: z.number().nullable().meta(unitMeta("1")).describe(
    "R² of the linear plot (dimensionless); null if not computable",
  ),
});

const outputSchema = z.object({
  order: z.union([z.literal(0), z.literal(1), z.literal(2)]).meta(unitMeta("1")).describe(
    "The order used: 0, 1 or 2 (dimensionless)",
  ),
  rateConstant: z.number().meta(unitFromMeta("rateConstantUnit")).describe(
    "Rate constant k, in M/s for order 0 (from C vs t), 1/s for order 1 (ln C vs t), " +
      "1/(M·s) for order 2 (1/C vs t)",
  ),
  rateConstantUnit: z.enum(["M/s", "1/s", "1/(M·s)"]).describe("Unit of rateConstant"),
  rateConstantStandardError: z.number().nullable().meta({
    ...uncertaintyMeta("rateConstant"),
    ...unitFromMeta("rateConstantUnit"),
  }).describe(
    "Standard uncertainty of the rate constant, same unit: s(k) = s_b = s_r/√Σ(tᵢ − t̄)², the " +
      "slope's standard error; null with fewer than three points",
  ),
  halfLifeS: z.number().meta(unitMeta("s")).describe(
    "Half-life at the first measured concentration [A]0, in seconds: [A]0/(2k), ln 2/k or 1/(k·[A]0)",
  ),
  halfLifeStandardErrorS: z.number().nullable().meta(uncertaintyMeta("halfLifeS", "s")).describe(
    "Standard uncertainty of the half-life, in seconds: s(t½) = t½·s(k)/k for every order " +
      "(ln 2·s(k)/k² for order 1, [A]0·s(k)/(2k²) for order 0, s(k)/(k²·[A]0) for order 2), with " +
      "the measured [A]0 taken as exact; null with fewer than three points",
  ),
  fittedInitialConcentrationM: z.number().nullable().meta(unitMeta("mol/L")).describe(
    "Initial concentration implied by the fitted line's intercept a, in mol/L: a, exp(a) or 1/a " +
      "for orders 0, 1, 2; null when that is not a positive number",
  ),
  fittedInitialConcentrationStandardErrorM: z.number().nullable().meta(
    uncertaintyMeta("fittedInitialConcentrationM", "mol/L"),
  ).describe(
    "Standard uncertainty of the fitted initial concentration, in mol/L, from the intercept's " +
      "standard error s_a = s_r·√(1/n + t̄²/Σ(tᵢ − t̄)²): s_a, exp(a)·s_a or s_a/a² for orders " +
      "0, 1, 2; null with fewer than three points or without a fitted [A]0",
  ),
  rSquared: z.number().meta(unitMeta("1")).describe(
    "R² of the chosen order's linear plot (dimensionless)",
  ),
  fits: z.array(orderFitSchema).describe("Fits of orders 0, 1 and 2"),
  temperatureK: z.number().optional().meta(unitMeta("K")).describe(
    "Temperature of the run, in kelvins, as the input gave it; absent when it gave none",
  ),
});

const TRANSFORMS: Record<ReactionOrder, (c: number) => number> = {
  0: (c) => c,
  1: (c) => Math.log(c),
  2: (c) => 1 / c,
};

const TRANSFORM_NAMES = { 0: "concentrationsM", 1: "ln C values", 2: "1/C values" } as const;

function fitOrder(order: ReactionOrder, t: number[], c: number[]) {
  const fit = fitLine(t, c.map(TRANSFORMS[order]), {
    xName: "timesS",
    yName: TRANSFORM_NAMES[order],
  });
  return { fit, rateConstant: order === 2 ? fit.slope : -fit.slope };
}

/** Fits one order; a fit the numbers cannot carry fails, with the order in the reason. */
function tryOrder(order: ReactionOrder, t: number[], c: number[]) {
  try {
    return fitOrder(order, t, c);
  } catch (error) {
    if (!(error instanceof ModuleError)) throw error;
    return new ModuleError(error.message.replace(/^Cannot fit: /, `Cannot fit order ${order}: `));
  }
}

function run(input: IntegratedRateLawInput): IntegratedRateLawOutput {
  const t = input.timesS;
  const c = input.concentrationsM;
  const tiny = c.findIndex((value) => value !== 0 && value < MIN_NORMAL_DOUBLE);
  if (tiny >= 0) {
    throw new ModuleError(
      `Cannot fit: concentrationsM value ${tiny + 1} (${c[tiny]}) underflows double precision ` +
        "(below 2.2e-308); express the concentrations in a smaller unit",
    );
  }
  const positive = c.every((value) => value > 0);
  const orders: ReactionOrder[] = [0, 1, 2];
  const attempts = orders.map((order) => (order === 0 || positive ? tryOrder(order, t, c) : null));
  // In auto mode every order competes, so one the numbers cannot carry fails the run rather
  // than let another win by default (concentrations near 1e-300 M once chose order 0, R² = 1).
  const failure = attempts.find((attempt, order) =>
    attempt instanceof ModuleError && (input.order === "auto" || input.order === order)
  );
  if (failure instanceof ModuleError) throw failure;
  const fitted = attempts.map((attempt) => (attempt instanceof ModuleError ? null : attempt));
  const fits: OrderFit[] = orders.map((order, i) => ({
    order,
    rateConstant: fitted[i]?.rateConstant ?? null,
    rSquared: fitted[i]?.fit.rSquared ?? null,
  }));

  let order: ReactionOrder;
  if (input.order === "auto") {
    // Ties keep the lowest order: strictly greater R² is needed to move up.
    order = 0;
    for (const candidate of orders) {
      const r2 = fits[candidate].rSquared;
      if (r2 !== null && r2 > fits[order].rSquared!) order = candidate;
    }
  } else {
    order = input.order;
  }
  const { fit, rateConstant: k } = fitted[order]!;
  if (!(k > 0)) {
    throw new ModuleError(
      `Concentrations do not fall with time: the order ${order} fit gives a rate constant of ${k} ` +
        UNITS[order],
    );
  }
  const first = t.indexOf(extent(t)[0]);
  const initial = c[first];
  const halfLife = order === 0 ? initial / (2 * k) : order === 1 ? Math.LN2 / k : 1 / (k * initial);
  if (!Number.isFinite(halfLife)) {
    throw new ModuleError(
      `The half-life is too long to represent (rate constant ${k} ${UNITS[order]})`,
    );
  }
  const intercept = fit.intercept;
  const fittedInitial = order === 0 ? intercept : order === 1 ? Math.exp(intercept) : 1 / intercept;
  const hasInitial = fittedInitial > 0 && Number.isFinite(fittedInitial);
  const sk = fit.slopeStandardError;
  const sa = fit.interceptStandardError;
  // First-order propagation of the intercept a: d[A]0/da = 1, exp(a) and −1/a².
  const initialSlope = order === 0 ? 1 : order === 1 ? fittedInitial : 1 / (intercept * intercept);
  return tidyNumbers({
    order,
    rateConstant: k,
    rateConstantUnit: UNITS[order],
    rateConstantStandardError: sk,
    halfLifeS: halfLife,
    halfLifeStandardErrorS: sk === null ? null : (halfLife * sk) / k,
    fittedInitialConcentrationM: hasInitial ? fittedInitial : null,
    fittedInitialConcentrationStandardErrorM: hasInitial && sa !== null ? initialSlope * sa : null,
    rSquared: fit.rSquared,
    fits,
    ...(input.temperatureK === undefined ? {} : { temperatureK: input.temperatureK }),
  });
}

// The UCUM codes of k for each order, for the plot's legend.
const K_UCUM = { 0: "mol/(L.s)", 1: "1/s", 2: "L/(mol.s)" } as const;
const VIEWS = [
  { title: "Order 0: C against t", label: axisLabel("Concentration C", CONCENTRATION_UNIT) },
  { title: "Order 1: ln C against t", label: `ln(C / (${CONCENTRATION_UNIT}))` },
  { title: "Order 2: 1/C against t", label: axisLabel("1/C", "L/mol") },
] as const;

// Three panels, one per order, each the linear plot of that order with its fit: a student
// picks the order whose points lie on a straight line. The C panel also shows the chosen fit.
function plot(input: IntegratedRateLawInput, output: IntegratedRateLawOutput): PlotSpec {
  const t = input.timesS;
  const c = input.concentrationsM;
  let first = 0;
  let [tLow, tHigh] = [Infinity, -Infinity];
  t.forEach((time, i) => {
    if (time < t[first]) first = i;
    tLow = Math.min(tLow, time);
    tHigh = Math.max(tHigh, time);
  });
  // Each order's line is rebuilt from its reported k and the means of the data, through
  // which a least-squares line passes: no second fit, so a big series costs one pass.
  const lines = output.fits.map(({ order, rateConstant: k }) => {
    if (k === null) return null;
    const transform = TRANSFORMS[order];
    let [sumT, sumY, n] = [0, 0, 0];
    for (let i = 0; i < t.length; i++) {
      const y = transform(c[i]);
      if (!Number.isFinite(y)) return null;
      sumT += t[i];
      sumY += y;
      n++;
    }
    const slope = order === 2 ? k : -k;
    return { k, slope, intercept: sumY / n - (slope * sumT) / n };
  });
  const panels = VIEWS.map((view, index) => {
    const order = index as ReactionOrder;
    const transform = TRANSFORMS[order];
    const points: Array<[number, number]> = [];
    for (let i = 0; i < t.length; i++) {
      const y = transform(c[i]);
      if (Number.isFinite(y)) points.push([t[i], y]);
    }
    const series: PlotSpec["series"] = [{ kind: "points", name: "Measured", points }];
    const line = lines[order];
    const r2 = output.fits[order].rSquared;
    if (line && r2 !== null) {
      const { k, slope, intercept } = line;
      const initial = c[first];
      const halfLife = order === 0
        ? initial / (2 * k)
        : order === 1
        ? Math.LN2 / k
        : 1 / (k * initial);
      series.push({
        kind: "line",
        name: `Fit: k = ${legendNumber(k)} ${K_UCUM[order]}, t½ = ${
          k > 0 ? `${legendNumber(halfLife)} ${TIME_UNIT}` : "none"
        }, R² = ${r2.toFixed(4)}`,
        points: [tLow, tHigh].map((time) => [time, intercept + slope * time]),
      });
    }
    return {
      title: `${view.title}${order === output.order ? " (chosen)" : ""}`,
      xLabel: axisLabel("Time t", TIME_UNIT),
      yLabel: view.label,
      series,
    };
  });
  const chosen = lines[output.order];
  if (output.order !== 0 && chosen) {
    const inverse = output.order === 1 ? Math.exp : (y: number) => 1 / y;
    const curve = linspace(tLow, tHigh, 200)
      .map((time): [number, number] => [time, inverse(chosen.intercept + chosen.slope * time)])
      .filter(([, value]) => Number.isFinite(value) && value >= 0);
    panels[0].series.push({
      kind: "line",
      name: `Chosen fit, order ${output.order}`,
      points: curve,
    });
  }
  return {
    title: input.order === "auto"
      ? `Integrated rate law: order ${output.order} fits best (highest R²)`
      : `Integrated rate law, order ${output.order} as asked`,
    xLabel: panels[0].xLabel,
    yLabel: panels[0].yLabel,
    series: [],
    panels,
  };
}

const OPENSTAX_12_4 =
  "Flowers, P.; Theopold, K.; Langley, R.; Robinson, W. R. Chemistry 2e; OpenStax: Houston, TX, 2019; " +
  "section 12.4 Integrated Rate Laws";

/**
 * `kinetics.integrated-rate-law`: the order and rate constant of a reaction
 * from concentration–time data, by linearising the zero-, first- and
 * second-order integrated rate laws.
 *
 * @example
 * ```ts
 * import { integratedRateLaw } from "./mod.ts";
 * import assert from "node:assert";
 * const input = integratedRateLaw.input.parse({
 *   timesS: [0, 10, 20, 30],
 *   concentrationsM: [1, 0.5, 0.25, 0.125],
 * });
 * const output = await integratedRateLaw.run(input, { progress() {} });
 * assert.ok(output.order === 1 && Math.abs(output.halfLifeS - 10) < 1e-9);
 * ```
 */
export const integratedRateLaw: LabModule<IntegratedRateLawInput, IntegratedRateLawOutput> =
  defineModule({
    key: "kinetics.integrated-rate-law",
    version: "1.0.0",
    title: "Integrated rate law: reaction order and rate constant",
    domain: "kinetics",
    summary:
      "Fits concentration–time data to the zero-, first- and second-order integrated rate laws and " +
      "reports the rate constant, half-life and the order whose linear plot fits best.",
    method:
      "Each integrated rate law for a single reactant A is linear in time: [A] = [A]0 − k·t (order 0), " +
      "ln[A] = ln[A]0 − k·t (order 1) and 1/[A] = 1/[A]0 + k·t (order 2). The module fits a straight " +
      "line by ordinary least squares to [A], ln[A] and 1/[A] against t, and reads the rate constant " +
      "as −slope, −slope and +slope respectively; the intercept gives the fitted [A]0. In auto mode " +
      "the order with the highest R² = 1 − SS_res/SS_tot is chosen (ties go to the lower order). The " +
      "half-life is evaluated at the concentration measured first: [A]0/(2k), ln 2/k or 1/(k·[A]0). " +
      "Uncertainties: s(k) is the slope's standard error s_r/√Σ(tᵢ − t̄)²; since t½ ∝ 1/k in every " +
      "order, s(t½) = t½·s(k)/k (ln 2·s(k)/k² for order 1), the measured [A]0 being taken as exact; " +
      "the fitted [A]0 = a, exp(a) or 1/a from the intercept a has s = s_a, exp(a)·s_a or s_a/a², " +
      "with s_a = s_r·√(1/n + t̄²/Σ(tᵢ − t̄)²) (first-order propagation). Data whose transformed " +
      "values underflow or overflow double precision fail with the reason rather than give R² = 1." +
      " Reported numbers are rounded to 15 significant figures, which removes binary floating-point noise and nothing else.",
    citations: [
      OPENSTAX_12_4 + ". https://openstax.org/details/books/chemistry-2e",
      "Atkins, P.; de Paula, J. Atkins' Physical Chemistry, 8th ed.; Oxford University Press: " +
      "Oxford, 2006; chapter 22, The rates of chemical reactions (integrated rate laws).",
      "Harvey, D. Analytical Chemistry 2.1; DePauw University: Greencastle, IN, 2016; section 5.4, " +
      "Linear Regression and Calibration Curves (least-squares slope, intercept and their " +
      "standard deviations).",
    ],
    limitations: [
      "Only covers rate laws in one reactant, rate = k[A]^n with n = 0, 1 or 2; mixed second-order " +
      "kinetics (k[A][B] with [A]0 ≠ [B]0), reversible or consecutive reactions need other models.",
      "Fitting ln[A] or 1/[A] by unweighted least squares weights the points unequally in terms of " +
      "the measured concentrations: late, low concentrations carry large relative errors and pull " +
      "the fit. A nonlinear fit of [A](t) with proper weights is more rigorous.",
      "R² alone is a weak test of order over a short time range (less than two or three half-lives), " +
      "where all three plots look nearly straight; look at the residuals and the plot.",
      "The rate constant refers to the rate of loss of A; if the rate is defined per stoichiometric " +
      "coefficient (for example 2A → products with rate = −½ d[A]/dt), divide accordingly.",
    ],
    mainOutput: "rateConstant",
    learnerNotes: [
      "A rate law says how fast a reactant is used up at a given concentration. Integrating it gives " +
      "the concentration as a function of time, which is what we actually measure.",
      "Each order has a transformation that turns its curve into a straight line: plain [A] for zero " +
      "order, ln[A] for first order, and 1/[A] for second order. Plotting all three and seeing which " +
      "one is straight is the classic graphical test of reaction order.",
      "The slope of the straight plot is the rate constant (with a minus sign for orders 0 and 1). " +
      "Its units depend on the order: M/s, 1/s or 1/(M·s), so that the rate always comes out in M/s.",
      "The half-life is the time for the concentration to halve. Only for a first-order reaction is it " +
      "independent of the starting concentration (ln 2/k), which is why radioactive decay, a " +
      "first-order process, has a fixed half-life. For zero order it shortens and for second order it " +
      "lengthens as the reaction proceeds.",
      "The R² value measures how much of the scatter in the transformed data the line explains; 1 " +
      "means a perfect line.",
    ],
    examples: [
      {
        name: "hydrogen-peroxide-first-order",
        source: OPENSTAX_12_4 +
          ", worked example 'Graphical Determination of Reaction Order and Rate Constant' (first order): decomposition " +
          "of H2O2, [H2O2] = 1.000, 0.500, 0.250, 0.125, 0.0625 M at 0, 6.00, 12.00, 18.00, 24.00 h " +
          "(here in seconds); published k = 0.116 h⁻¹ (3.22 × 10⁻⁵ s⁻¹ to 3 figures) and half-life " +
          "6.00 h = 21 600 s. The 4-figure k is the least-squares value, ln 2/21 600 s.",
        input: {
          timesS: [0, 21600, 43200, 64800, 86400],
          concentrationsM: [1, 0.5, 0.25, 0.125, 0.0625],
        },
        expected: { order: 1, rateConstant: 3.209e-5, halfLifeS: 21600, rSquared: 1 },
      },
      {
        name: "butadiene-dimerisation-second-order",
        source: OPENSTAX_12_4 +
          ", worked example 'Graphical Determination of Reaction Order and Rate " +
          "Constant' (second order): dimerisation of C4H6, [C4H6] = 1.00 × 10⁻², 5.04 × 10⁻³, 3.37 × 10⁻³, 2.53 × 10⁻³, " +
          "2.08 × 10⁻³ M at 0, 1600, 3200, 4800, 6200 s; published: second order, k = 0.0614 M⁻¹ s⁻¹ " +
          "(from the end points). The 4-figure k is the least-squares slope of 1/[C4H6] against t.",
        input: {
          timesS: [0, 1600, 3200, 4800, 6200],
          concentrationsM: [1.0e-2, 5.04e-3, 3.37e-3, 2.53e-3, 2.08e-3],
        },
        expected: { order: 2, rateConstant: 0.06144 },
      },
    ],
    input: inputSchema,
    output: outputSchema,
    run,
    plot,
  });
