import { LabosError, quote } from "../errors.ts";
import { ucumSpelling } from "./_parse.ts";

/** How values were brought from one unit to another: `to = from × factor + offset`. */
export interface UnitConversion {
  /** The unit converted from, as a UCUM code. */
  from: string;
  /** The unit converted to, as a UCUM code. */
  to: string;
  /** The scale factor. */
  factor: number;
  /** The offset added after scaling, present only when not 0 (Cel → K for an absolute temperature). */
  offset?: number;
}

/** Options for {@linkcode unitConversion} and {@linkcode convertValues}. */
export interface ConvertOptions {
  /** The unit of the values, as written (common lab spellings accepted). */
  from: string;
  /** The unit wanted, as written. */
  to: string;
  /**
   * The values are differences (a temperature change ΔT): scaled, never
   * offset. Default false (absolute values).
   */
  difference?: boolean;
  /** Names the values in an error, e.g. `column "T_C"`. Default `a value`. */
  source?: string;
  /** Names the destination in an error, e.g. `"concentrationsM"`. Default `the field`. */
  target?: string;
  /** The verb of an error message: `Cannot map …` or (default) `Cannot convert …`. */
  verb?: string;
}

interface UcumResult {
  status: string;
  toVal: number | null;
  msg: string[];
}

interface UcumUtils {
  validateUnitString(
    unit: string,
    suggest?: boolean,
  ): { status: string; ucumCode: string | null; msg: string[] };
  convertUnitTo(from: string, value: number, to: string): UcumResult;
}

let utils: Promise<UcumUtils> | undefined;

// NLM's UCUM library (about 0.1 s to load its unit tables) is loaded on the
// first unit that needs checking, never at start-up.
function ucum(): Promise<UcumUtils> {
  utils ??= import("@lhncbc/ucum-lhc").then((module) => {
    const lib = (module.default ?? module) as {
      UcumLhcUtils: { getInstance(): UcumUtils };
    };
    return lib.UcumLhcUtils.getInstance();
  });
  return utils;
}

/**
 * The UCUM code of a unit as written: a UCUM code, or one of the common lab
 * spellings (`mM`, `M`, `°C`, `degC`, `µm`), which become `mmol/L`,
 * `mol/L`, `Cel`, `um`.
 *
 * @throws {LabosError} `invalid`, quoting the unit, when it is not a unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseUnit } from "./_convert.ts";
 * assert.strictEqual(await parseUnit("mM"), "mmol/L");
 * assert.strictEqual(await parseUnit("°C"), "Cel");
 * await assert.rejects(parseUnit("parsec-ish"), /Invalid unit "parsec-ish"/);
 * ```
 */
export async function parseUnit(text: string): Promise<string> {
  const spelled = ucumSpelling(text);
  const invalid = () =>
    new LabosError(
      "invalid",
      `Invalid unit ${quote(text)}: not a UCUM unit such as "s", "min", "mmol/L" or "Cel"`,
    );
  // UCUM has no spaces; the library logs such strings to the console, so they never reach it.
  if (/\s/.test(spelled)) throw invalid();
  const library = await ucum();
  const result = quietly(() => library.validateUnitString(spelled));
  if (result?.status !== "valid" || typeof result.ucumCode !== "string") throw invalid();
  return result.ucumCode;
}

// The library reports some failures with console.log, which would end up in
// `--json` output: it runs with console.log silenced, and a throw is a failure.
function quietly<T>(call: () => T): T | undefined {
  const log = console.log;
  console.log = () => {};
  try {
    return call();
  } catch {
    return undefined;
  } finally {
    console.log = log;
  }
}

/**
 * The conversion from one unit to another, as a factor and an offset. A
 * difference (ΔT) is only scaled: 1 Cel of difference is 1 K.
 *
 * @throws {LabosError} `invalid`, naming both units, when either is not a
 * unit or their dimensions differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { unitConversion } from "./_convert.ts";
 * assert.deepStrictEqual(await unitConversion({ from: "min", to: "s" }), {
 *   from: "min", to: "s", factor: 60,
 * });
 * assert.strictEqual((await unitConversion({ from: "Cel", to: "K" })).offset, 273.15);
 * ```
 */
export async function unitConversion(options: ConvertOptions): Promise<UnitConversion> {
  const from = await parseUnit(options.from);
  const to = await parseUnit(options.to);
  if (from === to) return { from, to, factor: 1 };
  const library = await ucum();
  const at = (value: number): number | undefined => {
    const result = quietly(() => library.convertUnitTo(from, value, to));
    return result?.status === "succeeded" && typeof result.toVal === "number" &&
        Number.isFinite(result.toVal)
      ? result.toVal
      : undefined;
  };
  const describe = (problem: string) =>
    new LabosError(
      "invalid",
      `Cannot ${options.verb ?? "convert"} ${options.source ?? "a value"} (unit ${
        quote(from)
      }) to ${options.target ?? "the field"} (unit ${quote(to)}): ${problem}`,
    );
  // The factor is read over a wide span, so that an offset (255.37 K for 0 °F)
  // does not cancel away its digits.
  const zero = at(0);
  const one = at(1);
  const span = at(SPAN);
  if (zero === undefined || one === undefined || span === undefined) {
    throw describe("the dimensions differ");
  }
  const factor = tidy((span - zero) / SPAN);
  const offset = options.difference ? 0 : tidy(zero);
  // UCUM's special units (pH, decibels) are not linear: only affine ones convert here.
  if (Math.abs(one - (zero + factor)) > 1e-9 * Math.max(Math.abs(one), Math.abs(zero))) {
    throw describe("the conversion is not linear");
  }
  return offset === 0 ? { from, to, factor } : { from, to, factor, offset };
}

const SPAN = 1e6;

// UCUM's factors are exact decimals; floating point leaves noise such as
// 1000.0000000000001 for kJ → J, which is rounded away.
function tidy(value: number): number {
  if (value === 0) return 0;
  const rounded = Number(value.toPrecision(12));
  return Math.abs(rounded - value) <= 1e-13 * Math.abs(value) ? rounded : value;
}

/**
 * Converts numbers from one unit to another and says how.
 *
 * @throws {LabosError} `invalid`, naming both units, when they do not convert.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { convertValues } from "./_convert.ts";
 * const { values, conversion } = await convertValues([0, 1.5], { from: "min", to: "s" });
 * assert.deepStrictEqual(values, [0, 90]);
 * assert.strictEqual(conversion.factor, 60);
 * ```
 */
export async function convertValues(
  values: readonly number[],
  options: ConvertOptions,
): Promise<{ values: number[]; conversion: UnitConversion }> {
  const conversion = await unitConversion(options);
  const { factor, offset = 0 } = conversion;
  return {
    values: values.map((value) => value * factor + offset),
    conversion,
  };
}
