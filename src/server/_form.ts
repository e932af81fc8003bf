/**
 * Run forms generated from a module's input JSON Schema, and the way back
 * from the submitted text fields to an input object. The form does no
 * validation of its own: the service validates, and its issues are shown
 * next to the fields.
 *
 * @module
 */
import { type FieldIssue, LabosError, quote } from "../errors.ts";
import { nearestName } from "../validation.ts";
import { parseParamValue } from "../service/mod.ts";

/** How a field is edited. */
export type FieldKind =
  /** A number or integer: a text box (so any typed text is kept and validated by the module). */
  | "number"
  /** A string. */
  | "string"
  /** A fixed set of values: a select. */
  | "enum"
  /** A number or a keyword, such as `"unit"` or `0.01`. */
  | "mixed"
  /** A checkbox. */
  | "boolean"
  /** Comma- or newline-separated numbers. */
  | "numbers"
  /** Rows of objects: CSV-like lines with a header, or JSON. */
  | "rows"
  /** Anything else, as JSON. */
  | "json";

/** One form field, derived from a property of the input schema. */
export interface FormField {
  /** The property name. */
  name: string;
  /** How it is edited. */
  kind: FieldKind;
  /** Whether the schema requires it. */
  required: boolean;
  /** The schema's description. */
  description: string;
  /** The schema's default, when it has one. */
  default?: unknown;
  /** The choices of an `enum` field. */
  options?: unknown[];
  /** The columns of a `rows` field. */
  columns?: string[];
  /** Constraints shown as a hint, such as `> 0`. */
  constraints: string[];
  /** The field's declared unit (`x-unit`, a UCUM code), when it has one. */
  unit?: string;
}

type Schema = Record<string, unknown>;

function constOf(schema: Schema): { ok: boolean; value?: unknown } {
  if ("const" in schema) return { ok: true, value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.length === 1) {
    return { ok: true, value: schema.enum[0] };
  }
  return { ok: false };
}

function isNumeric(schema: Schema | undefined): boolean {
  return schema?.type === "number" || schema?.type === "integer";
}

function describeConstraints(schema: Schema): string[] {
  const out: string[] = [];
  if (schema.type === "integer") out.push("whole number");
  if (typeof schema.exclusiveMinimum === "number") out.push(`> ${schema.exclusiveMinimum}`);
  if (typeof schema.minimum === "number" && Math.abs(schema.minimum) < 1e15) {
    out.push(`≥ ${schema.minimum}`);
  }
  if (typeof schema.exclusiveMaximum === "number") out.push(`< ${schema.exclusiveMaximum}`);
  if (typeof schema.maximum === "number" && Math.abs(schema.maximum) < 1e15) {
    out.push(`≤ ${schema.maximum}`);
  }
  if (typeof schema.minItems === "number") out.push(`at least ${schema.minItems} values`);
  return out;
}

/**
 * The form fields of an input JSON Schema (an object schema), in property order.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formFields } from "./_form.ts";
 * const fields = formFields({ type: "object", properties: { xs: { type: "array", items: { type: "number" } } } });
 * assert.ok(fields[0].kind === "numbers");
 * ```
 */
export function formFields(schema: Record<string, unknown>): FormField[] {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const field: FormField = {
      name,
      kind: "json",
      required: required.has(name),
      description: typeof property.description === "string" ? property.description : "",
      constraints: describeConstraints(property),
      ...("default" in property ? { default: property.default } : {}),
    };
    const unit = property["x-unit"] ?? (property.items as Schema | undefined)?.["x-unit"];
    if (typeof unit === "string") field.unit = unit;
    const variants = (property.anyOf ?? property.oneOf) as Schema[] | undefined;
    if (Array.isArray(property.enum)) {
      field.kind = "enum";
      field.options = property.enum;
    } else if (variants) {
      const consts = variants.map(constOf);
      if (consts.every((c) => c.ok)) {
        field.kind = "enum";
        field.options = consts.map((c) => c.value);
      } else if (variants.every((v) => constOf(v).ok || isNumeric(v) || v.type === "string")) {
        field.kind = "mixed";
        field.options = consts.filter((c) => c.ok).map((c) => c.value);
        field.constraints = variants.filter(isNumeric).flatMap(describeConstraints);
      }
    } else if (isNumeric(property)) {
      field.kind = "number";
    } else if (property.type === "string") {
      field.kind = "string";
    } else if (property.type === "boolean") {
      field.kind = "boolean";
    } else if (property.type === "array") {
      const items = (property.items ?? {}) as Schema;
      if (isNumeric(items)) {
        field.kind = "numbers";
        field.constraints = [
          ...field.constraints,
          ...describeConstraints(items).map((c) => `each ${c}`),
        ];
      } else if (items.type === "object" && items.properties) {
        const columns = Object.entries(items.properties as Record<string, Schema>);
        if (columns.every(([, s]) => isNumeric(s) || s.type === "string" || s.type === "boolean")) {
          field.kind = "rows";
          field.columns = columns.map(([column]) => column);
        }
      }
    }
    return field;
  });
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

function numberOrText(text: string): unknown {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : trimmed;
}

function cellValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "true" || trimmed === "false") return trimmed === "true";
  return numberOrText(trimmed);
}

function splitLine(line: string): string[] {
  const delimiter = line.includes("\t")
    ? "\t"
    : line.includes(";") && !line.includes(",")
    ? ";"
    : ",";
  return line.split(delimiter).map((cell) => cell.trim());
}

function parseRows(field: FormField, text: string): unknown {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
  const columns = field.columns ?? [];
  let header = columns;
  let start = 0;
  const first = splitLine(lines[0] ?? "");
  if (first.some((cell) => columns.includes(cell))) {
    const unknown = first.filter((cell) => !columns.includes(cell));
    if (unknown.length > 0) {
      throw fieldError(
        field.name,
        `has unknown column ${JSON.stringify(unknown[0])}: expected ${columns.join(", ")}`,
      );
    }
    header = first;
    start = 1;
  }
  return lines.slice(start).map((line) => {
    const row: Record<string, unknown> = {};
    splitLine(line).forEach((cell, index) => {
      if (cell !== "" && index < header.length) row[header[index]] = cellValue(cell);
      else if (cell !== "") row[`column${index + 1}`] = cellValue(cell);
    });
    return row;
  });
}

function fieldError(path: string, message: string): LabosError {
  return new LabosError("invalid", `Invalid "${path}": ${message}`, {
    issues: [{ path, message }],
  });
}

function parseJsonField(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw fieldError(name, `must be valid JSON: ${(error as Error).message.split("\n")[0]}`);
  }
}

/**
 * Turns submitted text fields into a module input. Empty fields are left
 * out so the module's defaults apply; text that is not a number is kept as
 * text so the module's validation names it. Only malformed JSON (which
 * cannot be kept as a value) throws, as an `invalid` error with the field's
 * path; every such field is reported at once. Given `others`, the form's
 * own names, any other posted name is refused as an unknown field.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formFields, formToInput } from "./_form.ts";
 * const fields = formFields({ type: "object", properties: { m: { type: "number" } } });
 * assert.ok(formToInput(fields, { m: "-3" }).m === -3);
 * ```
 */
export function formToInput(
  fields: FormField[],
  values: Record<string, string | undefined>,
  options: { others?: string[] } = {},
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const issues: FieldIssue[] = [];
  if (options.others) {
    // A posted name that is neither an input field nor one of the form's own is a misspelling.
    const known = [...fields.map((field) => field.name), ...options.others];
    for (const name of Object.keys(values).filter((name) => !known.includes(name))) {
      const near = nearestName(name, fields.map((field) => field.name));
      issues.push({
        path: name,
        message: `is not a field of this module${near ? `; did you mean ${quote(near)}?` : ""}`,
      });
    }
  }
  for (const field of fields) {
    const text = values[field.name];
    if (field.kind === "boolean") {
      input[field.name] = text === "on" || text === "true";
      continue;
    }
    if (text === undefined || text.trim() === "") continue;
    try {
      input[field.name] = parseField(field, text);
    } catch (error) {
      if (error instanceof LabosError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length > 0) {
    throw new LabosError(
      "invalid",
      `Invalid form: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      {
        issues,
      },
    );
  }
  return input;
}

function parseField(field: FormField, text: string): unknown {
  const trimmed = text.trim();
  switch (field.kind) {
    case "number":
    case "mixed":
      return numberOrText(trimmed);
    case "string":
      return text;
    case "enum":
      return parseJsonField(field.name, trimmed);
    case "numbers":
      if (trimmed.startsWith("[")) return parseJsonField(field.name, trimmed);
      return parseParamValue(trimmed, { list: true });
    case "rows":
      if (trimmed.startsWith("[")) return parseJsonField(field.name, trimmed);
      return parseRows(field, trimmed);
    default:
      return parseJsonField(field.name, trimmed);
  }
}

/**
 * The text shown in each field for an input object (an example, or a
 * previous submission's parsed values).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { formFields, inputToForm } from "./_form.ts";
 * const fields = formFields({ type: "object", properties: { xs: { type: "array", items: { type: "number" } } } });
 * assert.ok(inputToForm(fields, { xs: [1, 2] }).xs === "1, 2");
 * ```
 */
export function inputToForm(
  fields: FormField[],
  input: Record<string, unknown>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of fields) {
    const value = input[field.name];
    if (value === undefined) continue;
    switch (field.kind) {
      case "boolean":
        if (value === true) values[field.name] = "on";
        break;
      case "enum":
        values[field.name] = JSON.stringify(value);
        break;
      case "number":
      case "mixed":
      case "string":
        values[field.name] = String(value);
        break;
      case "numbers":
        values[field.name] = Array.isArray(value) ? value.join(", ") : JSON.stringify(value);
        break;
      case "rows":
        values[field.name] = Array.isArray(value)
          ? rowsText(field.columns ?? [], value)
          : JSON.stringify(value);
        break;
      default:
        values[field.name] = JSON.stringify(value, null, 2);
    }
  }
  return values;
}

function rowsText(columns: string[], rows: unknown[]): string {
  const used = columns.filter((column) =>
    rows.some((row) =>
      row !== null && typeof row === "object" &&
      (row as Record<string, unknown>)[column] !== undefined
    )
  );
  const safe = rows.every((row) =>
    row !== null && typeof row === "object" &&
    Object.values(row as Record<string, unknown>).every((v) => !/[,\n\t]/.test(String(v)))
  );
  if (!safe) return JSON.stringify(rows, null, 2);
  const lines = [used.join(", ")];
  for (const row of rows as Array<Record<string, unknown>>) {
    lines.push(
      used.map((column) => row[column] === undefined ? "" : String(row[column])).join(", "),
    );
  }
  return lines.join("\n");
}

/**
 * Groups issues by the form field they belong to (the first path segment);
 * issues of the whole input go under `""`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { issuesByField } from "./_form.ts";
 * const map = issuesByField([{ path: "peaks.0.mz", message: "must be > 0" }], ["peaks"]);
 * assert.ok(map.get("peaks")?.[0] === "row 1, mz: must be > 0");
 * ```
 */
export function issuesByField(issues: FieldIssue[], names: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const issue of issues) {
    const [head, ...rest] = issue.path === "" ? [""] : issue.path.split(".");
    const key = names.includes(head) ? head : "";
    let where = "";
    if (key === "") where = issue.path === "" ? "" : `${issue.path}: `;
    else if (rest.length > 0 && /^\d+$/.test(rest[0])) {
      const position = Number(rest[0]) + 1;
      where = rest.length > 1
        ? `row ${position}, ${rest.slice(1).join(".")}: `
        : `value ${position}: `;
    } else if (rest.length > 0) where = `${rest.join(".")}: `;
    map.set(key, [...(map.get(key) ?? []), `${where}${issue.message}`]);
  }
  return map;
}
