/**
 * What the configuration loader takes from the process itself: the
 * environment variables of its settings, and who acts by default. Shared by
 * the loader and the CLI's quick path, which loads no loader and must step
 * aside whenever one of these could change a setting.
 *
 * @module
 */
import { userInfo } from "node:os";

/**
 * The environment variable of each setting that `loadConfig` reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SETTING_VARIABLES } from "./_env.ts";
 * assert.equal(SETTING_VARIABLES.store, "LABOS_STORE");
 * ```
 */
export const SETTING_VARIABLES = {
  dataDir: "LABOS_DATA_DIR",
  store: "LABOS_STORE",
  storePoolMax: "LABOS_STORE_POOL_MAX",
  actor: "LABOS_ACTOR",
  attachmentMaxBytes: "LABOS_ATTACHMENT_MAX_BYTES",
} as const;

/**
 * The operating system's user name, or "unknown".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { osUser } from "./_env.ts";
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
 * import { isActorName } from "./_env.ts";
 * assert.ok(isActorName("ada.lovelace"));
 * assert.ok(!isActorName(" ada"));
 * ```
 */
export function isActorName(name: string): boolean {
  return /^\S(.{0,198}\S)?$/.test(name);
}
