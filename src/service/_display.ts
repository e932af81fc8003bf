/**
 * How results are shown to people, the same in the CLI and the control
 * panel: `display.significantFigures` / `decimalPlaces`, GUM-style pairs of
 * a value and its uncertainty, units after the number, `display.units`
 * conversions and noise as 0. Only the shown text changes: stored outputs,
 * `--json` and the API keep full precision and the module's units.
 *
 * @module
 */
import type { DisplayMode, LabosConfig } from "../config/mod.ts";
import type { OutputField } from "../modules/registry.ts";
import { formatQuantity, type NumberFormat } from "../units/_format.ts";

/** The display settings that shape text output. */
export interface DisplayOptions {
  /** The control panel's starting mode, for a browser with no mode cookie. */
  mode: DisplayMode;
  /** Significant figures or decimal places. */
  format: NumberFormat;
  /**
   * Units to show, by quantity (`{ "energy": "kcal/mol" }`): an output whose
   * declared unit converts to one of them is shown in it. Only the units a
   * lab sets in its `labos.jsonc` convert; the embedded defaults label.
   */
  units: Record<string, string>;
}

/** The embedded default: learner mode, 4 significant figures, units as the module declares them. */
export const DEFAULT_DISPLAY: DisplayOptions = {
  mode: "learner",
  format: { significantFigures: 4, decimalPlaces: null },
  units: {},
};

/**
 * The display options of a configuration: its number format and the units
 * its `labos.jsonc` sets.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadConfig } from "../config/mod.ts";
 * import { displayOptions } from "./_display.ts";
 * const options = displayOptions(loadConfig({ cwd: "/tmp", env: {}, dataDir: "lab" }));
 * assert.deepEqual(options.units, {});
 * ```
 */
export function displayOptions(config: LabosConfig): DisplayOptions {
  const units: Record<string, string> = {};
  for (const [quantity, unit] of Object.entries(config.display.units)) {
    if (config.sources[`display.units.${quantity}`] === "file") units[quantity] = unit;
  }
  return {
    mode: config.display.mode,
    format: {
      significantFigures: config.display.significantFigures,
      decimalPlaces: config.display.decimalPlaces,
    },
    units,
  };
}

/** A module output as shown: every number becomes text; an uncertainty joins its value. */
export type ShownValue = string | boolean | null | ShownValue[] | { [key: string]: ShownValue };

/** Options for {@linkcode showOutput}. */
export interface ShowOutputOptions {
  /** The module's output fields, with units and uncertainty pairs (`ModuleInfo.outputs`). */
  fields?: readonly OutputField[];
  /** The display settings. Default: {@linkcode DEFAULT_DISPLAY}. */
  display?: DisplayOptions;
}

/**
 * A module output as people see it. Each number is formatted with
 * `formatQuantity`, with its declared unit after it, converted to the lab's
 * `display.units` where one applies. A field marked `x-uncertainty-of`
 * joins the value it belongs to (`−57.7 ± 1.4 kJ/mol`) and is not shown on
 * its own. Noise is judged against the numbers of the same object (one
 * fit's results, or one row of a table).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showOutput } from "./_display.ts";
 * const shown = await showOutput(
 *   { ea: -57.6549, eaSe: 1.4213, intercept: -5.5511151e-17 },
 *   {
 *     fields: [
 *       { path: "ea", description: "", unit: "kJ/mol" },
 *       { path: "eaSe", description: "", unit: "kJ/mol", uncertaintyOf: "ea" },
 *       { path: "intercept", description: "" },
 *     ],
 *   },
 * );
 * assert.deepEqual(shown, { ea: "−57.7 ± 1.4 kJ/mol", intercept: "0" });
 * ```
 */
export async function showOutput(
  output: unknown,
  options: ShowOutputOptions = {},
): Promise<ShownValue> {
  const display = options.display ?? DEFAULT_DISPLAY;
  const fields = new Map((options.fields ?? []).map((field) => [field.path, field]));
  const conversions = new Map<string, Promise<Shown | undefined>>();
  const showUnit = (field: OutputField | undefined): Promise<Shown | undefined> => {
    if (field?.unit === undefined) return Promise.resolve(undefined);
    const key = `${field.path}\u0000${field.unit}`;
    let shown = conversions.get(key);
    if (shown === undefined) {
      shown = shownUnit(field, display.units);
      conversions.set(key, shown);
    }
    return shown;
  };
  return await walk(output, "", { fields, display, showUnit });
}

interface Shown {
  label: string;
  factor: number;
  offset: number;
}

interface Walk {
  fields: Map<string, OutputField>;
  display: DisplayOptions;
  showUnit(field: OutputField | undefined): Promise<Shown | undefined>;
}

async function walk(value: unknown, path: string, at: Walk): Promise<ShownValue> {
  if (typeof value === "number") {
    return await number(value, { path, at, scale: Math.abs(value) });
  }
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (Array.isArray(value)) {
    const rows = value.every((item) => item !== null && typeof item === "object");
    // A loop, not a spread: a spread of a long array overflows the stack.
    let scale = 0;
    if (!rows) { for (const item of value) scale = Math.max(scale, magnitude(item)); }
    return await Promise.all(
      value.map((item) =>
        typeof item === "number"
          ? number(item, { path, at, scale })
          : walk(item, rows ? `${path}[]` : path, at)
      ),
    );
  }
  if (typeof value !== "object") return String(value);
  const record = value as Record<string, unknown>;
  const join = (key: string) => (path === "" ? key : `${path}.${key}`);
  const scale = Math.max(0, ...Object.values(record).map(magnitude));
  const paired = new Set<string>();
  for (const key of Object.keys(record)) {
    const of = at.fields.get(join(key))?.uncertaintyOf;
    if (of !== undefined && typeof record[of] === "number" && of !== key) paired.add(key);
  }
  const shown: Record<string, ShownValue> = {};
  for (const [key, item] of Object.entries(record)) {
    if (paired.has(key)) continue;
    const uncertaintyKey = [...paired].find((name) =>
      at.fields.get(join(name))?.uncertaintyOf === key
    );
    const uncertainty = uncertaintyKey === undefined ? undefined : record[uncertaintyKey];
    shown[key] = typeof item === "number"
      ? await number(item, {
        path: join(key),
        at,
        scale,
        uncertainty: typeof uncertainty === "number" ? uncertainty : undefined,
      })
      : await walk(item, join(key), at);
  }
  return shown;
}

function magnitude(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? Math.abs(value) : 0;
}

async function number(
  value: number,
  options: { path: string; at: Walk; scale: number; uncertainty?: number },
): Promise<string> {
  const unit = await options.at.showUnit(options.at.fields.get(options.path));
  const factor = unit?.factor ?? 1;
  const offset = unit?.offset ?? 0;
  const converted = value * factor + offset;
  // A unit conversion leaves an integer (an exact count) no longer whole.
  const exact = Number.isInteger(value) && factor === 1 && offset === 0;
  return formatQuantity(exact ? value : converted, {
    uncertainty: options.uncertainty === undefined
      ? undefined
      : Math.abs(options.uncertainty * factor),
    unit: unit?.label,
    format: options.at.display.format,
    scale: Math.abs(options.scale * factor),
  });
}

/** UCUM codes with a friendlier label; unity (`1`, dimensionless) shows none. */
const LABELS: Readonly<Record<string, string>> = { Cel: "°C", "[degF]": "°F", um: "µm", "1": "" };

async function shownUnit(
  field: OutputField,
  units: Record<string, string>,
): Promise<Shown | undefined> {
  const unit = field.unit as string;
  const plain: Shown = { label: LABELS[unit] ?? unit, factor: 1, offset: 0 };
  const wanted = Object.entries(units);
  // A dimensionless quantity (R², a count) stays a bare number whatever the lab prefers.
  if (wanted.length === 0 || unit === "1") return plain;
  const { unitConversion } = await import("../units/_convert.ts");
  // A quantity named in the field (`wavelength`) wins over one of the same dimension (`length`).
  const name = field.path.toLowerCase();
  wanted.sort(([a], [b]) => Number(name.includes(b)) - Number(name.includes(a)));
  for (const [, target] of wanted) {
    try {
      const conversion = await unitConversion({
        from: unit,
        to: target,
        difference: field.difference === true,
      });
      return { label: target, factor: conversion.factor, offset: conversion.offset ?? 0 };
    } catch {
      // Another dimension: try the next quantity.
    }
  }
  return plain;
}

/**
 * The output fields that sum up a module's run, best first: its declared
 * `mainOutput`, or else its first top-level numeric output field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mainOutputFields } from "./_display.ts";
 * const outputs = [{ path: "peaks[].mz", description: "", type: "number" }, {
 *   path: "rSquared", description: "", type: "number",
 * }];
 * assert.deepEqual(mainOutputFields({ outputs }), ["rSquared"]);
 * assert.deepEqual(mainOutputFields({ outputs, mainOutput: "peaks[].mz" }), ["peaks[].mz"]);
 * ```
 */
export function mainOutputFields(
  info: { mainOutput?: string | string[]; outputs: readonly OutputField[] },
): string[] {
  if (info.mainOutput !== undefined) {
    return typeof info.mainOutput === "string" ? [info.mainOutput] : [...info.mainOutput];
  }
  const first = info.outputs.find((field) => field.type === "number" && !/[.[]/.test(field.path));
  return first ? [first.path] : [];
}

/**
 * The main result of a run as text, `name value`: the first of `fields`
 * present in the shown output, or "-".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mainResult } from "./_display.ts";
 * const shown = { heatJ: "2887 J", basePeak: { mz: "58.04" } };
 * assert.equal(mainResult(shown, ["reactionEnthalpyKJPerMol", "heatJ"]), "heatJ 2887 J");
 * assert.equal(mainResult(shown, ["basePeak.mz"]), "basePeak.mz 58.04");
 * assert.equal(mainResult(shown, ["peaks[].mz"]), "-");
 * ```
 */
export function mainResult(shown: ShownValue, fields: readonly string[]): string {
  for (const path of fields) {
    const text = shownAt(shown, path);
    if (text !== undefined) return `${path} ${text}`;
  }
  return "-";
}

function shownAt(shown: ShownValue, path: string): string | undefined {
  let at: ShownValue | undefined = shown;
  for (const key of path.split(".")) {
    if (at === null || typeof at !== "object" || Array.isArray(at) || !Object.hasOwn(at, key)) {
      return undefined;
    }
    at = (at as Record<string, ShownValue>)[key];
  }
  return typeof at === "string" ? at : undefined;
}
