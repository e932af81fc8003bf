import process from "node:process";
import { LabosError, quote } from "../errors.ts";
import type { PlotSpec } from "../modules/contract.ts";
import { ModuleError } from "../modules/contract.ts";
import { isBuiltinModule } from "../modules/catalog.ts";
import { checkLongArrays, parseInput } from "./_fast_parse.ts";
import type { RegisteredModule } from "../modules/registry.ts";
import {
  canonicalBytes,
  type DatasetTable,
  pinCanonical,
  sha256Chunks,
  tableColumn,
  textLength,
} from "../records/mod.ts";
import {
  describeUnknown,
  formatIssues,
  jsonSchemaOf,
  toFieldIssues,
  unknownFields,
} from "../validation.ts";

/** A validated input, ready to run. */
export interface PreparedRun {
  /** The module and its source. */
  registered: RegisteredModule;
  /**
   * The input after validation and defaults, as the job records it: a
   * JSON copy, exactly what `inputHash` covers, never to be changed. It is
   * frozen except for arrays of 1,024 items or more, whose canonical bytes
   * are pinned instead (freezing boxes every number). A module runs on a
   * copy of its own, except a built-in one, which never writes to its input:
   * it runs on this value itself.
   */
  input: unknown;
  /** SHA-256 of the input's canonical JSON. */
  inputHash: string;
  /** The size of the input's canonical JSON, in UTF-8 bytes. */
  inputBytes: number;
}

/** What running a module produced. */
export type RunOutcome =
  & {
    /** When the computation started. */
    startedAt: string;
    /** When it ended. */
    finishedAt: string;
    /** How long it took, in ms. */
    durationMs: number;
  }
  & (
    | { status: "succeeded"; output: unknown; outputHash: string; warnings: string[] }
    | { status: "failed"; error: JobFailure }
  );

/**
 * Validates a raw input against a module's input schema. An invalid input is
 * an `invalid` LabosError that names every bad field; a field the schema
 * does not declare is one, with the nearest known name, unless the input
 * is a job's `recorded` one (already validated when the job ran).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineModule } from "../modules/contract.ts";
 * import { prepareRun } from "./_runtime.ts";
 * import assert from "node:assert";
 * const module = defineModule({
 *   key: "demo.double", version: "1.0.0", title: "Double", domain: "demo",
 *   summary: "Doubles", method: "x2", citations: [], limitations: [], learnerNotes: [],
 *   examples: [], input: z.object({ x: z.number() }), output: z.object({ y: z.number() }),
 *   run: (input) => ({ y: input.x * 2 }),
 * });
 * const prepared = prepareRun({ module, source: "builtin" }, { x: 2 });
 * assert.strictEqual(prepared.inputHash.length, 64);
 * ```
 */
export function prepareRun(
  registered: RegisteredModule,
  raw: unknown,
  options: { recorded?: boolean } = {},
): PreparedRun {
  // A job's recorded input is the schema's output, which a transform may shape differently.
  const schema = options.recorded ? null : jsonSchemaOf(registered.module.input);
  // A built-in module never writes to its input: its long arrays of numbers or of
  // number rows, checked by a loop, are neither walked again nor copied.
  const builtin = isBuiltinModule(registered.module);
  const checked = builtin ? checkLongArrays(registered.module.input, raw) : undefined;
  const unknown = schema === null ? [] : unknownFields(schema, raw, { skip: checked });
  if (unknown.length > 0) {
    // A misspelt name must not fall back to a default: refuse it before the schema strips it.
    throw new LabosError(
      "invalid",
      `Cannot run module ${quote(registered.module.key)}: ${
        unknown.map((field) => describeUnknown(field.path, field.suggestion)).join("; ")
      }`,
      {
        issues: unknown.map((field) => ({
          path: field.path,
          message: `is not a field of this module${
            field.suggestion === undefined ? "" : `; did you mean ${quote(field.suggestion)}?`
          }`,
        })),
      },
    );
  }
  const result = checked
    ? parseInput(registered.module.input, raw, { checked })
    : registered.module.input.safeParse(raw);
  if (!result.success) {
    const issues = toFieldIssues(result.error, raw);
    throw new LabosError(
      "invalid",
      `Cannot run module ${quote(registered.module.key)}: ${formatIssues(issues)}`,
      { issues },
    );
  }
  // The job records exactly what is hashed: a frozen JSON copy. The module
  // gets the parsed input (zod's own copy) on its first run and a clone on
  // any later one, so a module that sorts its input in place cannot change
  // what the job records. A built-in module never writes to its input: zod's
  // copy, when it is JSON already, is both what it runs on and the record, and
  // holds the caller's long arrays of numbers or number rows as they are.
  const shared = builtin && isPlainJson(result.data, { known: checked });
  const input = result.data === undefined
    ? result.data
    : freezeJson(shared ? result.data : jsonCopy(result.data));
  // Its canonical bytes are pinned: kept and reused by the job record.
  const canonical = input !== null && typeof input === "object"
    ? pinCanonical(input)
    : [canonicalBytes(input)];
  const prepared: PreparedRun = {
    registered,
    input,
    inputHash: sha256Chunks(canonical),
    inputBytes: textLength(canonical),
  };
  if (shared) SHARED.add(prepared);
  else PARSED.set(prepared, result.data);
  return prepared;
}

/** The prepared runs whose module runs on the recorded input itself. */
const SHARED = new WeakSet<PreparedRun>();

/** The parsed input of each prepared run, until a module's first run takes it. */
const PARSED = new WeakMap<PreparedRun, unknown>();
/** The prepared runs whose parsed input a module has had. */
const TAKEN = new WeakSet<PreparedRun>();

/** Arrays at least this long are left unfrozen: freezing boxes each number, and costs more than the rest of a run. */
const FREEZE_MAX_LENGTH = 1024;

/**
 * Freezes a JSON value deeply, except for long arrays and what they hold,
 * whose canonical bytes are pinned instead (see `pinCanonical`).
 */
function freezeJson<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    if (Array.isArray(value)) {
      if (value.length >= FREEZE_MAX_LENGTH) return value;
      Object.freeze(value);
      for (let i = 0; i < value.length; i++) {
        if (value[i] !== null && typeof value[i] === "object") freezeJson(value[i]);
      }
    } else {
      Object.freeze(value);
      for (const item of Object.values(value)) freezeJson(item);
    }
  }
  return value;
}

/**
 * Whether a value is JSON already, unchanged by a JSON round trip: plain
 * objects (with Object's prototype) and arrays of strings, booleans, null
 * and finite numbers other than -0, with no undefined, function or symbol
 * in them. Walks the value
 * without copying it.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isPlainJson } from "./_runtime.ts";
 * assert.strictEqual(isPlainJson({ a: [1, "x", null, { b: true }] }), true);
 * assert.strictEqual(isPlainJson({ a: [1, -0] }), false);
 * assert.strictEqual(isPlainJson({ a: undefined }), false);
 * assert.strictEqual(isPlainJson({ d: new Date(0) }), false);
 * ```
 */
export function isPlainJson(
  value: unknown,
  options: {
    /** Arrays known to be plain JSON already, left unwalked. */
    known?: ReadonlySet<unknown>;
  } = {},
): boolean {
  return plainJson(value, options.known);
}

function plainJson(value: unknown, known: ReadonlySet<unknown> | undefined): boolean {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "string":
    case "boolean":
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (Array.isArray(value)) {
    if (known?.has(value)) return true;
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (typeof item === "number") {
        if (!Number.isFinite(item) || (item === 0 && 1 / item < 0)) return false;
      } else if (typeof item !== "string" && typeof item !== "boolean" && !plainJson(item, known)) {
        return false;
      }
    }
    return true;
  }
  // A null-prototype object is copied too, so that the output's objects are all plain.
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) return false;
    if (!plainJson((value as Record<string, unknown>)[key], known)) return false;
  }
  return true;
}

/**
 * `JSON.parse(JSON.stringify(value))` without the text: plain objects,
 * arrays and primitives are copied as JSON would (-0 to 0, a non-finite
 * number to null, undefined and functions left out of objects and null in
 * arrays); anything else takes the JSON round trip.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { jsonCopy } from "./_runtime.ts";
 * const value = { a: [1, -0, NaN, undefined], b: undefined, d: new Date(0) };
 * assert.deepStrictEqual(jsonCopy(value), JSON.parse(JSON.stringify(value)));
 * ```
 */
export function jsonCopy(value: unknown): unknown {
  switch (typeof value) {
    case "number":
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case "string":
    case "boolean":
      return value;
    case "object":
      break;
    default:
      return JSON.parse(JSON.stringify(value) ?? "null");
  }
  if (value === null) return null;
  if (Array.isArray(value)) {
    // A plain array of JSON numbers is copied whole: a memory copy, not a million stores.
    if (Object.getPrototypeOf(value) === Array.prototype && jsonNumbers(value)) {
      return value.slice();
    }
    const copy = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      copy[i] = typeof item === "number"
        ? (Number.isFinite(item) ? (item === 0 ? 0 : item) : null)
        : item === undefined || typeof item === "function" || typeof item === "symbol"
        ? null
        : jsonCopy(item);
    }
    return copy;
  }
  const prototype = Object.getPrototypeOf(value);
  if (
    (prototype !== Object.prototype && prototype !== null) ||
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    return JSON.parse(JSON.stringify(value));
  }
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
    if (key === "__proto__") setOwn(copy, key, jsonCopy(item));
    else copy[key] = jsonCopy(item);
  }
  return copy;
}

/**
 * The input of one run of the module: the recorded input itself for a
 * built-in module; for another, the parsed input the first time and a fresh
 * copy of it later.
 */
function moduleInput(prepared: PreparedRun): unknown {
  if (SHARED.has(prepared)) return prepared.input;
  const parsed = PARSED.has(prepared) ? PARSED.get(prepared) : prepared.input;
  if (PARSED.has(prepared) && !TAKEN.has(prepared)) {
    // Nothing else holds zod's copy: the recorded input is a separate JSON copy.
    TAKEN.add(prepared);
    return parsed;
  }
  try {
    return cloneData(parsed);
  } catch {
    // Not cloneable (a schema that outputs functions, say): a copy of the recorded JSON.
    return JSON.parse(JSON.stringify(prepared.input));
  }
}

/** A failed job's error: a one-line message, a capped detail, and a stack only when debugging. */
export interface JobFailure {
  /** What went wrong, on one line (at most 500 characters). */
  message: string;
  /** The rest of a multi-line message, or a plugin's stderr (its last 4 KiB); at most 8 KiB. */
  detail?: string;
  /** The stack trace, kept only with `LABOS_DEBUG=1`; at most 16 KiB. */
  stack?: string;
}

/** A deep copy: plain objects and arrays by loops (fast for big number arrays), the rest by structuredClone. */
function cloneData(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const copy = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      copy[i] = item !== null && typeof item === "object" ? cloneData(item) : item;
    }
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return structuredClone(value);
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = cloneData((value as Record<string, unknown>)[key]);
    if (key === "__proto__") setOwn(copy, key, item);
    else copy[key] = item;
  }
  return copy;
}

/** Options for {@linkcode executeRun}. */
export interface ExecuteOptions {
  /** Keep the stack trace of a failure on the job. Default: `LABOS_DEBUG=1` in the environment. */
  debug?: boolean;
  /** The clock. Default: `() => new Date()`. */
  now?: () => Date;
  /** Receives the module's progress reports. */
  onProgress?: (fraction: number, message?: string) => void;
}

/**
 * Runs a prepared input. A module failure becomes a `failed` outcome, never
 * an exception; so does an output that breaks the module's own schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineModule } from "../modules/contract.ts";
 * import { executeRun, prepareRun } from "./_runtime.ts";
 * import assert from "node:assert";
 * const module = defineModule({
 *   key: "demo.double", version: "1.0.0", title: "Double", domain: "demo",
 *   summary: "Doubles", method: "x2", citations: [], limitations: [], learnerNotes: [],
 *   examples: [], input: z.object({ x: z.number() }), output: z.object({ y: z.number() }),
 *   run: (input) => ({ y: input.x * 2 }),
 * });
 * const outcome = await executeRun(prepareRun({ module, source: "builtin" }, { x: 2 }));
 * assert.strictEqual(outcome.status, "succeeded");
 * ```
 */
export async function executeRun(
  prepared: PreparedRun,
  options: ExecuteOptions = {},
): Promise<RunOutcome> {
  const now = options.now ?? (() => new Date());
  const { module } = prepared.registered;
  const startedAt = now().toISOString();
  const started = performance.now();
  const timing = () => ({
    startedAt,
    finishedAt: now().toISOString(),
    durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  });
  try {
    const raw = await module.run(moduleInput(prepared), {
      progress(fraction, message) {
        options.onProgress?.(Math.min(1, Math.max(0, fraction)), message);
      },
    });
    const checked = module.output.safeParse(raw);
    if (!checked.success) {
      return {
        status: "failed",
        error: {
          message: capLength(
            `Module ${quote(module.key)} returned an invalid output: ${
              formatIssues(toFieldIssues(checked.error, raw)).replace(/\s*\n\s*/g, " ")
            }`,
            MAX_ERROR_MESSAGE,
          ),
        },
        ...timing(),
      };
    }
    // zod's output is a fresh copy already; only a value JSON would change is copied again.
    const output = isPlainJson(checked.data) ? checked.data : jsonCopy(checked.data);
    // Pinned: the hash, the dataset record and its audit event serialise the output once.
    const outputBytes = output !== null && typeof output === "object"
      ? pinCanonical(output)
      : [canonicalBytes(output)];
    return {
      status: "succeeded",
      output,
      outputHash: sha256Chunks(outputBytes),
      warnings: warningsOf(output),
      ...timing(),
    };
  } catch (error) {
    const debug = options.debug ?? process.env.LABOS_DEBUG === "1";
    return { status: "failed", error: failureOf(error, { debug }), ...timing() };
  }
}

/**
 * The warnings a module returned: the top-level `warnings` strings of its
 * output (see `ModuleWarnings` in the module contract), each cut to one line.
 *
 * @example
 * ```ts
 * import { warningsOf } from "./_runtime.ts";
 * import assert from "node:assert";
 * assert.deepStrictEqual(warningsOf({ y: 1, warnings: ["Extrapolated"] }), ["Extrapolated"]);
 * assert.deepStrictEqual(warningsOf({ y: 1 }), []);
 * ```
 */
export function warningsOf(output: unknown): string[] {
  if (output === null || typeof output !== "object" || Array.isArray(output)) return [];
  const warnings = Object.hasOwn(output, "warnings")
    ? (output as { warnings: unknown }).warnings
    : undefined;
  if (!Array.isArray(warnings)) return [];
  return warnings
    .filter((warning): warning is string => typeof warning === "string")
    .map((warning) => capLength(warning.replace(/\s*\n\s*/g, " ").trim(), MAX_ERROR_MESSAGE))
    .filter((warning) => warning !== "");
}

/** The longest message a failed job keeps; the rest goes to its capped details. */
const MAX_ERROR_MESSAGE = 500;
/** The longest detail (the whole message, a plugin's stderr) a failed job keeps. */
const MAX_ERROR_DETAIL = 8 * 1024;
/** The longest stack trace a failed job keeps, with `debug`. */
const MAX_ERROR_STACK = 16 * 1024;

/**
 * A failed job's error: a one-line message, at most 500 characters; the
 * detail (the whole message when it spans lines, a plugin's stderr, of
 * which it keeps the last 4 KiB) capped at 8 KiB; and the stack trace,
 * capped at 16 KiB, only with `debug`.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ModuleError } from "../modules/contract.ts";
 * import { failureOf } from "./_runtime.ts";
 * const failure = failureOf(new ModuleError("Bad input\n  at row 3"));
 * assert.strictEqual(failure.message, "Bad input");
 * assert.ok(failure.detail?.includes("at row 3"));
 * assert.strictEqual(failure.stack, undefined);
 * ```
 */
export function failureOf(error: unknown, options: { debug?: boolean } = {}): JobFailure {
  const full = error instanceof Error ? error.message : String(error);
  const prefix = error instanceof ModuleError ? "" : "Unexpected error in module: ";
  const line = full.split("\n").map((part) => part.trim()).find((part) => part !== "") ?? "";
  const failure: JobFailure = { message: capLength(`${prefix}${line}`, MAX_ERROR_MESSAGE) };
  const extra = error instanceof ModuleError ? error.detail ?? "" : "";
  const detail = [full.trim() !== line ? full : "", extra].filter((part) => part.trim() !== "")
    .join("\n");
  if (detail !== "") failure.detail = capLength(detail, MAX_ERROR_DETAIL);
  const stack = error instanceof Error ? error.stack ?? "" : "";
  if (options.debug && stack.trim() !== "") failure.stack = capLength(stack, MAX_ERROR_STACK);
  return failure;
}

function capLength(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never split a surrogate pair.
  const end = /[\ud800-\udbff]/.test(text[max - 1]) ? max - 1 : max;
  return `${text.slice(0, end)}… (${text.length - max} more characters)`;
}

/**
 * The plot of a result, when the module draws one.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineModule } from "../modules/contract.ts";
 * import { plotOf } from "./_runtime.ts";
 * import assert from "node:assert";
 * const module = defineModule({
 *   key: "demo.double", version: "1.0.0", title: "Double", domain: "demo",
 *   summary: "Doubles", method: "x2", citations: [], limitations: [], learnerNotes: [],
 *   examples: [], input: z.object({ x: z.number() }), output: z.object({ y: z.number() }),
 *   run: (input) => ({ y: input.x * 2 }),
 * });
 * assert.strictEqual(plotOf({ module, source: "builtin" }, { x: 1 }, { y: 2 }), undefined);
 * ```
 */
export function plotOf(
  registered: RegisteredModule,
  input: unknown,
  output: unknown,
): PlotSpec | undefined {
  return registered.module.plot?.(input, output);
}

/** A table, as stored in an imported dataset. */
export type TableLike = DatasetTable;

/**
 * Maps table columns to array inputs: `timesS=time_s` makes `timesS` the
 * `time_s` column. Every mapped cell must be filled.
 *
 * @example
 * ```ts
 * import { inputFromTable } from "./_runtime.ts";
 * import assert from "node:assert";
 * const table = {
 *   columns: [{ name: "t", type: "integer" as const }],
 *   rowCount: 2,
 *   values: [[0, 10]],
 *   delimiter: ",",
 * };
 * assert.strictEqual(inputFromTable(table, ["timesS=t"]).timesS.length, 2);
 * ```
 */
export function inputFromTable(table: TableLike, map: string[]): Record<string, unknown[]> {
  const names = table.columns.map((column) => column.name);
  const input: Record<string, unknown[]> = {};
  for (const entry of map) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/s.exec(entry);
    if (!match) {
      throw new LabosError(
        "invalid",
        `Invalid "--map" ${quote(entry)}: expected field=column, e.g. timesS=time_s`,
      );
    }
    const [, field, column] = match;
    if (!names.includes(column)) {
      throw new LabosError(
        "invalid",
        `Invalid "--map" ${quote(entry)}: no column ${quote(column)}; columns are ${
          names.map((n) => quote(n)).join(", ")
        }`,
      );
    }
    setOwn(
      input,
      field,
      tableColumn(table, column).map((value, index) => {
        if (value === null || value === undefined) {
          throw new LabosError(
            "invalid",
            `Cannot map column ${quote(column)} to ${quote(field)}: row ${index + 1} is empty`,
          );
        }
        return value;
      }),
    );
  }
  return input;
}

/** Sets an own property, even for a key such as `__proto__`, never touching the prototype. */
/** Whether every item is a finite number other than -0, which JSON keeps as it is. */
function jsonNumbers(values: unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const item = values[i];
    if (typeof item !== "number" || !Number.isFinite(item) || (item === 0 && 1 / item < 0)) {
      return false;
    }
  }
  return true;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
