import * as z from "zod";
import {
  defineModule,
  type LabModule,
  type PlotAnnotation,
  type PlotSpec,
  unitMeta,
} from "../../contract.ts";
import { axisLabel, legendNumber } from "../_plot_text.ts";
import { linspace, roundToSignificant, WarningTally } from "../_stats.ts";

/** The UCUM unit every time field declares; the plot's axis says the same. */
const TIME_UNIT = "min";
/** Above this many peaks the plot names none of them. */
const MAX_LABELLED_PEAKS = 40;

/** One chromatographic peak as measured. */
export interface PeakInput {
  /** The compound or a label. */
  name: string;
  /** Retention time, in minutes. */
  retentionTimeMin: number;
  /** Width at the baseline between the tangents, in minutes. */
  baseWidthMin?: number;
  /** Full width at half height, in minutes. */
  halfHeightWidthMin?: number;
}

/** Validated input of {@linkcode peakMetrics}. */
export interface PeakMetricsInput {
  /** Retention time of an unretained compound (dead time, t0), in minutes. */
  deadTimeMin?: number;
  /** The peaks, in any order. */
  peaks: PeakInput[];
}

/** Figures of merit of one peak. */
export interface PeakResult {
  /** The peak's name. */
  name: string;
  /** Retention time, in minutes. */
  retentionTimeMin: number;
  /** Which width the plate count used. */
  widthKind: "base" | "halfHeight";
  /** Retention factor k = (tR − t0)/t0; null without a dead time. */
  retentionFactor: number | null;
  /** Number of theoretical plates, 16(tR/wb)² or 5.54(tR/wh)². */
  plates: number;
}

/** Figures of merit of two adjacent peaks. */
export interface PairResult {
  /** The earlier peak. */
  first: string;
  /** The later peak. */
  second: string;
  /** Resolution, 2Δt/(wb1 + wb2) or 1.18Δt/(wh1 + wh2). */
  resolution: number;
  /** Selectivity α = k2/k1; null without a dead time. */
  selectivity: number | null;
  /** The widths used: both base, both half-height, or mixed (half-height converted to base). */
  widthBasis: "base" | "halfHeight" | "mixed";
}

/** Output of {@linkcode peakMetrics}. */
export interface PeakMetricsOutput {
  /** Every peak, in order of retention time. */
  peaks: PeakResult[];
  /** Every pair of neighbouring peaks, in order of retention time. */
  pairs: PairResult[];
  /** Plate counts below 1 and other cautions. */
  warnings: string[];
}

// For a Gaussian peak the tangent base width is 4σ and the half-height width 2√(2 ln 2)·σ.
const BASE_PER_HALF_HEIGHT = 4 / (2 * Math.sqrt(2 * Math.LN2));

const peakSchema = z.object({
  name: z.string().min(1).describe("Compound name or label of the peak"),
  retentionTimeMin: z.number().positive().meta(unitMeta(TIME_UNIT)).describe(
    "Retention time at the peak maximum, in minutes",
  ),
  baseWidthMin: z.number().positive().optional().meta(unitMeta(TIME_UNIT)).describe(
    "Peak width at the baseline, between the tangents through the inflection points, in minutes; " +
      "give this or halfHeightWidthMin",
  ),
  halfHeightWidthMin: z.number().positive().optional().meta(unitMeta(TIME_UNIT)).describe(
    "Full peak width at half height, in minutes; give this or baseWidthMin",
  ),
});

const inputSchema = z.object({
  deadTimeMin: z.number().positive().optional().meta(unitMeta(TIME_UNIT)).describe(
    "Dead time t0, the retention time of an unretained compound, in minutes; needed for retention " +
      "factors and selectivities",
  ),
  peaks: z.array(peakSchema).min(1).describe(
    "The peaks, in any order; each needs exactly one of baseWidthMin and halfHeightWidthMin",
  ),
}).superRefine((input, ctx) => {
  const seen = new Set<string>();
  input.peaks.forEach((peak, i) => {
    const hasBase = peak.baseWidthMin !== undefined;
    const hasHalf = peak.halfHeightWidthMin !== undefined;
    if (!hasBase && !hasHalf) {
      ctx.addIssue({
        code: "custom",
        path: ["peaks", i, "baseWidthMin"],
        message: `is required unless halfHeightWidthMin is given (peak ${
          JSON.stringify(peak.name)
        })`,
      });
    } else if (hasBase && hasHalf) {
      ctx.addIssue({
        code: "custom",
        path: ["peaks", i, "halfHeightWidthMin"],
        message: `must be omitted when baseWidthMin is given (peak ${JSON.stringify(peak.name)})`,
      });
    }
    // One hash lookup per name: the set grows unless the name was there.
    const known = seen.size;
    seen.add(peak.name);
    if (seen.size === known) {
      ctx.addIssue({
        code: "custom",
        path: ["peaks", i, "name"],
        message: "must be unique among the peaks",
      });
    }
    if (input.deadTimeMin !== undefined && peak.retentionTimeMin <= input.deadTimeMin) {
      ctx.addIssue({
        code: "custom",
        path: ["peaks", i, "retentionTimeMin"],
        message: `must be > deadTimeMin (${input.deadTimeMin})`,
      });
    }
  });
});

const outputSchema = z.object({
  peaks: z.array(z.object({
    name: z.string().describe("The peak's name"),
    retentionTimeMin: z.number().meta(unitMeta(TIME_UNIT)).describe("Retention time, in minutes"),
    widthKind: z.enum(["base", "halfHeight"]).describe("Width used for the plate count"),
    retentionFactor: z.number().nullable().meta(unitMeta("1")).describe(
      "Retention factor k = (tR − t0)/t0 (dimensionless); null without deadTimeMin",
    ),
    plates: z.number().meta(unitMeta("1")).describe(
      "Theoretical plates N = 16(tR/wb)² from the base width or 5.54(tR/wh)² from the half-height " +
        "width (dimensionless)",
    ),
  })).describe("Every peak, in order of retention time"),
  pairs: z.array(z.object({
    first: z.string().describe("The earlier peak"),
    second: z.string().describe("The later peak"),
    resolution: z.number().meta(unitMeta("1")).describe(
      "Resolution Rs = 2(tR2 − tR1)/(wb1 + wb2), or 1.18(tR2 − tR1)/(wh1 + wh2) for half-height " +
        "widths; mixed pairs convert half-height to base width as wb = 1.699·wh (Gaussian); " +
        "dimensionless",
    ),
    selectivity: z.number().nullable().meta(unitMeta("1")).describe(
      "Selectivity α = k2/k1 of the later to the earlier peak (dimensionless); null without " +
        "deadTimeMin",
    ),
    widthBasis: z.enum(["base", "halfHeight", "mixed"]).describe("Widths used for the resolution"),
  })).describe("Every pair of neighbouring peaks, in order of retention time"),
  warnings: z.array(z.string()).describe(
    "Plate counts below 1 (a peak wider than its retention time allows) and other cautions",
  ),
});

function run(input: PeakMetricsInput): PeakMetricsOutput {
  const t0 = input.deadTimeMin;
  const all = input.peaks;
  // Sorted by retention time, ties in input order; indexes, not wrapper objects.
  const order = Array.from({ length: all.length }, (_, i) => i);
  order.sort((a, b) => all[a].retentionTimeMin - all[b].retentionTimeMin || a - b);
  // Rows are built already tidy (15 significant figures); comparisons use the unrounded values.
  const tidy = (value: number) => roundToSignificant(value, 15);
  const peaks = new Array<PeakResult>(order.length);
  const factors = new Array<number | null>(order.length);
  const warnings: string[] = [];
  const fewPlates = new WarningTally(warnings);
  for (let i = 0; i < order.length; i++) {
    const peak = all[order[i]];
    const tR = peak.retentionTimeMin;
    const base = peak.baseWidthMin;
    const retentionFactor = t0 === undefined ? null : (tR - t0) / t0;
    const plates = base !== undefined
      ? 16 * (tR / base) ** 2
      : 5.54 * (tR / peak.halfHeightWidthMin!) ** 2;
    factors[i] = retentionFactor;
    peaks[i] = {
      name: peak.name,
      retentionTimeMin: tidy(tR),
      widthKind: base !== undefined ? "base" : "halfHeight",
      retentionFactor: retentionFactor === null ? null : tidy(retentionFactor),
      plates: tidy(plates),
    };
    if (plates < 1) {
      fewPlates.add(() =>
        `Peak ${JSON.stringify(peak.name)} has a plate count below 1 (N = ${
          roundToSignificant(plates, 3)
        }): its width is too large for its retention time; check the width and its unit`
      );
    }
  }
  fewPlates.close((more, all) =>
    `${more} more peaks have a plate count below 1 (${all} in all); check the widths and their unit`
  );
  const pairs = new Array<PairResult>(Math.max(0, order.length - 1));
  for (let i = 1; i < order.length; i++) {
    const a = all[order[i - 1]];
    const b = all[order[i]];
    const gap = b.retentionTimeMin - a.retentionTimeMin;
    let resolution: number;
    let widthBasis: PairResult["widthBasis"];
    if (a.baseWidthMin !== undefined && b.baseWidthMin !== undefined) {
      resolution = (2 * gap) / (a.baseWidthMin + b.baseWidthMin);
      widthBasis = "base";
    } else if (a.halfHeightWidthMin !== undefined && b.halfHeightWidthMin !== undefined) {
      resolution = (1.18 * gap) / (a.halfHeightWidthMin + b.halfHeightWidthMin);
      widthBasis = "halfHeight";
    } else {
      resolution = (2 * gap) / (baseWidth(a) + baseWidth(b));
      widthBasis = "mixed";
    }
    const [ka, kb] = [factors[i - 1], factors[i]];
    pairs[i - 1] = {
      first: a.name,
      second: b.name,
      resolution: tidy(resolution),
      selectivity: ka === null || kb === null ? null : tidy(kb / ka),
      widthBasis,
    };
  }
  return { peaks, pairs, warnings };
}

function baseWidth(peak: PeakInput): number {
  return peak.baseWidthMin ?? peak.halfHeightWidthMin! * BASE_PER_HALF_HEIGHT;
}

// The axis spans the peaks (each ±5σ of a Gaussian with base width 4σ), not the run from zero:
// a dead time far before the first peak is named in the title instead of widening the axis.
function plot(input: PeakMetricsInput, output: PeakMetricsOutput): PlotSpec {
  const shapes = input.peaks.map((peak) => ({
    center: peak.retentionTimeMin,
    sigma: baseWidth(peak) / 4,
  }));
  let start = Infinity;
  let end = -Infinity;
  for (const s of shapes) {
    start = Math.min(start, s.center - 5 * s.sigma);
    end = Math.max(end, s.center + 5 * s.sigma);
  }
  const t0 = input.deadTimeMin;
  const deadTimeShown = t0 !== undefined && t0 >= start - 0.25 * (end - start);
  if (t0 !== undefined && deadTimeShown) start = Math.min(start, t0 - 0.02 * (end - start));
  const times = linspace(start, end, 600);
  const signal = new Array<number>(times.length).fill(0);
  const step = (end - start) / (times.length - 1);
  // Each peak adds to the samples within 10σ of its centre (beyond, exp(-50) is nothing to draw).
  for (const s of shapes) {
    const first = Math.max(0, Math.ceil((s.center - 10 * s.sigma - start) / step));
    const last = Math.min(times.length - 1, Math.floor((s.center + 10 * s.sigma - start) / step));
    for (let i = first; i <= last; i++) {
      signal[i] += Math.exp(-0.5 * ((times[i] - s.center) / s.sigma) ** 2);
    }
  }
  const trace = times.map((t, i): [number, number] => [t, signal[i]]);
  const height = (t: number) =>
    shapes.reduce((sum, s) => sum + Math.exp(-0.5 * ((t - s.center) / s.sigma) ** 2), 0);
  const series: PlotSpec["series"] = [
    { kind: "line", name: "Simulated chromatogram (unit-height Gaussian peaks)", points: trace },
    {
      kind: "sticks",
      name: "Retention times",
      points: output.peaks.map((peak) => [peak.retentionTimeMin, 1]),
    },
  ];
  if (t0 !== undefined && deadTimeShown) {
    series.push({ kind: "sticks", name: "Dead time t₀", points: [[t0, 0.25]] });
  }
  // Names and Rs label a readable number of peaks; a long list is drawn unlabelled.
  const annotations: PlotAnnotation[] = [];
  if (output.peaks.length <= MAX_LABELLED_PEAKS) {
    for (const peak of output.peaks) {
      annotations.push({
        x: peak.retentionTimeMin,
        y: height(peak.retentionTimeMin),
        text: peak.name,
      });
    }
    output.pairs.forEach((pair, i) => {
      const [a, b] = [output.peaks[i].retentionTimeMin, output.peaks[i + 1].retentionTimeMin];
      // Between the two peaks at the height of the taller one, clear of the trace.
      annotations.push({
        x: (a + b) / 2,
        y: Math.max(height(a), height(b)),
        text: `Rs = ${legendNumber(pair.resolution)}`,
      });
    });
  }
  return {
    title: t0 !== undefined && !deadTimeShown
      ? `Chromatographic peaks (dead time t₀ = ${t0} ${TIME_UNIT}, off the axis)`
      : "Chromatographic peaks",
    xLabel: axisLabel("Retention time t", TIME_UNIT),
    yLabel: "Relative signal",
    series,
    annotations,
  };
}

const HARVEY_12 =
  "Harvey, D. Analytical Chemistry 2.1; DePauw University: Greencastle, IN, 2016; chapter 12, " +
  "Chromatographic and Electrophoretic Methods, section 12.2 General Theory of Column " +
  "Chromatography";

/**
 * `chromatography.peak-metrics`: retention factors, plate numbers,
 * resolutions and selectivities of the peaks in one chromatogram.
 *
 * @example
 * ```ts
 * import { peakMetrics } from "./mod.ts";
 * import assert from "node:assert";
 * const input = peakMetrics.input.parse({
 *   peaks: [
 *     { name: "limonene", retentionTimeMin: 8.36, baseWidthMin: 0.96 },
 *     { name: "γ-terpinene", retentionTimeMin: 9.54, baseWidthMin: 0.64 },
 *   ],
 * });
 * const output = await peakMetrics.run(input, { progress() {} });
 * assert.ok(Math.abs(output.pairs[0].resolution - 1.475) < 1e-9);
 * ```
 */
export const peakMetrics: LabModule<PeakMetricsInput, PeakMetricsOutput> = defineModule({
  key: "chromatography.peak-metrics",
  version: "1.0.0",
  title: "Chromatographic peak metrics",
  domain: "chromatography",
  summary:
    "Computes retention factors, theoretical plates, and the resolution and selectivity of " +
    "neighbouring peaks from retention times and peak widths.",
  method: "Peaks are sorted by retention time tR. With a dead time t0 the retention factor is " +
    "k = (tR − t0)/t0. The plate number is N = 16(tR/wb)² from the tangent baseline width wb or " +
    "N = 5.54(tR/wh)² from the width at half height wh (5.54 ≈ 8 ln 2 for a Gaussian). For each " +
    "pair of neighbours the resolution is Rs = 2(tR2 − tR1)/(wb1 + wb2), or " +
    "Rs = 1.18(tR2 − tR1)/(wh1 + wh2) when both widths are half-height widths (1.18 ≈ √(2 ln 2)). " +
    "When one peak has a base width and the other a half-height width, the half-height width is " +
    "converted to a base width assuming a Gaussian profile, wb = 4wh/(2√(2 ln 2)) ≈ 1.699·wh, and the " +
    "base-width formula is used; the pair is flagged as mixed. The selectivity is α = k2/k1, the " +
    "later peak's retention factor over the earlier one's. A plate count below 1 (wb > 4·tR or " +
    "wh > 2.35·tR) cannot describe a real column and is reported with a " +
    "warning." +
    " Reported numbers are rounded to 15 significant figures, which removes binary floating-point noise and nothing else.",
  citations: [
    HARVEY_12 + ".",
    "Skoog, D. A.; Holler, F. J.; Crouch, S. R. Principles of Instrumental Analysis, 6th ed.; " +
    "Thomson Brooks/Cole: Belmont, CA, 2007; chapter 26, An Introduction to Chromatographic " +
    "Separations.",
    "Ettre, L. S. Nomenclature for chromatography (IUPAC Recommendations 1993). Pure Appl. Chem. " +
    "1993, 65 (4), 819–872. https://doi.org/10.1351/pac199365040819",
  ],
  limitations: [
    "The plate and resolution formulas assume Gaussian peaks. Tailing or fronting peaks give " +
    "inflated plate counts from half-height widths; use moment analysis or the Foley–Dorsey " +
    "equations for asymmetric peaks.",
    "Plate numbers from different width definitions agree only for Gaussian peaks, and the " +
    "conventional constants 5.54 and 1.18 are roundings of 8 ln 2 and √(2 ln 2).",
    "Retention factors and selectivities need the true dead time; an unretained marker that is " +
    "partly retained or excluded from the pores biases them.",
    "Under gradient elution or temperature programming, k and N computed this way are apparent " +
    "values only.",
  ],
  learnerNotes: [
    "Retention time alone depends on column length and flow rate. The retention factor k compares " +
    "the time a compound spends in the stationary phase (tR − t0) with the time it spends moving " +
    "with the mobile phase (t0), which makes it a property of the chemistry.",
    "A column behaves as if it were made of N equilibrium steps, the theoretical plates. Narrow " +
    "peaks relative to their retention time mean many plates and an efficient column; N grows as " +
    "the square of tR/w.",
    "Resolution measures how far apart two peaks are compared with their widths. Rs = 1 leaves " +
    "about 2% overlap; Rs = 1.5 is baseline separation for peaks of similar size.",
    "Selectivity α says how differently the stationary phase holds two compounds. If α = 1 no " +
    "number of plates will separate them, which is why changing the mobile or stationary phase is " +
    "often more effective than using a longer column.",
  ],
  examples: [
    {
      name: "lemon-oil-limonene-terpinene",
      source: HARVEY_12 +
        ", worked example on resolution: in a chromatographic analysis of lemon oil, limonene has " +
        "tR = 8.36 min and wb = 0.96 min, γ-terpinene tR = 9.54 min and wb = 0.64 min; published " +
        "Rs = 1.48 (to 3 figures; 2 × 1.18/1.60 = 1.475). The plate numbers are arithmetic on the " +
        "same data, not printed in the example.",
      input: {
        peaks: [
          { name: "limonene", retentionTimeMin: 8.36, baseWidthMin: 0.96 },
          { name: "γ-terpinene", retentionTimeMin: 9.54, baseWidthMin: 0.64 },
        ],
      },
      expected: {
        peaks: [
          { name: "limonene", retentionFactor: null, plates: 1213 },
          { name: "γ-terpinene", retentionFactor: null, plates: 3555 },
        ],
        pairs: [{ first: "limonene", second: "γ-terpinene", resolution: 1.475, selectivity: null }],
      },
    },
  ],
  input: inputSchema,
  output: outputSchema,
  run,
  plot,
});
