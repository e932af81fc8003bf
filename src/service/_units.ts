import { LabosError, quote } from "../errors.ts";
import type { FieldUnit } from "../modules/registry.ts";
import type { DatasetColumn, InputConversion } from "../records/mod.ts";
import { convertValues, parseQuantity, parseUnit, ucumSpelling } from "../units/mod.ts";

/** Input values brought into their fields' units, with what was done and what to warn about. */
export interface ConvertedInput<T> {
  /** The values, converted where needed. */
  values: T;
  /** The conversions applied. */
  conversions: InputConversion[];
  /** One-line warnings, such as a mapped column without a unit. */
  warnings: string[];
}

/**
 * Converts each mapped column's values into the unit of the field it feeds
 * (`timesS`, or `standards[].concentrationM` inside a list of objects). A
 * column without a unit feeding a field with one is taken as it is, with a
 * warning; different dimensions are an `invalid` error naming both units.
 * Cells left `undefined` (an optional field left out) stay so.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { convertMappedColumns } from "./_units.ts";
 * const converted = await convertMappedColumns(new Map([["timesS", [0, 2]]]), {
 *   specs: [{ target: "timesS", column: "t_min", unit: { unit: "s", difference: false } }],
 *   columns: [{ name: "t_min", type: "integer", unit: "min" }],
 * });
 * assert.deepStrictEqual(converted.values.get("timesS"), [0, 120]);
 * assert.strictEqual(converted.conversions[0].factor, 60);
 * ```
 */
export async function convertMappedColumns(
  mapped: Map<string, ReadonlyArray<unknown>>,
  options: {
    specs: ReadonlyArray<{ target: string; column: string; unit?: FieldUnit }>;
    columns: DatasetColumn[];
  },
): Promise<ConvertedInput<Map<string, ReadonlyArray<unknown>>>> {
  const values = new Map(mapped);
  const conversions: InputConversion[] = [];
  const warnings: string[] = [];
  for (const { target, column, unit: fieldUnit } of options.specs) {
    const columnUnit = options.columns.find((c) => c.name === column)?.unit;
    if (fieldUnit === undefined) {
      if (columnUnit !== undefined) {
        warnings.push(
          `Column ${quote(column)} has the unit ${quote(columnUnit)}, but ${
            quote(target)
          } declares none: its values are used as they are`,
        );
      }
      continue;
    }
    if (columnUnit === undefined) {
      // A bare number is already dimensionless: nothing to warn about.
      if (fieldUnit.unit === "1") continue;
      warnings.push(
        `Column ${quote(column)} has no unit: its values are taken to be in ${
          quote(fieldUnit.unit)
        }, the unit of ${quote(target)}`,
      );
      continue;
    }
    const cells = values.get(target) ?? [];
    if (!cells.every((value) => value === undefined || typeof value === "number")) continue;
    const context = `Cannot map column ${quote(column)} to ${quote(target)}`;
    const from = await checkedUnit(columnUnit, { context, field: fieldUnit.unit });
    if (from === fieldUnit.unit) continue;
    const numbers = cells.filter((value): value is number => typeof value === "number");
    const converted = await convertValues(numbers, {
      from,
      to: fieldUnit.unit,
      difference: fieldUnit.difference,
      verb: "map",
      source: `column ${quote(column)}`,
      target: quote(target),
    });
    let next = 0;
    values.set(
      target,
      cells.map((value) => value === undefined ? value : converted.values[next++]),
    );
    conversions.push({ field: target, column, ...converted.conversion });
  }
  return { values, conversions, warnings };
}

/**
 * Converts the top-level values written with a unit, such as `"5 min"` from
 * `--param "timeS=5 min"` or the panel form, into their field's unit. Only
 * fields that declare a unit are read this way; other text is left to the
 * module's validation.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { convertWrittenUnits } from "./_units.ts";
 * const converted = await convertWrittenUnits({ timeS: "5 min" }, {
 *   timeS: { unit: "s", difference: false },
 * });
 * assert.strictEqual(converted.values.timeS, 300);
 * ```
 */
export async function convertWrittenUnits(
  input: Record<string, unknown>,
  units: Record<string, FieldUnit>,
): Promise<ConvertedInput<Record<string, unknown>>> {
  const values: Record<string, unknown> = { ...input };
  const conversions: InputConversion[] = [];
  for (const [field, fieldUnit] of Object.entries(units)) {
    const text = Object.hasOwn(values, field) ? values[field] : undefined;
    if (typeof text !== "string") continue;
    const written = parseQuantity(text);
    if (!written) continue;
    const context = `Cannot read ${quote(field)} ${quote(text)}`;
    const from = await checkedUnit(written.unit, { context, field: fieldUnit.unit });
    if (from === fieldUnit.unit) {
      values[field] = written.value;
      continue;
    }
    const converted = await convertValues([written.value], {
      from,
      to: fieldUnit.unit,
      difference: fieldUnit.difference,
      source: quote(text),
      target: quote(field),
    });
    values[field] = converted.values[0];
    conversions.push({ field, ...converted.conversion });
  }
  return { values, conversions, warnings: [] };
}

/**
 * The UCUM code of a unit, or an error that says where the unit was found.
 * A unit spelled as the field's own code needs no UCUM library.
 */
async function checkedUnit(
  unit: string,
  options: { context: string; field: string },
): Promise<string> {
  try {
    if (ucumSpelling(unit) === options.field) return options.field;
    return await parseUnit(unit);
  } catch (error) {
    if (!(error instanceof LabosError)) throw error;
    throw new LabosError(
      "invalid",
      `${options.context}: unit ${
        quote(unit)
      } is not a UCUM unit, such as "s", "min", "mmol/L" or "Cel"`,
    );
  }
}
