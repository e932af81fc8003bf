import { LabosError, quote } from "../errors.ts";
import {
  deferredStorage,
  isPostgresUrl,
  type LabStorage,
  redactPassword,
  withoutPassword,
} from "../storage/mod.ts";
import { DEFAULT_STORE_POOL_MAX } from "./_context.ts";

/** How to connect to a PostgreSQL store (see `openLab`'s `store`). */
export interface StoreOptions {
  /** The most connections this process opens. Default: {@linkcode DEFAULT_STORE_POOL_MAX}. */
  poolMax?: number;
  /** How long to wait for a connection before the store is `unavailable`, in seconds. Default: 10. */
  connectTimeoutSeconds?: number;
}

/**
 * The PostgreSQL store of `url`, its driver imported on first use only; its
 * `location` is the URL without the password.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { postgresStorage } from "./_store.ts";
 * const storage = postgresStorage("postgres://ada:s3cret@db.example/labos", { now: () => new Date() });
 * assert.equal(storage.location, "postgres://ada@db.example/labos");
 * await storage.close(); // never connected: nothing to release
 * assert.throws(() => postgresStorage("mysql://db/labos", { now: () => new Date() }), /postgres:\/\//);
 * ```
 */
export function postgresStorage(
  url: string,
  options: StoreOptions & { now: () => Date },
): LabStorage {
  if (!isPostgresUrl(url)) {
    throw new LabosError(
      "invalid",
      `Invalid "store" ${quote(redactPassword(url))}: expected a postgres:// or postgresql:// URL`,
    );
  }
  const poolMax = options.poolMax ?? DEFAULT_STORE_POOL_MAX;
  return deferredStorage(withoutPassword(url), async () => {
    const { PostgresStorage } = await import("../storage/postgres/mod.ts");
    return new PostgresStorage(url, {
      poolMax,
      connectTimeoutSeconds: options.connectTimeoutSeconds ?? 10,
      now: options.now,
    });
  });
}
