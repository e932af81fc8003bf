import * as z from "zod";
import {
  defineModule,
  type LabModule,
  type PlotSpec,
  uncertaintyMeta,
  unitFromMeta,
  unitMeta,
} from "../../contract.ts";
import { axisLabel, legendNumber } from "../_plot_text.ts";
import { extent, fitBasis, linspace, roundToSignificant, tidyNumbers } from "../_stats.ts";

/** Validated input of {@linkcode vanDeemter}. */
export interface VanDeemterInput {
  /** Mobile-phase linear velocities u, in one unit of the user's choice. */
  linearVelocities: number[];
  /** Plate heights H at those velocities, in one unit of the user's choice. */
  plateHeights: number[];
}

/** Standard errors of the three van Deemter coefficients. */
export interface VanDeemterStandardErrors {
  /** Standard error of a; null with only three points. */
  a: number | null;
  /** Standard error of b; null with only three points. */
  b: number | null;
  /** Standard error of c; null with only three points. */
  c: number | null;
}

/** Output of {@linkcode vanDeemter}. */
export interface VanDeemterOutput {
  /** Eddy-diffusion term A, in the unit of H. */
  a: number;
  /** Longitudinal-diffusion coefficient B, in (unit of H)·(unit of u). */
  b: number;
  /** Mass-transfer coefficient C, in (unit of H)/(unit of u). */
  c: number;
  /** Standard errors of a, b and c. */
  standardErrors: VanDeemterStandardErrors;
  /** Covariance matrix of (a, b, c), in the products of their units; null with only three points. */
  covariance: number[][] | null;
  /** Velocity of minimum plate height √(b/c), in the unit of u; null unless b and c are significantly positive. */
  optimumVelocity: number | null;
  /** Standard uncertainty of the optimum velocity, in the unit of u; null without an optimum or with only three points. */
  optimumVelocityStandardError: number | null;
  /** Minimum plate height a + 2√(bc), in the unit of H; null unless b and c are significantly positive. */
  minimumPlateHeight: number | null;
  /** Standard uncertainty of the minimum plate height, in the unit of H; null without an optimum or with only three points. */
  minimumPlateHeightStandardError: number | null;
  /** Why no optimum is reported, or null when one is. */
  noOptimumReason: string | null;
  /** R² of the fit. */
  rSquared: number;
  /** Notes on coefficients without physical meaning or an extrapolated optimum. */
  warnings: string[];
}

// The units conventional for HPLC; a GC study in cm/s and mm converts on the way in.
const VELOCITY_UNIT = "mm/s";
const PLATE_HEIGHT_UNIT = "um";
const B_UNIT = "um.mm/s";
const C_UNIT = "um.s/mm";

const inputSchema = z.object({
  linearVelocities: z.array(z.number().positive()).min(3).meta(unitMeta(VELOCITY_UNIT)).describe(
    "Mobile-phase linear velocities u, in mm/s (values written or mapped with another unit, such " +
      "as cm/s, are converted)",
  ),
  plateHeights: z.array(z.number().positive()).meta(unitMeta(PLATE_HEIGHT_UNIT)).describe(
    "Plate height H = L/N measured at each velocity, in µm (values written or mapped with another " +
      "unit, such as mm, are converted); a comes out in µm, b in µm·mm/s and c in µm·s/mm",
  ),
}).superRefine((input, ctx) => {
  if (input.plateHeights.length !== input.linearVelocities.length) {
    ctx.addIssue({
      code: "custom",
      path: ["plateHeights"],
      message: `must have one value per velocity (${input.linearVelocities.length} velocities, ` +
        `${input.plateHeights.length} plate heights)`,
    });
  }
});

const outputSchema = z.object({
  a: z.number().meta(unitMeta(PLATE_HEIGHT_UNIT)).describe("Eddy-diffusion term A, in µm"),
  b: z.number().meta(unitMeta(B_UNIT)).describe("Longitudinal-diffusion coefficient B, in µm·mm/s"),
  c: z.number().meta(unitMeta(C_UNIT)).describe("Mass-transfer coefficient C, in µm·s/mm"),
  standardErrors: z.object({
    a: z.number().nullable().meta(unitMeta(PLATE_HEIGHT_UNIT)).describe(
      "Standard uncertainty of a, in µm: s(a) = √Σ₁₁ of the covariance " +
        "matrix; null with only three points",
    ),
    b: z.number().nullable().meta(unitMeta(B_UNIT)).describe(
      "Standard uncertainty of b, in µm·mm/s: s(b) = √Σ₂₂; null " +
        "with only three points",
    ),
    c: z.number().nullable().meta(unitMeta(C_UNIT)).describe(
      "Standard uncertainty of c, in µm·s/mm: s(c) = √Σ₃₃; null " +
        "with only three points",
    ),
  }).describe("Standard errors of the coefficients"),
  covariance: z.array(z.array(z.number())).nullable().meta(unitFromMeta("a b c")).describe(
    "Covariance matrix Σ of (a, b, c) from the fit, s²·(XᵀX)⁻¹ with s² = SS_res/(n − 3) and X " +
      "the design matrix [1, 1/u, u]; entries in the products of the coefficients' units; null " +
      "with only three points",
  ),
  optimumVelocity: z.number().nullable().meta(unitMeta(VELOCITY_UNIT)).describe(
    "Velocity of minimum plate height u_opt = √(b/c), in mm/s; null unless b and c " +
      "are both significantly positive (b ≥ 2·SE(b) and c ≥ 2·SE(c))",
  ),
  optimumVelocityStandardError: z.number().nullable().meta(
    uncertaintyMeta("optimumVelocity", VELOCITY_UNIT),
  )
    .describe(
      "Standard uncertainty of u_opt, in mm/s: s = √(gᵀΣg) with gradient g = (0, " +
        "u_opt/(2b), −u_opt/(2c)) over (a, b, c); null without an optimum or with only three points",
    ),
  minimumPlateHeight: z.number().nullable().meta(unitMeta(PLATE_HEIGHT_UNIT)).describe(
    "Minimum plate height H_min = a + 2√(b·c), in µm; null unless b and c are " +
      "both significantly positive",
  ),
  minimumPlateHeightStandardError: z.number().nullable().meta(
    uncertaintyMeta("minimumPlateHeight", PLATE_HEIGHT_UNIT),
  )
    .describe(
      "Standard uncertainty of H_min, in µm: s = √(gᵀΣg) with gradient g = (1, " +
        "√(c/b), √(b/c)) over (a, b, c); null without an optimum or with only three points",
    ),
  noOptimumReason: z.string().nullable().describe(
    "Why no optimum is reported (b or c not significantly positive); null when there is one",
  ),
  rSquared: z.number().meta(unitMeta("1")).describe("R² of the fit (dimensionless)"),
  warnings: z.array(z.string()).describe(
    "Coefficients without physical meaning, an undefined or extrapolated optimum",
  ),
});

const BASIS = [() => 1, (u: number) => 1 / u, (u: number) => u];

function run(input: VanDeemterInput): VanDeemterOutput {
  const u = input.linearVelocities;
  const fit = fitBasis(u, input.plateHeights, {
    basis: BASIS,
    xName: "linearVelocities",
    yName: "plateHeights",
  });
  const [a, b, c] = fit.coefficients.map((value) => roundToSignificant(value, 15));
  const [seA, seB, seC] = fit.standardErrors;
  const warnings: string[] = [];
  if (a < 0) {
    warnings.push(`Fitted a is negative (${a}), which has no physical meaning`);
  }
  const reasons: string[] = [];
  if (b <= 0) {
    reasons.push(
      `Fitted b is not positive (${b}), so there is no optimum velocity; ` +
        "measure at lower velocities, where longitudinal diffusion dominates",
    );
  } else if (seB !== null && b < 2 * seB) {
    reasons.push(
      `Fitted b (${b}) is not significantly positive (b < 2·SE(b) = ${
        roundToSignificant(2 * seB, 4)
      }), so there is no optimum velocity; measure at lower velocities, where longitudinal ` +
        "diffusion dominates",
    );
  }
  if (c <= 0) {
    reasons.push(
      `Fitted c is not positive (${c}), so there is no optimum velocity; ` +
        "measure at higher velocities, where mass transfer dominates",
    );
  } else if (seC !== null && c < 2 * seC) {
    reasons.push(
      `Fitted c (${c}) is not significantly positive (c < 2·SE(c) = ${
        roundToSignificant(2 * seC, 4)
      }), so there is no optimum velocity; measure at higher velocities, where mass transfer ` +
        "dominates",
    );
  }
  if (reasons.length === 0 && !Number.isFinite(b / c)) {
    reasons.push(`The optimum velocity √(b/c) is too large to represent (b = ${b}, c = ${c})`);
  }
  for (const reason of reasons) warnings.push(reason);
  let optimumVelocity: number | null = null;
  let minimumPlateHeight: number | null = null;
  let optimumVelocityStandardError: number | null = null;
  let minimumPlateHeightStandardError: number | null = null;
  if (reasons.length === 0) {
    optimumVelocity = roundToSignificant(Math.sqrt(b / c), 15);
    minimumPlateHeight = roundToSignificant(a + 2 * Math.sqrt(b * c), 15);
    if (fit.covariance === null) {
      warnings.push(
        "With three velocities the fit has no degrees of freedom left, so the significance of b " +
          "and c and the optimum's uncertainty cannot be estimated",
      );
    } else {
      const uOpt = Math.sqrt(b / c);
      optimumVelocityStandardError = propagate(fit.covariance, [
        0,
        uOpt / (2 * b),
        -uOpt / (2 * c),
      ]);
      minimumPlateHeightStandardError = propagate(fit.covariance, [1, 1 / uOpt, uOpt]);
    }
    const [low, high] = extent(u);
    if (optimumVelocity < low || optimumVelocity > high) {
      warnings.push(
        `The optimum velocity ${optimumVelocity} lies outside the measured range ${low}–${high}, ` +
          "so it is extrapolated",
      );
    }
  }
  return tidyNumbers({
    a,
    b,
    c,
    standardErrors: { a: seA, b: seB, c: seC },
    covariance: fit.covariance,
    optimumVelocity,
    optimumVelocityStandardError,
    minimumPlateHeight,
    minimumPlateHeightStandardError,
    noOptimumReason: reasons.length === 0 ? null : reasons.join("; "),
    rSquared: fit.rSquared,
    warnings,
  });
}

/** First-order propagation √(gᵀΣg) of a function with gradient g. */
function propagate(covariance: number[][], gradient: number[]): number {
  let variance = 0;
  for (let i = 0; i < gradient.length; i++) {
    for (let j = 0; j < gradient.length; j++) {
      variance += gradient[i] * covariance[i][j] * gradient[j];
    }
  }
  return Math.sqrt(Math.max(0, variance));
}

function plot(input: VanDeemterInput, output: VanDeemterOutput): PlotSpec {
  const u = input.linearVelocities;
  const optimum = output.optimumVelocity;
  let low = optimum ?? Infinity;
  let high = optimum ?? -Infinity;
  for (const v of u) {
    low = Math.min(low, v);
    high = Math.max(high, v);
  }
  const curve = linspace(low * 0.9, high * 1.1, 200).map((v): [number, number] => [
    v,
    output.a + output.b / v + output.c * v,
  ]);
  const series: PlotSpec["series"] = [
    { kind: "points", name: "Measured", points: u.map((v, i) => [v, input.plateHeights[i]]) },
    {
      kind: "line",
      name: `Fit: H = A + B/u + C·u, A = ${legendNumber(output.a)}, B = ${
        legendNumber(output.b)
      }, C = ${legendNumber(output.c)}`,
      points: curve,
    },
  ];
  if (optimum !== null && output.minimumPlateHeight !== null) {
    series.push({
      kind: "points",
      name: `Optimum: u = ${legendNumber(optimum)}, H = ${legendNumber(output.minimumPlateHeight)}`,
      points: [[optimum, output.minimumPlateHeight]],
    });
  }
  return {
    title: optimum === null ? "Van Deemter plot (no optimum: see the output)" : "Van Deemter plot",
    xLabel: axisLabel("Linear velocity u", VELOCITY_UNIT),
    yLabel: axisLabel("Plate height H", PLATE_HEIGHT_UNIT),
    series,
  };
}

/**
 * `chromatography.van-deemter`: the A, B and C terms of the van Deemter
 * equation and the optimum velocity from plate heights measured at several
 * mobile-phase velocities.
 *
 * @example
 * ```ts
 * import { vanDeemter } from "./mod.ts";
 * import assert from "node:assert";
 * const u = [10, 20, 40, 80];
 * const input = vanDeemter.input.parse({
 *   linearVelocities: u,
 *   plateHeights: u.map((v) => 1.5 + 25 / v + 0.025 * v),
 * });
 * const output = await vanDeemter.run(input, { progress() {} });
 * assert.ok(Math.abs(output.optimumVelocity! - Math.sqrt(1000)) < 1e-9);
 * ```
 */
export const vanDeemter: LabModule<VanDeemterInput, VanDeemterOutput> = defineModule({
  key: "chromatography.van-deemter",
  version: "1.0.0",
  title: "Van Deemter analysis: plate height against velocity",
  domain: "chromatography",
  summary:
    "Fits H = A + B/u + C·u to plate heights measured at several mobile-phase velocities and " +
    "reports the optimum velocity and the minimum plate height.",
  method:
    "The van Deemter equation H = A + B/u + C·u is linear in its coefficients, so the module fits " +
    "it by linear least squares on the basis functions 1, 1/u and u. The design matrix is factored " +
    "by Householder QR after scaling each column to unit length, which avoids the squared " +
    "condition number of the normal equations. Setting dH/du = −B/u² + C = 0 gives the optimum " +
    "velocity u_opt = √(B/C) and the minimum plate height H_min = A + 2√(B·C); these are reported " +
    "only when B and C are both significantly positive (B ≥ 2·SE(B) and C ≥ 2·SE(C)), otherwise " +
    "they are null and noOptimumReason and a warning say why. Their standard uncertainties are " +
    "propagated to first order from the full covariance matrix Σ = s²·(XᵀX)⁻¹ of (A, B, C): " +
    "s = √(gᵀΣg), with gradients g = (0, u_opt/(2B), −u_opt/(2C)) for u_opt and (1, √(C/B), " +
    "√(B/C)) for H_min. Units are the user's: " +
    "A has the unit of H, B the unit of H times that of u, C the unit of H divided by that of u." +
    " Reported numbers are rounded to 15 significant figures, which removes binary floating-point noise and nothing else.",
  citations: [
    "van Deemter, J. J.; Zuiderweg, F. J.; Klinkenberg, A. Longitudinal diffusion and resistance " +
    "to mass transfer as causes of nonideality in chromatography. Chem. Eng. Sci. 1956, 5 (6), " +
    "271–289. https://doi.org/10.1016/0009-2509(56)80003-1",
    "Skoog, D. A.; Holler, F. J.; Crouch, S. R. Principles of Instrumental Analysis, 6th ed.; " +
    "Thomson Brooks/Cole: Belmont, CA, 2007; chapter 26, An Introduction to Chromatographic " +
    "Separations (band broadening and the van Deemter equation).",
    "Harvey, D. Analytical Chemistry 2.1; DePauw University: Greencastle, IN, 2016; section 12.2, " +
    "General Theory of Column Chromatography (the van Deemter equation).",
  ],
  limitations: [
    "The three-term equation is an approximation. Packed HPLC columns are often better described " +
    "by the Knox equation (h = A·ν^(1/3) + B/ν + C·ν), and open tubular GC columns have no A term " +
    "(the Golay equation).",
    "In gas chromatography the carrier gas is compressible, so the velocity varies along the " +
    "column; use the average (outlet-corrected) linear velocity.",
    "Ordinary least squares weights all plate heights equally, although plate heights at low " +
    "velocities are usually less precise; a fit dominated by a few points can give negative " +
    "coefficients, which are reported with a warning.",
    "With exactly three velocities the curve passes through every point and no standard errors " +
    "can be estimated, so the significance of B and C cannot be tested; the optimum is then " +
    "reported with a warning and without an uncertainty.",
    "The significance test uses 2·SE, a rough 95 % criterion; with few velocities the Student t " +
    "factor is larger than 2. The propagated uncertainties are first order and understate the " +
    "spread when B or C is barely significant.",
  ],
  mainOutput: "optimumVelocity",
  learnerNotes: [
    "A chromatographic band spreads as it travels down the column. The plate height H is the " +
    "spreading per unit length: the smaller H, the more plates fit in the column and the sharper the " +
    "peaks.",
    "The A term comes from the many different paths through the packing (eddy diffusion) and does " +
    "not depend on velocity. The B/u term is diffusion along the column, which matters most when " +
    "the mobile phase moves slowly. The C·u term comes from the finite speed of mass transfer " +
    "between the phases, which matters most when it moves fast.",
    "Because one term falls and one rises with velocity, H has a minimum at u_opt = √(B/C). Running " +
    "slightly faster than u_opt usually costs little efficiency and saves a lot of time, since the " +
    "curve is flatter on the high-velocity side.",
    "Smaller packing particles reduce A and C, and a mobile phase in which analytes diffuse faster " +
    "raises u_opt, which is why hydrogen is a fast GC carrier gas.",
  ],
  examples: [
    {
      name: "synthetic-exact-curve",
      source:
        "Synthetic exact data (no published plate-height data set could be verified for this " +
        "release): H = 1.5 + 25/u + 0.025·u (H in µm, u in mm/s) at u = 5, 10, 20, 30, 40, 60, 80 " +
        "mm/s. The expected values are the generating constants and the analytic optimum " +
        "u_opt = √(B/C) = √1000 mm/s and H_min = A + 2√(BC) = 1.5 + 2√0.625 µm (van Deemter et al., " +
        "1956).",
      input: {
        linearVelocities: [5, 10, 20, 30, 40, 60, 80],
        plateHeights: [6.625, 4.25, 3.25, 3.0833333333333335, 3.125, 3.4166666666666665, 3.8125],
      },
      expected: {
        a: 1.5,
        b: 25,
        c: 0.025,
        optimumVelocity: 31.62,
        minimumPlateHeight: 3.081,
        rSquared: 1,
        warnings: [],
      },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run,
  plot,
});
