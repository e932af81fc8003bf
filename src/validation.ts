/**
 * Turns zod validation failures into LabOS errors that name every bad field,
 * say what was expected and quote the current value.
 *
 * @module
 */
import { type FieldIssue, LabosError, quote } from "./errors.ts";
import type { Schema } from "./modules/contract.ts";
import * as z from "zod";

/**
 * Converts zod issues into field issues with dotted paths and messages such
 * as `must be > 0: current value is -3`. Pass the raw input to quote values.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { toFieldIssues } from "./validation.ts";
 * import assert from "node:assert";
 * const input = { massG: -3 };
 * const result = z.object({ massG: z.number().positive() }).safeParse(input);
 * if (!result.success) {
 *   assert.strictEqual(toFieldIssues(result.error, input)[0].message, "must be > 0: current value is -3");
 * }
 * ```
 */
export function toFieldIssues(
  error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string; code: string }> },
  input?: unknown,
  options: { schema?: Schema<unknown> } = {},
): FieldIssue[] {
  const unknown: FieldIssue[] = [];
  const suggested = new Set<string>();
  const others = error.issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    const value = valueAt(input, issue.path);
    if (issue.code === "unrecognized_keys" && options.schema) {
      const known = knownNamesAt(jsonSchemaOf(options.schema), issue.path);
      const names = ((issue as unknown as ZodIssueLike).keys ?? []).map((key) => {
        const near = nearestName(key, known);
        if (near !== undefined) suggested.add([...issue.path.map(String), near].join("."));
        return describeUnknown(key, near);
      });
      unknown.push({ path, message: `has ${names.join("; ")}` });
      return [];
    }
    return [{
      path,
      value,
      message: describeIssue(issue as unknown as ZodIssueLike, value, input !== undefined),
    }];
  });
  // A misspelt required field is reported once, as the unknown field with its suggestion.
  const rest = others.filter((issue) => !(suggested.has(issue.path) && issue.value === undefined))
    .map(({ path, message }) => ({ path, message }));
  return [...unknown, ...rest];
}

interface ZodIssueLike {
  code: string;
  message: string;
  expected?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  values?: unknown[];
  keys?: string[];
  format?: string;
  pattern?: string;
}

function describeIssue(issue: ZodIssueLike, value: unknown, known: boolean): string {
  const current = known && value !== undefined ? `: current value is ${quote(value)}` : "";
  switch (issue.code) {
    case "invalid_type":
      if (known && value === undefined) return "is required";
      return `must be ${article(issue.expected ?? "value")}${current}`;
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      const op = issue.code === "too_small"
        ? (issue.inclusive ? ">=" : ">")
        : (issue.inclusive ? "<=" : "<");
      if (issue.origin === "number" || issue.origin === "bigint" || issue.origin === "date") {
        return `must be ${op} ${bound}${current}`;
      }
      const unit = `${issue.origin === "string" ? "character" : "item"}${
        Number(bound) === 1 ? "" : "s"
      }`;
      const word = issue.code === "too_small" ? "at least" : "at most";
      return `must have ${word} ${bound} ${unit}${
        current ? `: current length is ${lengthOf(value)}` : ""
      }`;
    }
    case "invalid_value":
      return `must be one of ${(issue.values ?? []).map((v) => quote(v)).join(", ")}${current}`;
    case "unrecognized_keys":
      return `has unknown field${(issue.keys ?? []).length === 1 ? "" : "s"} ${
        (issue.keys ?? []).map((k) => quote(k)).join(", ")
      }`;
    case "invalid_format":
      if (issue.format === "regex" || issue.format === "starts_with") {
        // A schema's own message says what is allowed; zod's default names the pattern.
        const own = !issue.message.startsWith("Invalid");
        return `${
          own ? issue.message : `must match the pattern ${issue.pattern ?? "given"}`
        }${current}`;
      }
      return `must be ${article(issue.format ?? "well-formed value")}${current}`;
    case "not_multiple_of":
      return `${issue.message}${current}`;
    default:
      return `${issue.message}${
        current && !issue.message.includes("current value") ? current : ""
      }`;
  }
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function lengthOf(value: unknown): number | string {
  return typeof value === "string" || Array.isArray(value) ? value.length : "?";
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Formats field issues as one line: `"a" is required; "b.0" must be > 0`.
 *
 * @example
 * ```ts
 * import { formatIssues } from "./validation.ts";
 * import assert from "node:assert";
 * assert.strictEqual(formatIssues([{ path: "a", message: "is required" }]), '"a" is required');
 * ```
 */
export function formatIssues(issues: FieldIssue[]): string {
  return issues.map((issue) => `${issue.path ? `"${issue.path}"` : "input"} ${issue.message}`)
    .join("; ");
}

/**
 * Parses a value with a schema, or throws an `invalid` LabosError whose
 * message starts with `context` and names every bad field.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { parseOrThrow } from "./validation.ts";
 * import assert from "node:assert";
 * const n = parseOrThrow(z.number(), 3, "Cannot read the count");
 * assert.strictEqual(n, 3);
 * ```
 */
export function parseOrThrow<T>(schema: Schema<T>, value: unknown, context: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error, value, { schema });
  throw new LabosError("invalid", `${context}: ${formatIssues(issues)}`, { issues });
}

/** A JSON Schema, as `z.toJSONSchema` writes it. */
export type JsonSchema = Record<string, unknown>;

const JSON_SCHEMAS = new WeakMap<object, JsonSchema | null>();

/**
 * The input JSON Schema of a zod schema, computed once per schema; null when
 * the schema is not one zod can describe (a plugin's own validator, say).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import assert from "node:assert";
 * import { jsonSchemaOf } from "./validation.ts";
 * assert.strictEqual(jsonSchemaOf(z.object({ x: z.number() }))?.type, "object");
 * ```
 */
export function jsonSchemaOf(schema: Schema<unknown>): JsonSchema | null {
  const cached = JSON_SCHEMAS.get(schema);
  if (cached !== undefined) return cached;
  let json: JsonSchema | null;
  try {
    json = z.toJSONSchema(schema as unknown as z.ZodType, {
      io: "input",
      unrepresentable: "any",
    }) as JsonSchema;
  } catch {
    json = null;
  }
  JSON_SCHEMAS.set(schema, json);
  return json;
}

/** A field of a value that its schema does not know. */
export interface UnknownField {
  /** Dotted path of the field, such as `standards.0.absorbanse`. */
  path: string;
  /** Dotted path of the nearest known field, when one is close. */
  suggestion?: string;
}

/**
 * The fields of `value` that `schema` (a JSON Schema) does not declare, at
 * any depth: objects with declared properties are closed unless they allow
 * additional properties. Each comes with the nearest known name, if any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { unknownFields } from "./validation.ts";
 * const schema = { type: "object", properties: { deltaTK: { type: "number" } } };
 * assert.deepEqual(unknownFields(schema, { deltaTk: 3 }), [{ path: "deltaTk", suggestion: "deltaTK" }]);
 * ```
 */
export function unknownFields(
  schema: JsonSchema,
  value: unknown,
  options: {
    /** Arrays known to hold nothing the schema does not declare, left unwalked. */
    skip?: ReadonlySet<unknown>;
  } = {},
): UnknownField[] {
  const skip = options.skip;
  const found: UnknownField[] = [];
  // What each schema node says, worked out once: a long array walks its item schema per item.
  const shapes = new Map<JsonSchema, Shape>();
  const shapeOf = (node: JsonSchema): Shape => {
    let shape = shapes.get(node);
    if (shape === undefined) {
      const branches = flatten(schema, node);
      const objects = branches.filter((branch) => isSchema(branch.properties));
      const owners = new Map<string, JsonSchema>();
      for (const branch of objects) {
        for (const [key, property] of Object.entries(branch.properties as JsonSchema)) {
          if (!owners.has(key)) owners.set(key, property as JsonSchema);
        }
      }
      shape = {
        items: branches.map((branch) => branch.items).find(isSchema),
        closed: objects.length > 0 &&
          !branches.some((branch) =>
            (branch.additionalProperties !== undefined && branch.additionalProperties !== false) ||
            branch.patternProperties !== undefined
          ),
        objects: objects.length > 0,
        owners,
        known: objects.flatMap((branch) => Object.keys(branch.properties as JsonSchema)),
      };
      shapes.set(node, shape);
    }
    return shape;
  };
  // Array indexes stay numbers until a path is reported: a long array makes no strings.
  const path: Array<string | number> = [];
  walk(schema, value);
  return found;

  function walk(node: JsonSchema | undefined, at: unknown): void {
    if (node === undefined || at === null || typeof at !== "object") return;
    const shape = shapeOf(node);
    if (Array.isArray(at)) {
      if (shape.items === undefined || skip?.has(at)) return;
      for (let index = 0; index < at.length; index++) {
        const item = at[index];
        if (item === null || typeof item !== "object") continue;
        path.push(index);
        walk(shape.items, item);
        path.pop();
      }
      return;
    }
    if (!shape.objects) return;
    // for…in makes no array of keys: a long list of rows is walked without garbage.
    for (const key in at) {
      if (!Object.hasOwn(at, key)) continue;
      const owner = shape.owners.get(key);
      if (owner !== undefined) {
        const item = (at as Record<string, unknown>)[key];
        if (item === null || typeof item !== "object") continue;
        path.push(key);
        walk(owner, item);
        path.pop();
      } else if (shape.closed) {
        const near = nearestName(key, shape.known);
        found.push({
          path: [...path, key].join("."),
          ...(near === undefined ? {} : { suggestion: [...path, near].join(".") }),
        });
      }
    }
  }
}

/** What one schema node declares, for {@linkcode unknownFields}. */
interface Shape {
  /** The schema of an array's items. */
  items: JsonSchema | undefined;
  /** Whether it declares properties. */
  objects: boolean;
  /** Whether properties it does not declare are refused. */
  closed: boolean;
  /** The schema of each declared property, from the first branch that declares it. */
  owners: Map<string, JsonSchema>;
  /** Every declared name, for suggestions. */
  known: string[];
}

function isSchema(value: unknown): value is JsonSchema {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A schema and the members of its unions and intersections, with `$ref`s followed. */
function flatten(root: JsonSchema, node: JsonSchema, depth = 0): JsonSchema[] {
  if (depth > 32) return [];
  const resolved = resolveRef(root, node);
  if (resolved === undefined) return [];
  const members = ["anyOf", "oneOf", "allOf"].flatMap((key) =>
    Array.isArray(resolved[key]) ? (resolved[key] as unknown[]).filter(isSchema) : []
  );
  return [resolved, ...members.flatMap((member) => flatten(root, member, depth + 1))];
}

function resolveRef(root: JsonSchema, node: JsonSchema): JsonSchema | undefined {
  let current: JsonSchema | undefined = node;
  for (let hops = 0; current && typeof current.$ref === "string" && hops < 32; hops++) {
    const ref: string = current.$ref as string;
    if (!ref.startsWith("#")) return undefined;
    current = ref.slice(1).split("/").filter((part) => part !== "").reduce<unknown>(
      (at, part) => isSchema(at) ? at[part.replaceAll("~1", "/").replaceAll("~0", "~")] : undefined,
      root,
    ) as JsonSchema | undefined;
  }
  return isSchema(current) ? current : undefined;
}

/** The property names a JSON Schema declares for the object at `path`. */
function knownNamesAt(schema: JsonSchema | null, path: PropertyKey[]): string[] {
  if (schema === null) return [];
  let nodes = [schema];
  for (const key of path) {
    const branches = nodes.flatMap((node) => flatten(schema, node));
    nodes = typeof key === "number"
      ? branches.map((branch) => branch.items).filter(isSchema)
      : branches.map((branch) =>
        (branch.properties as Record<string, unknown> | undefined)?.[
          String(key)
        ]
      ).filter(isSchema);
  }
  return nodes.flatMap((node) => flatten(schema, node)).flatMap((branch) =>
    isSchema(branch.properties) ? Object.keys(branch.properties) : []
  );
}

/**
 * The known name nearest to `name`: one that differs only in case first,
 * else the closest by edit distance (a swap of two neighbours counts as
 * one edit), if it is close enough to be a slip.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { nearestName } from "./validation.ts";
 * assert.strictEqual(nearestName("deltaTk", ["massG", "deltaTK"]), "deltaTK");
 * assert.strictEqual(nearestName("calorimeterConstant", ["massG"]), undefined);
 * ```
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const names = [...candidates];
  const lower = name.toLowerCase();
  const sameCase = names.find((candidate) => candidate.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of names) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const limit = Math.max(2, Math.ceil(name.length / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/**
 * One unknown field, as errors name it: `unknown field "deltaTk"; did you mean "deltaTK"?`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { describeUnknown } from "./validation.ts";
 * assert.strictEqual(describeUnknown("x"), 'unknown field "x"');
 * ```
 */
export function describeUnknown(path: string, suggestion?: string): string {
  return `unknown field ${quote(path)}${
    suggestion === undefined ? "" : `; did you mean ${quote(suggestion)}?`
  }`;
}

/**
 * A copy of a JSON Schema in which every object that declares properties
 * but says nothing of others is closed (`additionalProperties: false`), as
 * LabOS treats module inputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { closeObjects } from "./validation.ts";
 * const schema: Record<string, unknown> = { type: "object", properties: { x: { type: "number" } } };
 * assert.strictEqual(closeObjects(schema).additionalProperties, false);
 * ```
 */
export function closeObjects<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(closeObjects) as T;
  if (schema === null || typeof schema !== "object") return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = key === "properties" || key === "$defs" || key === "definitions"
      ? Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, closeObjects(v)]),
      )
      : key === "enum" || key === "const" || key === "default" || key === "examples"
      ? value
      : closeObjects(value);
  }
  if (copy.properties !== undefined && !("additionalProperties" in copy)) {
    copy.additionalProperties = false;
  }
  return copy as T;
}

/**
 * A schema (or anything else) built on the first call and kept. zod 4 builds
 * a schema's checks as it is declared, so schemas declared at the top of a
 * module cost every command that loads it, used or not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { lazy } from "./validation.ts";
 * let built = 0;
 * const schema = lazy(() => (built++, z.number().min(1)));
 * assert.equal(built, 0);
 * assert.equal(schema(), schema());
 * assert.equal(built, 1);
 * ```
 */
export function lazy<T>(build: () => T): () => T {
  let value: { built: T } | undefined;
  return () => (value ??= { built: build() }).built;
}
