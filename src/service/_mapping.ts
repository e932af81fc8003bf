import { type FieldIssue, LabosError, quote } from "../errors.ts";
import type { FieldUnit } from "../modules/registry.ts";
import { type Cell, csvLineOf, type DatasetTable, tableColumn } from "../records/mod.ts";
import { describeUnknown, formatIssues, type JsonSchema, nearestName } from "../validation.ts";

/** One `--map` entry: `field=column`, or `field[].name=column` for a list of objects. */
export interface MapSpec {
  /** The top-level input field. */
  field: string;
  /** For `field[].name=column`: the field of each object; absent for a flat list. */
  sub?: string;
  /** The column name. */
  column: string;
}

const IDENTIFIER = "[A-Za-z_][A-Za-z0-9_]*";
const MAP_ENTRY = new RegExp(`^(${IDENTIFIER})(?:\\[\\]\\.(${IDENTIFIER}))?=(.+)$`, "s");

/**
 * Parses one `--map` entry. `timesS=time_s` fills the list `timesS` with
 * the column `time_s`; `standards[].absorbance=A` fills the field
 * `absorbance` of one object of `standards` per row.
 *
 * @throws {LabosError} `invalid`, quoting the entry, when it has neither shape.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMapSpec } from "./_mapping.ts";
 * assert.deepEqual(parseMapSpec("standards[].absorbance=A"), {
 *   field: "standards", sub: "absorbance", column: "A",
 * });
 * assert.deepEqual(parseMapSpec("timesS=t"), { field: "timesS", column: "t" });
 * assert.throws(() => parseMapSpec("timesS"), /expected field=column/);
 * ```
 */
export function parseMapSpec(entry: string): MapSpec {
  const match = MAP_ENTRY.exec(entry);
  if (!match) {
    throw new LabosError(
      "invalid",
      `Invalid "--map" ${
        quote(entry)
      }: expected field=column or field[].name=column, e.g. timesS=time_s or standards[].absorbance=A`,
    );
  }
  const [, field, sub, column] = match;
  return sub === undefined ? { field, column } : { field, sub, column };
}

/**
 * The input path a map entry fills, as conversions and errors name it:
 * `timesS` or `standards[].absorbance`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mapTarget } from "./_mapping.ts";
 * assert.equal(mapTarget({ field: "standards", sub: "absorbance", column: "A" }), "standards[].absorbance");
 * ```
 */
export function mapTarget(spec: MapSpec): string {
  return spec.sub === undefined ? spec.field : `${spec.field}[].${spec.sub}`;
}

/** A map entry checked against the module's input schema. */
export interface CheckedSpec extends MapSpec {
  /** {@linkcode mapTarget} of the entry. */
  target: string;
  /** The declared unit of the target, if any. */
  unit?: FieldUnit;
  /** Whether the target takes numbers, so numeric text cells are read as numbers. */
  numeric: boolean;
  /** Whether a blank cell may leave the target out (an optional field of an object). */
  optional: boolean;
}

/**
 * Checks map entries against a module's input JSON Schema: each target must
 * be a list field, or a field of a list of objects, and be mapped once.
 *
 * @throws {LabosError} `invalid` naming the entry, with the nearest known field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkMapSpecs, parseMapSpec } from "./_mapping.ts";
 * const schema = {
 *   type: "object",
 *   properties: {
 *     standards: {
 *       type: "array",
 *       items: { type: "object", properties: { absorbance: { type: "number" } }, required: ["absorbance"] },
 *     },
 *   },
 * };
 * const [spec] = checkMapSpecs([parseMapSpec("standards[].absorbance=A")], schema);
 * assert.equal(spec.target, "standards[].absorbance");
 * assert.throws(
 *   () => checkMapSpecs([parseMapSpec("standards[].absorbence=A")], schema),
 *   /did you mean "standards\[\]\.absorbance"/,
 * );
 * ```
 */
export function checkMapSpecs(specs: MapSpec[], schema: JsonSchema | null): CheckedSpec[] {
  const checked: CheckedSpec[] = [];
  const shapes = new Map<string, "flat" | "objects">();
  for (const spec of specs) {
    const target = mapTarget(spec);
    const entry = `${target}=${spec.column}`;
    const fail = (problem: string): never => {
      throw new LabosError("invalid", `Invalid "--map" ${quote(entry)}: ${problem}`);
    };
    if (checked.some((other) => other.target === target)) {
      fail(`${quote(target)} is mapped twice`);
    }
    const shape = spec.sub === undefined ? "flat" : "objects";
    if ((shapes.get(spec.field) ?? shape) !== shape) {
      fail(`${quote(spec.field)} cannot be mapped both as a list and as a list of objects`);
    }
    shapes.set(spec.field, shape);
    if (schema === null) {
      checked.push({ ...spec, target, numeric: false, optional: false });
      continue;
    }
    const properties = propertiesOf(schema);
    const property = ownAt(properties, spec.field);
    if (properties !== undefined && property === undefined) {
      fail(describeUnknown(spec.field, nearestName(spec.field, Object.keys(properties))));
    }
    const items = property === undefined ? undefined : arrayItems(property);
    if (property !== undefined && items === undefined && typed(property)) {
      fail(`${quote(spec.field)} is not a list; set it with "--param"`);
    }
    const itemProperties = items === undefined ? undefined : propertiesOf(items);
    let leaf: JsonSchema | undefined = items;
    let optional = false;
    if (spec.sub === undefined) {
      if (itemProperties !== undefined) {
        const first = Object.keys(itemProperties)[0] ?? "name";
        fail(
          `${
            quote(spec.field)
          } is a list of objects: map each of their fields, e.g. ${spec.field}[].${first}=${spec.column}`,
        );
      }
    } else if (items !== undefined) {
      if (itemProperties === undefined) {
        if (typed(items)) {
          fail(
            `${
              quote(spec.field)
            } is a list of values, not of objects: map it as ${spec.field}=${spec.column}`,
          );
        }
      } else {
        leaf = ownAt(itemProperties, spec.sub);
        if (leaf === undefined) {
          const near = nearestName(spec.sub, Object.keys(itemProperties));
          fail(describeUnknown(target, near === undefined ? undefined : `${spec.field}[].${near}`));
        }
        const required = items.required;
        optional = !(Array.isArray(required) && required.includes(spec.sub));
      }
    }
    // A list's unit may sit on the list or on its items.
    const unit = (spec.sub === undefined && property !== undefined ? unitOf(property) : {}).unit ??
      (leaf === undefined ? undefined : unitOf(leaf).unit);
    checked.push({
      ...spec,
      target,
      ...(unit === undefined ? {} : { unit }),
      numeric: leaf !== undefined && ["number", "integer"].includes(leaf.type as string),
      optional,
    });
  }
  return checked;
}

function ownAt(
  properties: Record<string, JsonSchema> | undefined,
  name: string,
): JsonSchema | undefined {
  return properties !== undefined && Object.hasOwn(properties, name) ? properties[name] : undefined;
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A schema's own branches: itself and the members of `anyOf`/`oneOf` (as optional and nullable wrap). */
function branches(schema: JsonSchema): JsonSchema[] {
  const members = ["anyOf", "oneOf", "allOf"].flatMap((key) =>
    Array.isArray(schema[key]) ? (schema[key] as unknown[]).filter(isSchema) : []
  );
  return [schema, ...members];
}

function typed(schema: JsonSchema): boolean {
  return branches(schema).some((branch) => typeof branch.type === "string");
}

function arrayItems(schema: JsonSchema): JsonSchema | undefined {
  return branches(schema).map((branch) => branch.type === "array" ? branch.items : undefined)
    .find(isSchema);
}

function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> | undefined {
  const found = branches(schema).map((branch) => branch.properties).find(isSchema);
  return found as Record<string, JsonSchema> | undefined;
}

function unitOf(leaf: JsonSchema): { unit?: FieldUnit } {
  const declared = branches(leaf).find((branch) => typeof branch["x-unit"] === "string");
  if (declared === undefined || declared["x-unit"] === "") return {};
  return {
    unit: {
      unit: declared["x-unit"] as string,
      difference: declared["x-unit-kind"] === "difference",
    },
  };
}

/** The cells of a table, picked for a set of map entries. */
export interface MappedColumns {
  /** The kept cells of each entry, by target; `undefined` where an optional field is left out. */
  cells: Map<string, Array<Cell | undefined>>;
  /** The table row of each kept row, from 0. */
  rows: number[];
  /** The CSV lines of the rows skipped for a blank mapped cell. */
  skippedLines: number[];
}

const MISSING = /^\s*(?:NA|N\/A|NaN)?\s*$/i;
const NUMERIC_TEXT = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?\s*$/i;

/** Whether a cell is blank: empty, or written `NA`, `n/a` or `NaN`. */
function isMissing(cell: Cell | undefined): boolean {
  return cell === null || cell === undefined || (typeof cell === "string" && MISSING.test(cell));
}

/**
 * Picks the mapped columns' cells from a table. A blank cell (empty, `NA`,
 * `n/a`, `NaN`) is an error naming its CSV line and column, unless it leaves
 * out an optional field of an object, or `skipBlankRows` is set: then rows
 * with a blank mapped cell are left out, and their CSV lines returned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkMapSpecs, mapColumns, parseMapSpec } from "./_mapping.ts";
 * const table = {
 *   columns: [{ name: "c", type: "number" as const }, { name: "A", type: "number" as const }],
 *   rowCount: 3,
 *   values: [[0, 1, 2], [0.1, null, 0.3]],
 *   delimiter: ",",
 * };
 * const specs = checkMapSpecs(["s[].c=c", "s[].a=A"].map(parseMapSpec), null);
 * assert.throws(() => mapColumns(table, specs), /CSV line 3 is blank/);
 * const mapped = mapColumns(table, specs, { skipBlankRows: true });
 * assert.deepEqual(mapped.skippedLines, [3]);
 * assert.deepEqual(mapped.cells.get("s[].a"), [0.1, 0.3]);
 * ```
 */
export function mapColumns(
  table: DatasetTable,
  specs: CheckedSpec[],
  options: { skipBlankRows?: boolean } = {},
): MappedColumns {
  const names = table.columns.map((column) => column.name);
  const columns = specs.map((spec) => {
    if (!names.includes(spec.column)) {
      throw new LabosError(
        "invalid",
        `Invalid "--map" ${quote(`${spec.target}=${spec.column}`)}: no column ${
          quote(spec.column)
        }; columns are ${names.map((name) => quote(name)).join(", ")}`,
      );
    }
    return tableColumn(table, spec.column);
  });
  const rows: number[] = [];
  const skippedLines: number[] = [];
  for (let row = 0; row < table.rowCount; row++) {
    const blank = specs.findIndex((spec, index) =>
      !spec.optional && isMissing(columns[index][row])
    );
    if (blank === -1) {
      rows.push(row);
      continue;
    }
    if (options.skipBlankRows) {
      skippedLines.push(csvLineOf(table, row));
      continue;
    }
    const spec = specs[blank];
    const cell = columns[blank][row];
    throw new LabosError(
      "invalid",
      `Cannot map column ${quote(spec.column)} to ${quote(spec.target)}: CSV line ${
        csvLineOf(table, row)
      } is blank${
        typeof cell === "string" && cell.trim() !== "" ? ` (${quote(cell)})` : ""
      }; to leave such rows out, use --skip-blank-rows`,
      {
        issues: [{
          path: "map",
          message: `column ${quote(spec.column)} at CSV line ${csvLineOf(table, row)} is blank`,
        }],
      },
    );
  }
  const cells = new Map<string, Array<Cell | undefined>>();
  specs.forEach((spec, index) => {
    cells.set(
      spec.target,
      rows.map((row) => {
        const cell = columns[index][row];
        if (isMissing(cell)) return undefined;
        return spec.numeric && typeof cell === "string" && NUMERIC_TEXT.test(cell)
          ? Number(cell)
          : cell;
      }),
    );
  });
  return { cells, rows, skippedLines };
}

/**
 * Builds the input fields from mapped cells: a flat list per `field=column`,
 * one object per row for `field[].name=column` entries of the same field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assembleInput, checkMapSpecs, parseMapSpec } from "./_mapping.ts";
 * const specs = checkMapSpecs(["s[].c=c", "s[].a=A", "xs=c"].map(parseMapSpec), null);
 * const cells = new Map([["s[].c", [1, 2]], ["s[].a", [0.1, 0.2]], ["xs", [1, 2]]]);
 * assert.deepEqual(assembleInput(specs, cells), {
 *   s: [{ c: 1, a: 0.1 }, { c: 2, a: 0.2 }],
 *   xs: [1, 2],
 * });
 * ```
 */
export function assembleInput(
  specs: CheckedSpec[],
  cells: Map<string, ReadonlyArray<unknown>>,
): Record<string, unknown[]> {
  const input: Record<string, unknown[]> = {};
  for (const spec of specs) {
    const values = cells.get(spec.target) ?? [];
    if (spec.sub === undefined) {
      setOwn(input, spec.field, [...values]);
      continue;
    }
    if (!Object.hasOwn(input, spec.field)) setOwn(input, spec.field, values.map(() => ({})));
    const objects = input[spec.field] as Array<Record<string, unknown>>;
    values.forEach((value, row) => {
      if (value !== undefined) setOwn(objects[row], spec.sub as string, value);
    });
  }
  return input;
}

const DECIMAL_COMMA = /^\s*[-+]?\d+,\d+\s*$/;

/**
 * Rewrites a module's input issues that fall on mapped cells so that they
 * name the column and CSV line instead of the array index: `standards.2.
 * concentrationM` becomes `column "conc" at CSV line 4: "concentrationM"`.
 * Returns undefined when no issue falls on a mapped cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkMapSpecs, mappedIssues, parseMapSpec } from "./_mapping.ts";
 * const specs = checkMapSpecs([parseMapSpec("s[].c=conc")], null);
 * const issues = mappedIssues(
 *   [{ path: "s.1.c", message: "must be >= 0: current value is -1" }],
 *   { specs, rows: [0, 2], table: {} },
 * );
 * assert.deepEqual(issues, [{
 *   path: "map",
 *   message: 'column "conc" at CSV line 4: "c" must be >= 0: current value is -1',
 * }]);
 * ```
 */
export function mappedIssues(
  issues: FieldIssue[],
  mapping: {
    specs: CheckedSpec[];
    rows: number[];
    table: { lineJumps?: ReadonlyArray<readonly [number, number]> };
    values?: Record<string, unknown>;
  },
): FieldIssue[] | undefined {
  let found = false;
  let hinted = false;
  const rewritten = issues.map((issue) => {
    const [field, index, sub] = issue.path.split(".");
    if (index === undefined || !/^\d+$/.test(index)) return issue;
    const row = mapping.rows[Number(index)];
    if (row === undefined) return issue;
    const specs = mapping.specs.filter((spec) => spec.field === field);
    if (specs.length === 0) return issue;
    const flat = specs[0].sub === undefined;
    if (flat && sub !== undefined) return issue;
    const spec = specs.find((candidate) => candidate.sub === sub);
    const line = csvLineOf(mapping.table, row);
    found = true;
    const name = flat ? field : sub ?? field;
    const where = spec === undefined
      ? `CSV line ${line}`
      : `column ${quote(spec.column)} at CSV line ${line}`;
    const value = valueAt(mapping.values, [field, index, sub]);
    // Said once: every cell of such a column would repeat it.
    const hint = !hinted && typeof value === "string" && DECIMAL_COMMA.test(value)
      ? "; hint: the cells look like decimal commas; import the file with --decimal-comma"
      : "";
    if (hint !== "") hinted = true;
    return { path: "map", message: `${where}: ${quote(name)} ${issue.message}${hint}` };
  });
  return found ? rewritten : undefined;
}

function valueAt(value: unknown, path: Array<string | undefined>): unknown {
  let at = value;
  for (const key of path) {
    if (key === undefined) break;
    if (at === null || typeof at !== "object" || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * The one-line message of mapped issues: each names its column and CSV
 * line, the others their field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMappedIssues } from "./_mapping.ts";
 * assert.equal(
 *   formatMappedIssues([{ path: "map", message: 'column "c" at CSV line 2: "c" must be > 0' }]),
 *   'column "c" at CSV line 2: "c" must be > 0',
 * );
 * ```
 */
export function formatMappedIssues(issues: FieldIssue[]): string {
  return issues.map((issue) => issue.path === "map" ? issue.message : formatIssues([issue]))
    .join("; ");
}

/** Sets an own property, even for a key such as `__proto__`, never touching the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
