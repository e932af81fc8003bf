/**
 * The writes of one PostgreSQL transaction: records, audit events and the
 * manifest, scheduled by the caller and written together at its end.
 *
 * @module
 */
import type { AuditEventInput } from "../../audit/mod.ts";
import { type RecordOf, type RecordType, validateRecord } from "../../records/mod.ts";
import type { DataManifest, StorageTransaction } from "../types.ts";
import { appendEvents, type HeadRow } from "./_audit.ts";
import { toRow } from "./_records.ts";
import type { Sql } from "./_schema.ts";

/** What a transaction uses of its store: where it is, its clock and its reads. */
export interface TransactionHost {
  /** The store's URL without its password. */
  readonly location: string;
  /** The clock of audit events. */
  now(): Date;
  /** Reads one committed record inside a transaction. */
  getIn<K extends RecordType>(sql: Sql, type: K, id: string): Promise<RecordOf[K]>;
}

/**
 * The writes of one PostgreSQL transaction, scheduled by `fn` and written at its end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import postgres from "postgres";
 * import { PostgresTransaction } from "./_transaction.ts";
 * const sql = postgres("postgres://nobody@127.0.0.1:1/none", { connect_timeout: 1 });
 * const tx = new PostgresTransaction(sql, {
 *   location: "test",
 *   now: () => new Date(),
 *   getIn: () => Promise.reject(new Error("no server")),
 * });
 * await assert.rejects(tx.get("experiment", "exp_1"), /no server/);
 * await sql.end();
 * ```
 */
export class PostgresTransaction implements StorageTransaction {
  readonly #sql: Sql;
  readonly #storage: TransactionHost;
  readonly #records: Array<{ type: RecordType; record: RecordOf[RecordType] }> = [];
  readonly #events: AuditEventInput[] = [];
  #manifest: Record<string, unknown> | undefined;

  constructor(sql: Sql, storage: TransactionHost) {
    this.#sql = sql;
    this.#storage = storage;
  }

  get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    return this.#storage.getIn(this.#sql, type, id);
  }

  create<K extends RecordType>(type: K, record: RecordOf[K]): void {
    this.#records.push({ type, record });
  }

  put<K extends RecordType>(type: K, record: RecordOf[K]): void {
    this.#records.push({ type, record });
  }

  audit(event: AuditEventInput): void {
    this.#events.push(event);
  }

  setManifest(manifest: Record<string, unknown>): void {
    this.#manifest = manifest;
  }

  /**
   * Writes the records (a new one gets the next creation order; a rewrite
   * keeps its own), appends the events after the locked head and replaces
   * the manifest. Returns the first appended event's seq and line, or null.
   */
  async commit(sql: Sql, head: HeadRow): Promise<{ seq: number; line: string } | null> {
    const rows = this.#records.map(({ type, record }) => {
      validateRecord(type, record);
      return { type, id: record.id, ...toRow(type, record) };
    });
    // Pipelined, in order: a new record's creation order follows the order of `create`.
    await Promise.all(rows.map((row) =>
      sql`INSERT INTO labos_record (type, id, body, table_values)
        VALUES (${row.type}, ${row.id}, ${row.body}::text::jsonb, ${row.values}::text::jsonb)
        ON CONFLICT (type, id) DO UPDATE
        SET body = EXCLUDED.body, table_values = EXCLUDED.table_values`
    ));
    const { events, lines } = await appendEvents(sql, head, {
      inputs: this.#events,
      now: this.#storage.now(),
      location: this.#storage.location,
    });
    if (this.#manifest) {
      await sql`UPDATE labos_meta SET manifest = ${manifestText(this.#manifest)} WHERE id = 1`;
    }
    return events.length === 0 ? null : { seq: events[0].seq, line: lines[0] };
  }
}

/**
 * The manifest as `labos.json` holds it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { manifestText } from "./_transaction.ts";
 * assert.equal(manifestText({ format: "labos" }), '{\n  "format": "labos"\n}\n');
 * ```
 */
export function manifestText(manifest: Record<string, unknown> | DataManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
