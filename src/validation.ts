/**
 * Turns zod validation failures into LabOS errors that name every bad field,
 * say what was expected and quote the current value.
 *
 * @module
 */
import { type FieldIssue, LabosError, quote } from "./errors.ts";
import type { Schema } from "./modules/contract.ts";

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
): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    const value = valueAt(input, issue.path);
    return {
      path,
      message: describeIssue(issue as unknown as ZodIssueLike, value, input !== undefined),
    };
  });
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
  const issues = toFieldIssues(result.error, value);
  throw new LabosError("invalid", `${context}: ${formatIssues(issues)}`, { issues });
}
