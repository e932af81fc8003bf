/**
 * The PostgreSQL store: a `LabStorage` in one database, for
 * several `labos serve` and CLI processes writing at once over one audit
 * chain. Loaded only when a `postgres://` store is chosen.
 *
 * @module
 */
export { PostgresStorage, type PostgresStorageOptions } from "./_storage.ts";
export { PG_SCHEMA_VERSION } from "./_schema.ts";
