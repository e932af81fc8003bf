/**
 * The storage half of the composition root: the store a lab runs on, the
 * data folder or PostgreSQL. `openLab` builds its store here, and so does
 * the CLI's quick path, which needs a store but no facade.
 *
 * @module
 */
import { FolderStorage } from "../storage/folder/mod.ts";
import type { LabStorage } from "../storage/mod.ts";
import { postgresStorage, type StoreOptions } from "./_store.ts";

/** Options for {@linkcode openStorage}. */
export interface OpenStorageOptions {
  /** The data folder, used when `store` is absent. */
  dataDir: string;
  /** A postgres:// or postgresql:// URL: the PostgreSQL store instead of the data folder. */
  store?: string;
  /** How to connect to the PostgreSQL store. */
  storeOptions?: StoreOptions;
  /** The clock. Default: the system clock. */
  now?: () => Date;
}

/**
 * The data folder `dataDir`, or the PostgreSQL store of `store` (its driver
 * loaded on first use).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStorage } from "./_open_storage.ts";
 * const storage = openStorage({ dataDir: "/tmp/labos-never-created" });
 * assert.equal(await storage.manifest(), undefined);
 * ```
 */
export function openStorage(options: OpenStorageOptions): LabStorage {
  const now = options.now ?? (() => new Date());
  return options.store === undefined
    ? new FolderStorage(options.dataDir, { now })
    : postgresStorage(options.store, { ...options.storeOptions, now });
}
