import { LabosError, quote } from "../errors.ts";
import type { JsonSchema } from "../validation.ts";

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/**
 * Reads the text of one input value, as typed after `--param name=` or
 * into a form field. A list field (an array of numbers) takes `600, 650`,
 * `600 650` or `600;650` as well as JSON `[600,650]`; any other value is
 * taken as JSON when it is valid JSON (`50`, `true`, `[1,2]`) and as text
 * otherwise, for the module's validation to name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseParamValue } from "./_params.ts";
 * assert.deepEqual(parseParamValue("600, 650", { list: true }), [600, 650]);
 * assert.deepEqual(parseParamValue("[600,650]", { list: true }), [600, 650]);
 * assert.equal(parseParamValue("C8H10N4O2"), "C8H10N4O2");
 * ```
 */
export function parseParamValue(text: string, options: { list?: boolean } = {}): unknown {
  const trimmed = text.trim();
  if (options.list && !trimmed.startsWith("[")) {
    return trimmed.split(/[\s,;]+/).filter((part) => part !== "").map((part) =>
      NUMBER.test(part) ? Number(part) : part
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Whether a property of an input JSON Schema is a list of numbers, the
 * fields that {@linkcode parseParamValue} splits.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isNumberList } from "./_params.ts";
 * assert.ok(isNumberList({ type: "array", items: { type: "number" } }));
 * assert.ok(!isNumberList({ type: "number" }));
 * ```
 */
export function isNumberList(property: JsonSchema | undefined): boolean {
  const items = property?.type === "array" ? property.items as JsonSchema | undefined : undefined;
  return items?.type === "number" || items?.type === "integer";
}

/**
 * Parses `name=value` parameters against a module's input JSON Schema:
 * each value is read by {@linkcode parseParamValue}, as a list when the
 * field is a list of numbers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseParams } from "./_params.ts";
 * const schema = { type: "object", properties: { xs: { type: "array", items: { type: "number" } } } };
 * assert.deepEqual(parseParams(["xs=600,650", "massG=50"], { schema }), { xs: [600, 650], massG: 50 });
 * ```
 */
export function parseParams(
  params: string[],
  options: { schema?: JsonSchema | null } = {},
): Record<string, unknown> {
  const properties = (options.schema?.properties ?? {}) as Record<string, JsonSchema>;
  const input: Record<string, unknown> = {};
  for (const param of params) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(param);
    if (!match) {
      throw new LabosError(
        "invalid",
        `Invalid "--param" ${quote(param)}: expected name=value, e.g. massG=50`,
      );
    }
    const [, name, text] = match;
    if (Object.hasOwn(input, name)) {
      throw new LabosError("invalid", `Invalid "--param": ${quote(name)} is given twice`);
    }
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    // An own property, even for a key such as `__proto__`, never touching the prototype.
    Object.defineProperty(input, name, {
      value: parseParamValue(text, { list: isNumberList(property) }),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return input;
}
