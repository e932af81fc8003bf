/**
 * Who acts by default, and what an actor's name may be: shared by the
 * configuration loader and the CLI's quick path, which loads no loader.
 *
 * @module
 */
import { userInfo } from "node:os";

/**
 * The operating system's user name, or "unknown".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { osUser } from "./_actor.ts";
 * assert.ok(osUser().length > 0);
 * ```
 */
export function osUser(): string {
  try {
    return userInfo().username || "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Whether `name` is a valid actor: 1 to 200 characters, not blank at either end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isActorName } from "./_actor.ts";
 * assert.ok(isActorName("ada.lovelace"));
 * assert.ok(!isActorName(" ada"));
 * ```
 */
export function isActorName(name: string): boolean {
  return /^\S(.{0,198}\S)?$/.test(name);
}
