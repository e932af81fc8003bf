/**
 * The module contract: what every analysis module, built-in or plugin,
 * provides. A module is pure: it never touches storage, the clock or the
 * network; the job runtime does all of that around it.
 *
 * @module
 */
/** One problem found by a {@linkcode Schema}. */
export interface SchemaIssue {
  /** Where: the keys and indexes from the root of the value. */
  path: PropertyKey[];
  /** What is wrong. */
  message: string;
  /** A machine-readable code, such as zod's `too_small`. */
  code: string;
}

/** The result of {@linkcode Schema.safeParse}. */
export type SafeParseResult<T> =
  | { success: true; data: T; error?: never }
  | { success: false; error: { issues: SchemaIssue[] }; data?: never };

/**
 * A validating schema. LabOS uses zod 4 schemas, which satisfy this
 * interface; it names only what LabOS relies on.
 */
export interface Schema<T> {
  /** Validates and returns the value with defaults applied, or throws. */
  parse(value: unknown): T;
  /** Validates without throwing. */
  safeParse(value: unknown): SafeParseResult<NoInfer<T>>;
}

/** The API version of this contract, checked against a plugin's `labosApi` range. */
export const LABOS_API_VERSION = "1.0.0";

/**
 * How a numeric input field declares its unit: JSON Schema keywords on the
 * field, `x-unit` (a UCUM code such as `s`, `mol/L`, `Cel`, `kJ/mol`) and,
 * for a temperature change, `x-unit-kind: "difference"`. A zod schema takes
 * them with `.meta(unitMeta("s"))`; an executable plugin writes them in its
 * `inputSchema`. On an array field the unit is that of each element.
 *
 * LabOS converts into the declared unit whatever comes with another one: a
 * mapped dataset column with a unit (`min` into `s`) and a value written
 * with a unit (`--param "timeS=5 min"`, the panel form). An absolute
 * temperature is shifted (0 Cel is 273.15 K); a difference is only scaled.
 */
export interface UnitMeta {
  /** The unit, as a UCUM code. */
  "x-unit": string;
  /** `difference` for a change (ΔT), which converts without an offset. */
  "x-unit-kind"?: "difference";
  /** Other JSON Schema keywords, as zod's `.meta()` takes them. */
  [keyword: string]: unknown;
}

/**
 * The JSON Schema keywords that declare a field's unit, for zod's `.meta()`.
 *
 * @example
 * ```ts
 * import * as z from "zod";
 * import { unitMeta } from "./contract.ts";
 * import assert from "node:assert";
 * const input = z.object({ timesS: z.array(z.number()).meta(unitMeta("s")) });
 * const schema = z.toJSONSchema(input) as { properties: Record<string, Record<string, unknown>> };
 * assert.strictEqual(schema.properties.timesS["x-unit"], "s");
 * assert.deepStrictEqual(unitMeta("K", { difference: true })["x-unit-kind"], "difference");
 * ```
 */
export function unitMeta(unit: string, options: { difference?: boolean } = {}): UnitMeta {
  return options.difference ? { "x-unit": unit, "x-unit-kind": "difference" } : { "x-unit": unit };
}

/**
 * The JSON Schema keywords of a numeric field whose unit is not fixed, for
 * zod's `.meta()`: `x-unit-from` says where the unit comes from, one of
 * - a sibling field that holds the unit as text (`rateConstantUnit`),
 * - a sibling field that names an input field whose declared unit applies
 *   (`input`, in an uncertainty budget row),
 * - an input field, whose unit the output shares (`rateConstants`),
 * - output fields separated by spaces, for a covariance matrix: entry
 *   (i, j) is in the product of the units of the i-th and j-th (`a b c`),
 * - `caller`: a unit of the caller's choice, the same for every value.
 *
 * `over` gives a unit divided by that one (`over: "J"` is J per unit of
 * the input). Every other numeric field of a built-in module declares a
 * fixed UCUM code with {@linkcode unitMeta}; a dimensionless quantity (R²,
 * a ratio, a fraction, a count, a plate number, an absorbance, a charge
 * number, a logarithm such as ln(A / (1/s))) declares UCUM's unity `1`,
 * which text output prints as a bare number.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { unitFromMeta } from "./contract.ts";
 * assert.deepStrictEqual(unitFromMeta("rateConstantUnit"), { "x-unit-from": "rateConstantUnit" });
 * assert.deepStrictEqual(unitFromMeta("input", { over: "J" }), {
 *   "x-unit-from": "input",
 *   "x-unit-over": "J",
 * });
 * ```
 */
export function unitFromMeta(
  source: string,
  options: { over?: string } = {},
): Record<string, string> {
  return options.over === undefined
    ? { "x-unit-from": source }
    : { "x-unit-from": source, "x-unit-over": options.over };
}

/**
 * The JSON Schema keywords that mark an output field as the standard
 * uncertainty of a sibling field (`x-uncertainty-of`), with its unit, for
 * zod's `.meta()`. LabOS shows the pair GUM-style, `−57.7 ± 1.4 kJ/mol`,
 * in text output; the stored output keeps both fields as they are.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { uncertaintyMeta } from "./contract.ts";
 * assert.deepStrictEqual(uncertaintyMeta("heatJ", "J"), {
 *   "x-uncertainty-of": "heatJ",
 *   "x-unit": "J",
 * });
 * ```
 */
export function uncertaintyMeta(of: string, unit?: string): Record<string, string> {
  return unit === undefined
    ? { "x-uncertainty-of": of }
    : { "x-uncertainty-of": of, "x-unit": unit };
}

/** What the runtime hands to `run`: progress reporting and nothing else. */
export interface ModuleContext {
  /** Reports progress as a fraction from 0 to 1, with an optional message. */
  progress(fraction: number, message?: string): void;
}

/** A named sample input and the output it must give. */
export interface ModuleExample {
  /** A short name, such as `caffeine`. */
  name: string;
  /** Where the expected values come from (a citation). */
  source: string;
  /** A valid input. */
  input: Record<string, unknown>;
  /** A subset of the output that the run must reproduce (numbers to 4 significant figures). */
  expected: Record<string, unknown>;
}

/** The descriptive part of a module, shown by `labos modules show`. */
export interface ModuleDescriptor {
  /** Stable key, `domain.name`, such as `thermo.calorimetry`. */
  key: string;
  /** Semantic version of the module's algorithm and output shape. */
  version: string;
  /** Human title. */
  title: string;
  /** The scientific domain: `ms`, `thermo`, `kinetics`, `chromatography`, `spectroscopy` or a plugin's own. */
  domain: string;
  /** One sentence on what it computes. */
  summary: string;
  /** One paragraph describing the algorithm. */
  method: string;
  /** Real references: textbooks or papers. */
  citations: string[];
  /** Where the method stops being valid. */
  limitations: string[];
  /** The science explained for a student. */
  learnerNotes: string[];
  /** Worked examples with their expected outputs. */
  examples: ModuleExample[];
  /**
   * The output field that sums up a run, such as `reactionEnthalpyKJPerMol`
   * (a path as `modules show` lists it), shown in the batch summary; a list
   * names fallbacks for an optional field (the first one present is shown).
   * Optional: by default, the first top-level numeric output field.
   */
  mainOutput?: string | string[];
}

/** One data series of a plot. */
export interface PlotSeries {
  /** How to draw it: markers, a connected line, or vertical sticks from zero. */
  kind: "points" | "line" | "sticks";
  /** Legend label. */
  name: string;
  /** The points, as `[x, y]` pairs. */
  points: Array<[number, number]>;
  /** Draw a line dashed, as for an extrapolation beyond the data. */
  dashed?: boolean;
}

/** A short text label placed just above a data point, such as a peak assignment. */
export interface PlotAnnotation {
  /** X of the point, in data units. */
  x: number;
  /** Y of the point, in data units; the label sits above it. */
  y: number;
  /** The label; labels that would overlap are stacked upwards. */
  text: string;
}

/** One set of axes: its own title, labels, series and annotations. */
export interface PlotPanel {
  /** Panel title. */
  title: string;
  /** X axis label, with the UCUM unit of its field when it declares one. */
  xLabel: string;
  /** Y axis label, with the UCUM unit of its field when it declares one. */
  yLabel: string;
  /** The series, drawn in order. */
  series: PlotSeries[];
  /** Text labels at data points, drawn above them. */
  annotations?: PlotAnnotation[];
}

/**
 * A renderer-neutral plot description; `src/plots` turns it into SVG. With
 * `panels`, the figure is those panels under the title (the first one across
 * the top, the others side by side below it), and the spec's own labels and
 * series are not drawn.
 */
export interface PlotSpec extends PlotPanel {
  /** Several views of one result, such as C, ln C and 1/C against t. */
  panels?: PlotPanel[];
}

/**
 * The optional part of a module's output that the runtime reads: cautions
 * about a result that is still valid, such as an extrapolated unknown or a
 * negative activation energy. A module whose output object has a top-level
 * `warnings` array of one-line strings gets them stored on the job and
 * printed on stderr, one line each; a failure is thrown as a
 * {@linkcode ModuleError} instead.
 */
export interface ModuleWarnings {
  /** One-line cautions, sentence case, no trailing period. */
  warnings?: string[];
}

/**
 * A complete analysis module.
 *
 * @typeParam I The validated input type.
 * @typeParam O The output type.
 */
export interface LabModule<I = unknown, O = unknown> extends ModuleDescriptor {
  /** Validates and defaults the input: a zod 4 schema. */
  input: Schema<I>;
  /** Describes the output: a zod 4 schema. */
  output: Schema<O>;
  /** Computes the output; pure and deterministic. Throws {@linkcode ModuleError} on failure. */
  run(input: I, context: ModuleContext): O | Promise<O>;
  /** Describes a plot of the result, where one is natural. */
  plot?(input: I, output: O): PlotSpec;
}

/**
 * A failure inside a module's computation, such as a singular fit. The
 * runtime records it on a failed job.
 *
 * @example
 * ```ts
 * import { ModuleError } from "./contract.ts";
 * import assert from "node:assert";
 * const error = new ModuleError("Cannot fit a line: all temperatures are equal");
 * assert.strictEqual(error.name, "ModuleError");
 * ```
 */
export class ModuleError extends Error {
  /** More about the failure (a plugin's stderr, say), kept on the failed job, capped. */
  detail?: string;

  /** Creates a module failure with a one-line message and, optionally, its detail. */
  constructor(message: string, options: { detail?: string } = {}) {
    super(message);
    this.name = "ModuleError";
    if (options.detail !== undefined) this.detail = options.detail;
  }
}

/**
 * Identity helper that gives a module literal its full type.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineModule } from "./contract.ts";
 * import assert from "node:assert";
 * const double = defineModule({
 *   key: "demo.double", version: "1.0.0", title: "Double", domain: "demo",
 *   summary: "Doubles a number", method: "Multiplies by two.", citations: [],
 *   limitations: [], learnerNotes: [], examples: [],
 *   input: z.object({ x: z.number() }), output: z.object({ y: z.number() }),
 *   run: (input) => ({ y: input.x * 2 }),
 * });
 * assert.strictEqual(double.key, "demo.double");
 * ```
 */
export function defineModule<I, O>(module: LabModule<I, O>): LabModule<I, O> {
  return module;
}
