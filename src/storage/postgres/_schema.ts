/**
 * The PostgreSQL schema of a LabOS store, version {@linkcode PG_SCHEMA_VERSION}:
 * every statement is a constant, run in one transaction.
 *
 * @module
 */
import type postgres from "postgres";
import { LabosError } from "../../errors.ts";

/** The version of the PostgreSQL schema this release writes and reads. */
export const PG_SCHEMA_VERSION: number = 1;

/** A connection, a pool or a transaction of the `postgres` driver. */
export type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * The transaction advisory lock key that serialises schema changes (the
 * tables that would hold a row lock may not exist yet): "LabOS" in ASCII.
 */
export const SCHEMA_LOCK_KEY: number = 0x4c61624f53;

/** Creates the version 1 tables, indexes and triggers that are missing. Idempotent. */
async function createV1(sql: Sql): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS labos_meta (
    id int PRIMARY KEY CHECK (id = 1),
    schema_version int NOT NULL,
    manifest text
  )`;
  // The audit head, one row: every writer locks it first (SELECT … FOR UPDATE).
  await sql`CREATE TABLE IF NOT EXISTS labos_head (
    id int PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL,
    ts text NOT NULL
  )`;
  await sql`CREATE TABLE IF NOT EXISTS labos_record (
    type text NOT NULL,
    id text NOT NULL,
    seq bigserial NOT NULL,
    body jsonb NOT NULL,
    table_values jsonb,
    PRIMARY KEY (type, id)
  )`;
  await sql`CREATE UNIQUE INDEX IF NOT EXISTS labos_record_order ON labos_record (type, seq)`;
  await sql`CREATE TABLE IF NOT EXISTS labos_audit (
    seq bigint PRIMARY KEY,
    line text NOT NULL,
    hash text NOT NULL,
    ts text NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target_type text NOT NULL,
    target_id text NOT NULL
  )`;
  await sql`CREATE INDEX IF NOT EXISTS labos_audit_target ON labos_audit (target_type, target_id, seq)`;
  await sql`CREATE INDEX IF NOT EXISTS labos_audit_action ON labos_audit (action, seq)`;
  await sql`CREATE INDEX IF NOT EXISTS labos_audit_actor ON labos_audit (actor, seq)`;
  // Append-only: an update, delete or truncate of the audit log is refused.
  await sql`CREATE OR REPLACE FUNCTION labos_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the LabOS audit log is append-only';
    END
    $$`;
  await sql`DROP TRIGGER IF EXISTS labos_audit_no_change ON labos_audit`;
  await sql`CREATE TRIGGER labos_audit_no_change BEFORE UPDATE OR DELETE ON labos_audit
    FOR EACH ROW EXECUTE FUNCTION labos_audit_append_only()`;
  await sql`DROP TRIGGER IF EXISTS labos_audit_no_truncate ON labos_audit`;
  await sql`CREATE TRIGGER labos_audit_no_truncate BEFORE TRUNCATE ON labos_audit
    FOR EACH STATEMENT EXECUTE FUNCTION labos_audit_append_only()`;
  await sql`CREATE TABLE IF NOT EXISTS labos_blob (
    sha256 text PRIMARY KEY,
    size bigint NOT NULL,
    data bytea NOT NULL
  )`;
  // Blobs are stored as written: no compression of what is usually already compressed.
  await sql`ALTER TABLE labos_blob ALTER COLUMN data SET STORAGE EXTERNAL`;
  // Files copied in by a legacy import (the folder's legacy/), kept apart from the blobs.
  await sql`CREATE TABLE IF NOT EXISTS labos_legacy_file (
    name text PRIMARY KEY,
    sha256 text NOT NULL,
    size bigint NOT NULL,
    data bytea NOT NULL
  )`;
  await sql`CREATE TABLE IF NOT EXISTS labos_backup (
    stamp text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    content text NOT NULL,
    PRIMARY KEY (stamp, kind, name)
  )`;
}

/**
 * Creates or upgrades the schema to {@linkcode PG_SCHEMA_VERSION} inside
 * the caller's transaction, under the schema lock; returns the version
 * found (0 for none). Refuses (`invalid`) a newer schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { ensureSchema } from "./_schema.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await ensureSchema(sql, "test"));
 * await sql.end();
 * ```
 */
export async function ensureSchema(sql: Sql, location: string): Promise<number> {
  await sql`SELECT pg_advisory_xact_lock(${SCHEMA_LOCK_KEY})`;
  const found = await schemaVersion(sql);
  if (found > PG_SCHEMA_VERSION) {
    throw new LabosError(
      "invalid",
      `Cannot use ${location}: its PostgreSQL schema is version ${found}, newer than this LabOS supports (${PG_SCHEMA_VERSION}); upgrade LabOS`,
    );
  }
  await createV1(sql);
  await sql`INSERT INTO labos_meta (id, schema_version) VALUES (1, ${PG_SCHEMA_VERSION})
    ON CONFLICT (id) DO UPDATE SET schema_version = EXCLUDED.schema_version`;
  return found;
}

/** The schema version of the database, or 0 when it has no LabOS tables. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { schemaVersion } from "./_schema.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * await assert.rejects(async () => await schemaVersion(sql));
 * await sql.end();
 * ```
 */
export async function schemaVersion(sql: Sql): Promise<number> {
  const [exists] = await sql`SELECT to_regclass('labos_meta') IS NOT NULL AS present`;
  if (!exists.present) return 0;
  const [row] = await sql`SELECT schema_version FROM labos_meta WHERE id = 1`;
  return row ? Number(row.schema_version) : 0;
}
