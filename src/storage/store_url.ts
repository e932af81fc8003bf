/**
 * Store URLs (`postgres://user:password@host/db`): which store a URL
 * selects, and the URL without its password for messages, reports and the
 * audit log. Small on purpose: the configuration loads it on every command.
 *
 * @module
 */

/**
 * Whether `value` selects the PostgreSQL store: it starts with
 * `postgres://` or `postgresql://` (any case).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPostgresUrl } from "./store_url.ts";
 * assert.ok(isPostgresUrl("postgres://db.example/labos"));
 * assert.ok(isPostgresUrl("postgresql://localhost/labos"));
 * assert.ok(!isPostgresUrl("./data"));
 * ```
 */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

/**
 * The text with the password of a URL's user part, and any `password=`
 * parameter, replaced by `***`, so it can be shown. Text without a
 * password comes back unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactPassword } from "./store_url.ts";
 * assert.equal(redactPassword("postgres://ada:s3cret@db/labos"), "postgres://ada:***@db/labos");
 * assert.equal(redactPassword("postgres://db/labos?password=x&sslmode=require"),
 *   "postgres://db/labos?password=***&sslmode=require");
 * assert.equal(redactPassword("./data"), "./data");
 * ```
 */
export function redactPassword(text: string): string {
  return replacePassword(text, "***").replace(/([?&](?:ssl)?password=)[^&#]*/gi, "$1***");
}

/**
 * The URL without its password (the user part keeps the name), for the
 * store's `location`; text that is not a URL gets `***` in its place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withoutPassword } from "./store_url.ts";
 * assert.equal(withoutPassword("postgres://ada:s3cret@db:5432/labos"), "postgres://ada@db:5432/labos");
 * ```
 */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    parsed.searchParams.delete("password");
    return parsed.toString();
  } catch {
    return redactPassword(url);
  }
}

/**
 * Whether a store URL carries a password, in its user part or as a
 * `password=` parameter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasPassword } from "./store_url.ts";
 * assert.ok(hasPassword("postgres://ada:s3cret@db/labos"));
 * assert.ok(!hasPassword("postgres://ada@db/labos"));
 * ```
 */
export function hasPassword(url: string): boolean {
  return redactPassword(url) !== url;
}

/** The URL with its user part's password replaced (or removed when `by` is undefined). */
function replacePassword(text: string, by: string | undefined): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
  if (!scheme) return text;
  const rest = text.slice(scheme[0].length);
  const firstAt = rest.indexOf("@");
  if (firstAt < 0) return text;
  // A password may hold an unencoded "@": the user part ends at the last "@"
  // before the path, query or fragment that follow the host.
  const afterHost = rest.slice(firstAt).search(/[/?#]/);
  const end = afterHost < 0 ? rest.length : firstAt + afterHost;
  const at = rest.lastIndexOf("@", end);
  const user = rest.slice(0, at);
  const colon = user.indexOf(":");
  if (colon < 0) return text;
  const name = user.slice(0, colon);
  return `${scheme[0]}${by === undefined ? name : `${name}:${by}`}${rest.slice(at)}`;
}

/**
 * What to call a store in a message: "Store" for a PostgreSQL URL, else
 * "Data folder".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storeNoun } from "./store_url.ts";
 * assert.equal(storeNoun("postgres://db/labos"), "Store");
 * assert.equal(storeNoun("/srv/labos/data"), "Data folder");
 * ```
 */
export function storeNoun(location: string): "Store" | "Data folder" {
  return isPostgresUrl(location) ? "Store" : "Data folder";
}
