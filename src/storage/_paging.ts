import { LabosError, quote } from "../errors.ts";
import type { PageQuery } from "./types.ts";

/**
 * The paging rule, written once: `limit` is a whole number from 1 to `max`
 * (default 50), `offset` a whole number from 0 (default 0). Throws
 * `invalid` naming the field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPage } from "./_paging.ts";
 * assert.deepEqual(checkPage({}), { limit: 50, offset: 0 });
 * assert.throws(() => checkPage({ limit: 0 }));
 * ```
 */
export function checkPage(
  query: PageQuery,
  options: { max?: number } = {},
): { limit: number; offset: number } {
  return {
    limit: checkNumber("limit", query.limit ?? 50, 1, options.max ?? 10_000),
    offset: checkNumber("offset", query.offset ?? 0, 0, 10_000),
  };
}

function checkNumber(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const expected = `a whole number from ${min} to ${max}`;
    throw new LabosError("invalid", `Invalid "${name}" ${quote(value)}: expected ${expected}`, {
      issues: [{ path: name, message: `must be ${expected}: current value is ${quote(value)}` }],
    });
  }
  return value;
}
