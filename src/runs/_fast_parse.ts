import type { SafeParseResult, Schema } from "../modules/contract.ts";

/** Options for {@linkcode parseInput}. */
export interface ParseInputOptions {
  /** Arrays with at least this many items are checked by a loop. Default: 1,024. */
  minItems?: number;
  /** What {@linkcode checkLongArrays} returned for this input and schema, if it was called already. */
  checked?: ReadonlySet<unknown[]>;
}

/**
 * `schema.safeParse(raw)`, with the same result, faster for long arrays.
 * A top-level field that is a zod array of numbers, or of flat objects of
 * numbers, bounded by nothing but `>`, `>=`, `<`, `<=` and the array's
 * length, is checked by a plain loop instead of by zod, and its output is
 * the input array itself, not a copy of it. zod checks the rest of the
 * input, with a short stand-in for each such array. On the first value the
 * loop does not accept, zod checks the whole input, so every error is
 * zod's own. Any other schema is zod's alone.
 *
 * The input array is shared, not copied: for a caller that never changes
 * it afterwards (the built-in modules).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { z } from "zod";
 * import { parseInput } from "./_fast_parse.ts";
 * const schema = z.object({ xs: z.array(z.number().positive()).min(2) });
 * const xs = [1, 2, 3];
 * const parsed = parseInput(schema, { xs }, { minItems: 2 });
 * assert.ok(parsed.success && parsed.data.xs === xs);
 * assert.strictEqual(parseInput(schema, { xs: [1, -2] }, { minItems: 2 }).success, false);
 * ```
 */
export function parseInput<T>(
  schema: Schema<T>,
  raw: unknown,
  options: ParseInputOptions = {},
): SafeParseResult<T> {
  const checked = options.checked === undefined
    ? checkLongArrays(schema, raw, options)
    : options.checked;
  if (checked === undefined) return schema.safeParse(raw);
  const fields = fastFields(schema)!;
  const record = raw as Record<string, unknown>;
  const standIn: Record<string, unknown> = { ...record };
  for (const [key, field] of fields) {
    const items = Object.hasOwn(record, key) ? record[key] : undefined;
    if (!Array.isArray(items) || !checked.has(items)) continue;
    // The stand-in keeps the array's length bounds: the array itself meets them.
    standIn[key] = items.slice(0, Math.min(items.length, Math.max(1, field.minLength)));
  }
  const result = schema.safeParse(standIn);
  if (!result.success || !plainObject(result.data)) return schema.safeParse(raw);
  const data = result.data as Record<string, unknown>;
  for (const key of Object.keys(standIn)) {
    if (standIn[key] !== record[key]) data[key] = record[key];
  }
  return result;
}

/**
 * The long arrays of an input that the loop of {@linkcode parseInput}
 * accepts (each then holds numbers, or plain objects with exactly the
 * schema's keys holding numbers: nothing unknown, nothing JSON would
 * change); undefined when there are none, or when the loop stops at a
 * value, which zod is then to report.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { z } from "zod";
 * import { checkLongArrays } from "./_fast_parse.ts";
 * const schema = z.object({ rows: z.array(z.object({ x: z.number() })) });
 * const rows = [{ x: 1 }, { x: 2 }];
 * assert.ok(checkLongArrays(schema, { rows }, { minItems: 2 })?.has(rows));
 * assert.strictEqual(checkLongArrays(schema, { rows: [{ x: 1 }, { x: "2" }] }, { minItems: 2 }), undefined);
 * ```
 */
export function checkLongArrays(
  schema: Schema<unknown>,
  raw: unknown,
  options: { minItems?: number } = {},
): ReadonlySet<unknown[]> | undefined {
  const minItems = options.minItems ?? FAST_MIN_ITEMS;
  const fields = fastFields(schema);
  if (fields === undefined || !plainObject(raw) || !plainPrototype()) return undefined;
  const record = raw as Record<string, unknown>;
  const checked = new Set<unknown[]>();
  for (const [key, field] of fields) {
    if (!Object.hasOwn(record, key)) continue;
    const items = record[key];
    if (!Array.isArray(items) || items.length < minItems) continue;
    if (!field.accepts(items)) return undefined;
    checked.add(items);
  }
  return checked.size > 0 ? checked : undefined;
}

/**
 * Whether Object's prototype adds nothing a row could inherit: no
 * enumerable key (which for…in would list) and no toJSON.
 */
function plainPrototype(): boolean {
  for (const _ in Object.prototype) return false;
  return !("toJSON" in Object.prototype);
}

/** Arrays shorter than this are left to zod: the loop only pays off for long ones. */
const FAST_MIN_ITEMS = 1024;

/** A field the loop can check. */
interface FastField {
  /** The array's `min_length`, 0 without one. */
  minLength: number;
  /** Whether zod accepts the array and returns an equal copy of it. */
  accepts(items: unknown[]): boolean;
}

/** The fields of each schema the loop can check; undefined for a schema that has none. */
const FIELDS = new WeakMap<object, Map<string, FastField> | null>();

function fastFields(schema: object): Map<string, FastField> | undefined {
  let fields = FIELDS.get(schema);
  if (fields === undefined) {
    fields = findFastFields(schema);
    FIELDS.set(schema, fields);
  }
  return fields ?? undefined;
}

/** zod's description of a schema, as its public `def` gives it. */
interface Def {
  type?: unknown;
  checks?: unknown;
  shape?: unknown;
  element?: unknown;
  catchall?: unknown;
  coerce?: unknown;
}

/** A check's own description (`check._zod.def`). */
interface CheckDef {
  check?: unknown;
  value?: unknown;
  inclusive?: unknown;
  minimum?: unknown;
  maximum?: unknown;
}

function defOf(schema: unknown): Def | undefined {
  if (schema === null || typeof schema !== "object") return undefined;
  const def = (schema as { def?: unknown }).def;
  return def !== null && typeof def === "object" ? def as Def : undefined;
}

function checkDefs(def: Def): CheckDef[] | undefined {
  if (def.checks === undefined) return [];
  if (!Array.isArray(def.checks)) return undefined;
  const defs: CheckDef[] = [];
  for (const check of def.checks) {
    const inner = (check as { _zod?: { def?: unknown } } | null)?._zod?.def;
    if (inner === null || typeof inner !== "object") return undefined;
    defs.push(inner as CheckDef);
  }
  return defs;
}

/** Only these keys: anything else (a default, a transform, a catchall) is left to zod. */
function onlyKeys(def: Def, keys: readonly string[]): boolean {
  return Object.keys(def).every((key) => keys.includes(key));
}

function findFastFields(schema: object): Map<string, FastField> | null {
  const def = defOf(schema);
  if (def === undefined || def.type !== "object" || !onlyKeys(def, ["type", "shape", "checks"])) {
    return null;
  }
  if (checkDefs(def)?.length !== 0) return null;
  const shape = def.shape;
  if (shape === null || typeof shape !== "object") return null;
  const fields = new Map<string, FastField>();
  for (const [key, field] of Object.entries(shape)) {
    const fast = fastArray(field);
    if (fast !== undefined) fields.set(key, fast);
  }
  return fields.size > 0 ? fields : null;
}

/** A loop for a zod array of numbers or of flat number objects, bounded by its length only. */
function fastArray(schema: unknown): FastField | undefined {
  const def = defOf(schema);
  if (def === undefined || def.type !== "array" || !onlyKeys(def, ["type", "element", "checks"])) {
    return undefined;
  }
  const checks = checkDefs(def);
  if (checks === undefined) return undefined;
  let minLength = 0;
  let maxLength = Infinity;
  for (const check of checks) {
    if (check.check === "min_length" && typeof check.minimum === "number") {
      minLength = Math.max(minLength, check.minimum);
    } else if (check.check === "max_length" && typeof check.maximum === "number") {
      maxLength = Math.min(maxLength, check.maximum);
    } else return undefined;
  }
  const inLength = (items: unknown[]) => items.length >= minLength && items.length <= maxLength;
  const number = numberTest(def.element);
  if (number !== undefined) {
    return {
      minLength,
      accepts: (items) => inLength(items) && plainArray(items) && everyNumber(items, number),
    };
  }
  const row = rowTest(def.element);
  if (row === undefined) return undefined;
  return { minLength, accepts: (items) => inLength(items) && plainArray(items) && row(items) };
}

/**
 * A test that accepts a subset of what a zod number schema accepts and
 * returns unchanged: finite numbers other than -0 within its bounds.
 */
function numberTest(schema: unknown): ((value: number) => boolean) | undefined {
  const def = defOf(schema);
  if (def === undefined || def.type !== "number" || !onlyKeys(def, ["type", "checks"])) {
    return undefined;
  }
  const checks = checkDefs(def);
  if (checks === undefined) return undefined;
  let low = -Infinity;
  let lowInclusive = true;
  let high = Infinity;
  let highInclusive = true;
  for (const check of checks) {
    const { value, inclusive } = check;
    if (typeof value !== "number" || typeof inclusive !== "boolean") return undefined;
    if (check.check === "greater_than") {
      if (value > low || (value === low && !inclusive)) [low, lowInclusive] = [value, inclusive];
    } else if (check.check === "less_than") {
      if (value < high || (value === high && !inclusive)) {
        [high, highInclusive] = [value, inclusive];
      }
    } else return undefined;
  }
  return function (value: number): boolean {
    if (!Number.isFinite(value) || (value === 0 && 1 / value < 0)) return false;
    if (lowInclusive ? value < low : value <= low) return false;
    return highInclusive ? value <= high : value < high;
  };
}

function everyNumber(items: unknown[], test: (value: number) => boolean): boolean {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== "number" || !test(item)) return false;
  }
  return true;
}

/**
 * A test of rows for a zod object of number fields: plain objects whose
 * enumerable keys are exactly the schema's, in its order (the order of
 * zod's copy), each value passing its field's test.
 */
function rowTest(schema: unknown): ((items: unknown[]) => boolean) | undefined {
  const def = defOf(schema);
  if (def === undefined || def.type !== "object" || !onlyKeys(def, ["type", "shape", "checks"])) {
    return undefined;
  }
  if (checkDefs(def)?.length !== 0 || def.shape === null || typeof def.shape !== "object") {
    return undefined;
  }
  const keys = Object.keys(def.shape);
  const tests: Array<(value: number) => boolean> = [];
  for (const key of keys) {
    const test = numberTest((def.shape as Record<string, unknown>)[key]);
    if (test === undefined) return undefined;
    tests.push(test);
  }
  if (keys.length === 0) return undefined;
  return function (items: unknown[]): boolean {
    for (let i = 0; i < items.length; i++) {
      const row = items[i];
      if (
        row === null || typeof row !== "object" || Object.getPrototypeOf(row) !== Object.prototype
      ) {
        return false;
      }
      // for…in makes no array of keys for each row, and lists inherited ones too.
      let k = 0;
      for (const key in row) {
        if (k === keys.length || key !== keys[k]) return false;
        const value = (row as Record<string, unknown>)[key];
        if (typeof value !== "number" || !tests[k](value)) return false;
        k++;
      }
      if (k !== keys.length) return false;
    }
    return true;
  };
}

/** An array with Array's own prototype (a hole reads as undefined, which no test accepts). */
function plainArray(items: unknown[]): boolean {
  return Object.getPrototypeOf(items) === Array.prototype;
}

function plainObject(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    Object.getPrototypeOf(value) === Object.prototype;
}
