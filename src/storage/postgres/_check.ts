/**
 * The PostgreSQL store's own checks (`labos doctor`): every record against
 * its schema, orphan blobs and the audit chain.
 *
 * @module
 */
import type postgres from "postgres";
import type { VerifyResult } from "../../audit/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import { RECORD_TYPES, type RecordType } from "../../records/mod.ts";
import type { StorageCheck, StorageProblem } from "../types.ts";
import { appendEvents, lockHead } from "./_audit.ts";
import { begin } from "./_begin.ts";
import { sqlState } from "./_errors.ts";
import { schemaVersion } from "./_schema.ts";

/** What the checks use of the store: its pool, clock, record decoder and audit verifier. */
export interface CheckParts {
  /** The store's URL without its password. */
  location: string;
  /** The current pool (a fresh one replaces it after a failed connection). */
  pool(): postgres.Sql;
  /** The clock of audit events. */
  now(): Date;
  /** Runs `fn` on the pool, turning a driver or server error into a one-line LabOS error. */
  run<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T>;
  /** Decodes and validates a stored row as a record; `invalid` when it is not one. */
  decode(type: RecordType, id: string, row: { body?: unknown; table_values?: unknown }): unknown;
  /** Verifies the audit chain. */
  verifyAudit(): Promise<VerifyResult>;
}

/**
 * The store's own checks: every record against its schema, orphan blobs
 * (named by no attachment; repair moves them to `labos_blob_quarantine`
 * and audits it, never deletes them) and the audit chain. A PostgreSQL
 * store has no temporary files, journals or id listings to fix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkStore } from "./_check.ts";
 * // Needs a server: src/storage/conformance_test.ts runs it against one.
 * const failing = () => Promise.reject(new Error("no server"));
 * await assert.rejects(
 *   checkStore({
 *     location: "postgres://nobody@127.0.0.1:1/none",
 *     pool: () => { throw new Error("no pool"); },
 *     now: () => new Date(),
 *     run: failing,
 *     decode: () => undefined,
 *     verifyAudit: failing,
 *   }, { repair: false, actor: "" }),
 *   /no server/,
 * );
 * ```
 */
export function checkStore(
  parts: CheckParts,
  options: { repair: boolean; actor: string; auth?: string },
): Promise<StorageCheck> {
  return new StoreCheck(parts).run(options);
}

/** One run of the checks. */
class StoreCheck {
  readonly location: string;
  readonly #parts: CheckParts;

  constructor(parts: CheckParts) {
    this.location = parts.location;
    this.#parts = parts;
  }

  run(options: { repair: boolean; actor: string; auth?: string }): Promise<StorageCheck> {
    return this.#parts.run(async (sql) => {
      const problems: StorageProblem[] = [];
      const records = Object.fromEntries(
        RECORD_TYPES.map((type) => [type, new Map()]),
      ) as StorageCheck["records"];
      const known = new Set<string>(RECORD_TYPES);
      if ((await schemaVersion(sql)) > 0) {
        for await (
          const rows
            of sql`SELECT type, id, body, table_values FROM labos_record ORDER BY type, seq`
              .cursor(256)
        ) {
          for (const row of rows) {
            const type = row.type as RecordType;
            const where = `${this.location}#${row.type}/${row.id}`;
            if (!known.has(type)) {
              problems.push({
                kind: "corrupt-record",
                path: where,
                message: `A record of an unknown type ${quote(row.type)}`,
                repaired: false,
              });
              continue;
            }
            try {
              (records[type] as Map<string, unknown>).set(
                row.id,
                this.#parts.decode(type, row.id, row),
              );
            } catch (error) {
              if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
              problems.push({
                kind: "corrupt-record",
                path: where,
                message: error.message,
                repaired: false,
              });
            }
          }
        }
      }
      await this.#checkBlobs(sql, records, problems, options);
      const audit = await this.#parts.verifyAudit();
      if (!audit.ok) {
        problems.push({
          kind: "audit-damaged",
          path: `${this.location}#labos_audit`,
          message: audit.message,
          repaired: false,
        });
      }
      return {
        problems,
        records,
        audit,
        auditLocation: `${this.location}#labos_audit`,
        exists: async (type: RecordType, id: string) => {
          const rows = await this.#parts.run((db) =>
            db`SELECT 1 FROM labos_record WHERE type = ${type} AND id = ${id}`
          );
          return rows.length > 0;
        },
      };
    });
  }

  async #checkBlobs(
    sql: postgres.Sql,
    records: StorageCheck["records"],
    problems: StorageProblem[],
    options: { repair: boolean; actor: string; auth?: string },
  ): Promise<void> {
    const attachments = (records as Record<string, Map<string, { sha256?: unknown }>>)
      .attachment;
    const named = new Set<unknown>([...attachments?.values() ?? []].map((a) => a.sha256));
    // No orphan is moved while an attachment record is unreadable: it may name it.
    const unreadable = problems.some((problem) =>
      problem.kind === "corrupt-record" && problem.path?.includes("#attachment/")
    );
    const rows = await sql`SELECT sha256 FROM labos_blob ORDER BY sha256`.catch((error) => {
      if (sqlState(error) === "42P01") return [];
      throw error;
    });
    for (const { sha256 } of rows) {
      if (named.has(sha256)) continue;
      const where = `${this.location}#labos_blob/${sha256}`;
      let message = `Orphan blob ${sha256.slice(0, 12)}…: no attachment names it`;
      const repair = options.repair && !unreadable;
      if (repair) message += `; moved to ${await this.#quarantineBlob(sha256, options)}`;
      else if (options.repair) {
        message += "; left in place while an attachment record is unreadable";
      }
      problems.push({ kind: "orphan-blob", path: where, message, repaired: repair });
    }
  }

  /** Moves a blob to `labos_blob_quarantine` and audits it, in one transaction. */
  async #quarantineBlob(
    sha256: string,
    options: { actor: string; auth?: string },
  ): Promise<string> {
    const from = `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
    const to = `labos_blob_quarantine/${sha256}`;
    await begin(this.#parts.pool(), "", async (tx) => {
      const head = await lockHead(tx);
      if (!head) {
        throw new LabosError(
          "invalid",
          `The PostgreSQL store at ${this.location} is not initialised`,
        );
      }
      await tx`INSERT INTO labos_blob_quarantine (sha256, size, data, moved_at)
        SELECT sha256, size, data, ${this.#parts.now().toISOString()} FROM labos_blob
        WHERE sha256 = ${sha256}
        ON CONFLICT (sha256) DO NOTHING`;
      await tx`DELETE FROM labos_blob WHERE sha256 = ${sha256}`;
      await appendEvents(tx, head, {
        inputs: [{
          actor: options.actor,
          action: "data.quarantined",
          target: { type: "file", id: from },
          reason: "labos doctor --repair: orphan blob (no attachment names it)",
          details: { from, to, ...(options.auth === undefined ? {} : { auth: options.auth }) },
        }],
        now: this.#parts.now(),
        location: this.location,
      });
    });
    return `${this.location}#${to}`;
  }
}
