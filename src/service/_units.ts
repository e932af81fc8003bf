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
 * Converts each mapped column's values into the unit of the field it feeds.
 * A column without a unit feeding a field with one is taken as it is, with
 * a warning; different dimensions are an `invalid` error naming both units.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { convertMappedColumns } from "./_units.ts";
 * const converted = await convertMappedColumns({ timesS: [0, 2] }, {
 *   map: ["timesS=t_min"],
 *   columns: [{ name: "t_min", type: "integer", unit: "min" }],
 *   units: { timesS: { unit: "s", difference: false } },
 * });
 * assert.deepStrictEqual(converted.values.timesS, [0, 120]);
 * assert.strictEqual(converted.conversions[0].factor, 60);
 * ```
 */
export async function convertMappedColumns(
  mapped: Record<string, unknown[]>,
  options: { map: string[]; columns: DatasetColumn[]; units: Record<string, FieldUnit> },
): Promise<ConvertedInput<Record<string, unknown[]>>> {
  const values: Record<string, unknown[]> = { ...mapped };
  const conversions: InputConversion[] = [];
  const warnings: string[] = [];
  for (const entry of options.map) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(entry);
    if (!match) continue;
    const [, field, column] = match;
    const fieldUnit = Object.hasOwn(options.units, field) ? options.units[field] : undefined;
    const columnUnit = options.columns.find((c) => c.name === column)?.unit;
    if (fieldUnit === undefined) {
      if (columnUnit !== undefined) {
        warnings.push(
          `Column ${quote(column)} has the unit ${quote(columnUnit)}, but ${
            quote(field)
          } declares none: its values are used as they are`,
        );
      }
      continue;
    }
    if (columnUnit === undefined) {
      warnings.push(
        `Column ${quote(column)} has no unit: its values are taken to be in ${
          quote(fieldUnit.unit)
        }, the unit of ${quote(field)}`,
      );
      continue;
    }
    const numbers = values[field];
    if (!numbers.every((value) => typeof value === "number")) continue;
    const context = `Cannot map column ${quote(column)} to ${quote(field)}`;
    const from = await checkedUnit(columnUnit, { context, field: fieldUnit.unit });
    if (from === fieldUnit.unit) continue;
    const converted = await convertValues(numbers as number[], {
      from,
      to: fieldUnit.unit,
      difference: fieldUnit.difference,
      verb: "map",
      source: `column ${quote(column)}`,
      target: quote(field),
    });
    values[field] = converted.values;
    conversions.push({ field, column, ...converted.conversion });
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
