import { createHash } from "node:crypto";

/**
 * Serialises a JSON value with object keys sorted at every level and no
 * whitespace, so that equal values always give equal bytes.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.strictEqual(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    // No prototype: a key such as "__proto__" (a CSV column, say) stays an own property.
    const sorted: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) sorted[key] = sortKeys(item);
    }
    return sorted;
  }
  return value;
}

/**
 * Lowercase hex SHA-256 of a string's UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { sha256Hex } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.ok(sha256Hex("").startsWith("e3b0c442"));
 * ```
 */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * SHA-256 of a value's canonical JSON: the hash used for inputs, outputs and records.
 *
 * @example
 * ```ts
 * import { hashJson } from "./canonical.ts";
 * import assert from "node:assert";
 * assert.strictEqual(hashJson({ a: 1, b: 2 }), hashJson({ b: 2, a: 1 }));
 * ```
 */
export function hashJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
