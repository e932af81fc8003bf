import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { Buffer } from "node:buffer";
import process from "node:process";
import postgres from "postgres";
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditExport,
  type AuditFilter,
  type AuditHead,
  AuditLog,
  type ScanOptions,
  type VerifiedSelection,
  verifyLogFile,
  type VerifyResult,
} from "../../audit/mod.ts";
import { excerpt, LabosError, quote } from "../../errors.ts";
import {
  checkId,
  RECORD_TYPES,
  type RecordOf,
  type RecordType,
  type SummaryOf,
} from "../../records/mod.ts";
import { VERSION } from "../../version.ts";
import { BlobMeter } from "../_blob_meter.ts";
import { checkPage } from "../_paging.ts";
import {
  type BlobInfo,
  DATA_FORMAT,
  DATA_SCHEMA_VERSION,
  type DataManifest,
  type LabStorage,
  type Page,
  type PutBlobOptions,
  type RawRecords,
  type RecordQuery,
  type RestoreSink,
  type Snapshot,
  type StorageCheck,
  type StorageTransaction,
} from "../types.ts";
import { appendEvents, EMPTY_HEAD, eventOfLine, lockHead, withAuditCopy } from "./_audit.ts";
import { begin } from "./_begin.ts";
import { guardClosedSocketWrites } from "./_driver_guard.ts";
import {
  connectDeadlineError,
  isConnectionError,
  isSerializationFailure,
  sqlState,
  storeError,
} from "./_errors.ts";
import { Slots } from "./_slots.ts";
import { type TlsSettings, tlsSettings } from "./_tls.ts";
import { decodeRecord, rawRecord } from "./_records.ts";
import { ensureSchema, PG_SCHEMA_VERSION, schemaVersion, type Sql } from "./_schema.ts";
import { restoreInto, snapshotOf } from "./_snapshot.ts";
import { checkStore } from "./_check.ts";
import { manifestText, PostgresTransaction } from "./_transaction.ts";

/** Options for {@linkcode PostgresStorage}. */
export interface PostgresStorageOptions {
  /** The most connections the pool opens, from 2 (a transaction may read beside its own). Default: 10. */
  poolMax?: number;
  /** Seconds to wait for a connection before the store is `unavailable`. Default: 10. */
  connectTimeoutSeconds?: number;
  /** The clock of audit events, for tests. Default: `() => new Date()`. */
  now?: () => Date;
  /** Milliseconds a writer waits for the audit head before `locked`. Default: `LABOS_LOCK_TIMEOUT_MS` or 30000. */
  lockTimeoutMs?: number;
}

/** How often a transaction is tried when it failed before its commit was sent. */
const ATTEMPTS = 3;
// How long past the connect timeout a connection may take before the attempt ends.
const CONNECT_DEADLINE_MARGIN_MS = 1000;
/** Records read without zod's JIT per type before it compiles (see the folder store). */
const INTERPRETED_READS = 64;
const LIST_CHUNK = 256;

/**
 * A LabOS store in a PostgreSQL database, over the `postgres` driver
 * (porsager): records as `jsonb` rows, the audit log as its exact v1
 * lines, blobs as `bytea`. Every statement is parameterised. Nothing is
 * read or written until a method is called; {@linkcode PostgresStorage.close}
 * ends the pool.
 *
 * Writers are serialised by a row lock on the one-row head table
 * (`SELECT … FOR UPDATE`), the first statement of every writing
 * transaction, so the chain never forks and `seq` has no gaps.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PostgresStorage } from "./_storage.ts";
 * const storage = new PostgresStorage("postgres://ada:secret@db.example/lab?sslmode=require");
 * assert.equal(storage.location, "postgres://ada@db.example/lab?sslmode=require");
 * await storage.close();
 * ```
 */
export class PostgresStorage implements LabStorage {
  /** The URL without its password. */
  readonly location: string;
  /** Where the manifest is: the `labos_meta` table. */
  readonly manifestLocation: string;
  readonly #tls: TlsSettings;
  readonly #poolMax: number;
  readonly #connectTimeout: number;
  readonly #now: () => Date;
  readonly #lockTimeoutMs: number;
  readonly #reads = new Map<RecordType, number>();
  /** The pool; replaced by a fresh one when a connection could not be made in time. */
  #sql: postgres.Sql;
  /** Whether a connection was made since the pool was opened or a connection last closed. */
  #reached = false;
  #reaching: Promise<void> | undefined;
  #closed = false;
  readonly #slots: Slots;

  /** Opens a pool on `url` (`postgres://` or `postgresql://`; `sslmode` is honoured). */
  constructor(url: string, options: PostgresStorageOptions = {}) {
    this.location = redact(url);
    this.manifestLocation = `${this.location}#labos_meta`;
    const poolMax = options.poolMax ?? 10;
    if (!Number.isInteger(poolMax) || poolMax < 2 || poolMax > 1000) {
      throw new LabosError(
        "invalid",
        `Invalid "poolMax" ${quote(poolMax)}: expected a whole number from 2 to 1000`,
      );
    }
    const connectTimeout = options.connectTimeoutSeconds ?? 10;
    if (!(connectTimeout > 0 && connectTimeout <= 3600)) {
      throw new LabosError(
        "invalid",
        `Invalid "connectTimeoutSeconds" ${
          quote(connectTimeout)
        }: expected a number of seconds from 1 to 3600`,
      );
    }
    this.#tls = tlsSettings(url);
    this.#poolMax = poolMax;
    this.#connectTimeout = connectTimeout;
    this.#now = options.now ?? (() => new Date());
    this.#lockTimeoutMs = options.lockTimeoutMs ?? envNumber("LABOS_LOCK_TIMEOUT_MS", 30_000);
    guardClosedSocketWrites();
    this.#slots = new Slots(poolMax - 1);
    this.#sql = this.#pool();
  }

  #pool(): postgres.Sql {
    return postgres(this.#tls.url, {
      ...(this.#tls.ssl ? { ssl: this.#tls.ssl } : {}),
      max: this.#poolMax,
      connect_timeout: this.#connectTimeout,
      idle_timeout: 60,
      fetch_types: false,
      onnotice: () => {},
      // A new connection may meet a server that has gone bad: prove it again.
      onclose: () => {
        this.#reached = false;
      },
      connection: { application_name: "labos" },
    });
  }

  /**
   * Makes sure the pool can reach the server, with a deadline: the driver
   * reconnects without end, its connect timeout restarted on each attempt,
   * when a server accepts connections and closes them. Past the deadline
   * the pool is destroyed (it would keep trying) and a fresh one waits for
   * the next call.
   */
  async #reach(): Promise<void> {
    if (this.#closed) {
      throw new LabosError("internal", `The PostgreSQL store at ${this.location} is closed`);
    }
    if (this.#reached) return;
    this.#reaching ??= this.#probe().finally(() => {
      this.#reaching = undefined;
    });
    await this.#reaching;
  }

  async #probe(): Promise<void> {
    const sql = this.#sql;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      // A little past the driver's own timeout, so that a silent server gets its error.
      timer = setTimeout(
        () => reject(connectDeadlineError()),
        this.#connectTimeout * 1000 + CONNECT_DEADLINE_MARGIN_MS,
      );
    });
    try {
      await Promise.race([sql`SELECT 1`, deadline]);
      this.#reached = true;
    } catch (error) {
      if (isConnectionError(error)) {
        if (this.#sql === sql && !this.#closed) this.#sql = this.#pool();
        await sql.end({ timeout: 0 });
      }
      throw storeError(error, this.location);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs `fn`, turning a driver or server error into a one-line LabOS error. */
  async #run<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
    await this.#reach();
    try {
      return await fn(this.#sql);
    } catch (error) {
      if (isConnectionError(error)) this.#reached = false;
      throw storeError(error, this.location);
    }
  }

  /** Releases the pool's connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // A connection still being tried is not worth waiting for.
    await this.#sql.end({ timeout: this.#reaching ? 0 : 5 });
  }

  /** The checked manifest, or undefined when the database holds no LabOS store. */
  async manifest(): Promise<DataManifest | undefined> {
    const manifest = await this.rawManifest() as Partial<DataManifest> | undefined;
    if (manifest === undefined) return undefined;
    if (manifest?.format !== DATA_FORMAT) {
      throw new LabosError(
        "invalid",
        `Cannot use ${this.location}: its manifest is not a LabOS manifest ("format" is ${
          excerpt(manifest?.format)
        }, expected "${DATA_FORMAT}")`,
      );
    }
    if (manifest.schemaVersion !== DATA_SCHEMA_VERSION) {
      const newer = typeof manifest.schemaVersion === "number" &&
        manifest.schemaVersion > DATA_SCHEMA_VERSION;
      throw new LabosError(
        "invalid",
        `Cannot use ${this.location}: "schemaVersion" is ${excerpt(manifest.schemaVersion)}, ${
          newer
            ? `newer than this LabOS ${VERSION} supports (${DATA_SCHEMA_VERSION}); upgrade LabOS`
            : `expected ${DATA_SCHEMA_VERSION}; run "labos migrate" to upgrade it`
        }`,
      );
    }
    const version = (await this.#run((sql) => this.#meta(sql)))?.version ?? 0;
    if (version !== PG_SCHEMA_VERSION) {
      throw new LabosError(
        "invalid",
        `Cannot use ${this.location}: its PostgreSQL schema is version ${version}, ${
          version > PG_SCHEMA_VERSION
            ? `newer than this LabOS ${VERSION} supports (${PG_SCHEMA_VERSION}); upgrade LabOS`
            : `expected ${PG_SCHEMA_VERSION}; run "labos migrate" to upgrade it`
        }`,
      );
    }
    return manifest as DataManifest;
  }

  /** The manifest as stored, or undefined when there is none. */
  rawManifest(): Promise<Record<string, unknown> | undefined> {
    return this.#run(async (sql) => {
      const meta = await this.#meta(sql);
      if (meta?.manifest === undefined || meta.manifest === null) return undefined;
      try {
        return JSON.parse(meta.manifest);
      } catch {
        throw new LabosError("invalid", `Cannot read ${this.manifestLocation}: not valid JSON`);
      }
    });
  }

  /** The schema version and manifest text, in one query; undefined when there are no LabOS tables. */
  async #meta(sql: Sql): Promise<{ version: number; manifest: string | null } | undefined> {
    try {
      const [row] = await sql`SELECT schema_version, manifest FROM labos_meta WHERE id = 1`;
      return row
        ? { version: Number(row.schema_version), manifest: row.manifest }
        : { version: 0, manifest: null };
    } catch (error) {
      if (sqlState(error) === "42P01") return undefined;
      throw error;
    }
  }

  /**
   * Creates the schema (or upgrades it), the manifest and the first audit
   * event in one transaction; returns the existing manifest when there is one.
   */
  async initialize(
    manifest: DataManifest,
    event: AuditEventInput,
    options: { force?: boolean } = {},
  ): Promise<{ created: boolean; manifest: DataManifest }> {
    const existing = await this.manifest();
    if (existing) return { created: false, manifest: existing };
    const created = await this.#run((sql) =>
      begin(sql, "", async (tx) => {
        await ensureSchema(tx, this.location);
        const [row] = await tx`SELECT manifest FROM labos_meta WHERE id = 1`;
        if (row?.manifest) return false;
        const [used] = await tx`SELECT
          (SELECT count(*) FROM labos_record) + (SELECT count(*) FROM labos_audit) AS n`;
        if (Number(used.n) > 0 && !options.force) {
          throw new LabosError(
            "invalid",
            `Cannot initialise ${this.location}: the database holds LabOS records or audit events but no manifest; restore it from an archive into a new database, or pass --force`,
          );
        }
        await tx`INSERT INTO labos_head (id, seq, hash, ts)
          VALUES (1, ${EMPTY_HEAD.seq}, ${EMPTY_HEAD.hash}, ${EMPTY_HEAD.ts})
          ON CONFLICT (id) DO NOTHING`;
        const head = await lockHead(tx);
        await appendEvents(tx, head ?? EMPTY_HEAD, {
          inputs: [event],
          now: this.#now(),
          location: this.location,
        });
        await tx`UPDATE labos_meta SET manifest = ${manifestText(manifest)} WHERE id = 1`;
        return true;
      })
    );
    if (created) return { created: true, manifest };
    return { created: false, manifest: (await this.manifest()) ?? manifest };
  }

  /**
   * Creates or upgrades the schema to {@linkcode PG_SCHEMA_VERSION}
   * (idempotent, for `labos migrate`); returns the versions before and after.
   */
  upgradeSchema(): Promise<{ from: number; to: number }> {
    return this.#run((sql) =>
      begin(sql, "", async (tx) => ({
        from: await ensureSchema(tx, this.location),
        to: PG_SCHEMA_VERSION,
      }))
    );
  }

  /** Reads and validates one record. */
  get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    return this.#run((sql) => this.#get(sql, type, id));
  }

  async #get<K extends RecordType>(
    sql: Sql,
    type: K,
    id: string,
    summary = false,
  ): Promise<RecordOf[K]> {
    checkId(type, id);
    const rows = summary
      ? await sql`SELECT body FROM labos_record WHERE type = ${type} AND id = ${id}`
      : await sql`SELECT body, table_values FROM labos_record WHERE type = ${type} AND id = ${id}`;
    if (rows.length === 0) throw new LabosError("not_found", `No ${type} with id ${quote(id)}`);
    return this.#decode(type, id, rows[0], summary);
  }

  #decode<K extends RecordType>(
    type: K,
    id: string,
    row: { body?: unknown; table_values?: unknown },
    summary: boolean,
  ): RecordOf[K] {
    const reads = this.#reads.get(type) ?? 0;
    this.#reads.set(type, reads + 1);
    const value = summary ? row.body : rawRecord(row.body, row.table_values);
    return decodeRecord(type, id, value, {
      where: this.locate(type, id),
      summary,
      jitless: reads < INTERPRETED_READS,
    });
  }

  /** One page of records, newest first (creation order). */
  list<K extends RecordType>(
    type: K,
    query: RecordQuery<RecordOf[K]> = {},
  ): Promise<Page<RecordOf[K]>> {
    return this.#list(type, query, false);
  }

  /** Reads one record's summary: a dataset without its table's values, which are not read. */
  getSummary<K extends RecordType>(type: K, id: string): Promise<SummaryOf[K]> {
    return this.#run((sql) => this.#get(sql, type, id, true)) as Promise<unknown> as Promise<
      SummaryOf[K]
    >;
  }

  /** One page of summaries, newest first: datasets without their values, which are not read. */
  listSummaries<K extends RecordType>(
    type: K,
    query: RecordQuery<SummaryOf[K]> = {},
  ): Promise<Page<SummaryOf[K]>> {
    return this.#list(type, query as RecordQuery<RecordOf[K]>, true) as Promise<unknown> as Promise<
      Page<SummaryOf[K]>
    >;
  }

  #list<K extends RecordType>(
    type: K,
    query: RecordQuery<RecordOf[K]>,
    summary: boolean,
  ): Promise<Page<RecordOf[K]>> {
    const { limit, offset } = checkPage(query);
    checkType(type);
    return this.#run(async (sql) => {
      const page = (after: number | null, count: number, skip: number) =>
        summary
          ? sql`SELECT id, seq, body FROM labos_record WHERE type = ${type}
              ${after === null ? sql`` : sql`AND seq < ${after}`}
              ORDER BY seq DESC LIMIT ${count} OFFSET ${skip}`
          : sql`SELECT id, seq, body, table_values FROM labos_record WHERE type = ${type}
              ${after === null ? sql`` : sql`AND seq < ${after}`}
              ORDER BY seq DESC LIMIT ${count} OFFSET ${skip}`;
      const items: RecordOf[K][] = [];
      if (!query.where) {
        const rows = await page(null, limit + 1, offset);
        for (const row of rows.slice(0, limit)) {
          items.push(this.#decode(type, row.id, row, summary));
        }
        return { items, hasMore: rows.length > limit };
      }
      let matched = 0;
      let after: number | null = null;
      for (;;) {
        const rows = await page(after, LIST_CHUNK, 0);
        if (rows.length === 0) return { items, hasMore: false };
        for (const row of rows) {
          const record = this.#decode(type, row.id, row, summary);
          if (!query.where(record)) continue;
          if (matched++ < offset) continue;
          if (items.length === limit) return { items, hasMore: true };
          items.push(record);
        }
        after = Number(rows[rows.length - 1].seq);
      }
    });
  }

  /** How many records of a type exist. */
  count(type: RecordType): Promise<number> {
    checkType(type);
    return this.#run(async (sql) => {
      const [row] = await sql`SELECT count(*) AS n FROM labos_record WHERE type = ${type}`;
      return Number(row.n);
    });
  }

  /** Where a record lives: the store's URL and `#type/id`. Throws `invalid` on a malformed id. */
  locate(type: RecordType, id: string): string {
    checkId(type, id);
    return `${this.location}#${type}/${id}`;
  }

  /** The audit head. */
  auditHead(): Promise<AuditHead> {
    return this.#run(async (sql) => {
      const rows = await sql`SELECT seq, hash FROM labos_head WHERE id = 1`.catch((error) => {
        if (sqlState(error) === "42P01") return [];
        throw error;
      });
      const row = rows[0];
      return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: EMPTY_HEAD.hash };
    });
  }

  /** Audit events, newest first. */
  auditList(filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    const { limit, offset } = checkPage(filter, { max: 1000 });
    const fields = checkFilter(filter);
    return this.#run(async (sql) => {
      const rows = await sql`SELECT line FROM labos_audit WHERE true
        ${fields.actor === undefined ? sql`` : sql`AND actor = ${fields.actor}`}
        ${fields.action === undefined ? sql`` : sql`AND action = ${fields.action}`}
        ${fields.targetType === undefined ? sql`` : sql`AND target_type = ${fields.targetType}`}
        ${fields.targetId === undefined ? sql`` : sql`AND target_id = ${fields.targetId}`}
        ${fields.since === undefined ? sql`` : sql`AND ts >= ${fields.since}`}
        ORDER BY seq DESC LIMIT ${limit + 1} OFFSET ${offset}`.catch((error) => {
        if (sqlState(error) === "42P01") return [];
        throw error;
      });
      return {
        items: rows.slice(0, limit).map((row) => eventOfLine(row.line)),
        hasMore: rows.length > limit,
      };
    });
  }

  /** Every audit event, oldest first; with `actions`, only those. */
  async *auditScan(options: ScanOptions = {}): AsyncIterable<AuditEvent> {
    const actions = options.actions === undefined ? undefined : [...options.actions];
    if (actions?.length === 0) return;
    if ((await this.#run(schemaVersion)) === 0) return;
    const query = actions === undefined
      ? this.#sql`SELECT line FROM labos_audit ORDER BY seq`
      : this.#sql`SELECT line FROM labos_audit WHERE action IN ${this.#sql(actions)} ORDER BY seq`;
    const cursor = query.cursor(1000)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<postgres.Row[]>;
      try {
        next = await cursor.next();
      } catch (error) {
        throw storeError(error, this.location);
      }
      if (next.done) return;
      for (const row of next.value) yield eventOfLine(row.line);
    }
  }

  /** Verifies the audit chain with the audit module's verifier, on a consistent copy. */
  verifyAudit(): Promise<VerifyResult> {
    return this.#run(async (sql) => {
      if ((await schemaVersion(sql)) === 0) {
        return { ok: true, events: 0, head: EMPTY_HEAD.hash, warnings: [] };
      }
      return await begin(
        sql,
        "isolation level repeatable read read only",
        (tx) => withAuditCopy(tx, ({ logFile, head }) => verifyLogFile(logFile, { head })),
      );
    });
  }

  /** Verifies the audit chain, then selects the events of `actions` with an indexed query. */
  async verifyAuditSelecting(actions: readonly string[]): Promise<VerifiedSelection> {
    const result = await this.verifyAudit();
    return { result, events: result.ok ? this.auditScan({ actions }) : (async function* () {})() };
  }

  /** Writes a verified copy of the audit log, byte for byte as a data folder exports it. */
  exportAudit(outFile: string): Promise<AuditExport> {
    return this.#run(async (sql) => {
      const target = path.resolve(outFile);
      const dir = path.dirname(target);
      if (!(await fs.stat(dir).then((stat) => stat.isDirectory(), () => false))) {
        throw new LabosError(
          "not_found",
          `Cannot export the audit log: folder ${quote(dir)} does not exist`,
        );
      }
      if ((await schemaVersion(sql)) === 0) {
        throw new LabosError(
          "invalid",
          `The PostgreSQL store at ${this.location} is not initialised: run "labos init" first`,
        );
      }
      return await begin(
        sql,
        "isolation level repeatable read read only",
        (tx) => withAuditCopy(tx, ({ auditDir }) => new AuditLog(auditDir).exportTo(target)),
      );
    });
  }

  /**
   * Runs `fn` in one database transaction that first locks the audit head
   * row, then commits what it scheduled all-or-nothing. A transaction that
   * failed before its commit was sent (lost connection, serialisation
   * failure) is run again, up to three times; one whose commit was sent but
   * not confirmed is looked up, never assumed.
   */
  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    return this.#slots.run(() => this.#transaction(fn));
  }

  async #transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1;; attempt++) {
      let sent: { seq: number; line: string } | null | undefined;
      let result: T | undefined;
      try {
        return await this.#runTransaction(fn, (value, first) => {
          result = value;
          sent = first;
        });
      } catch (error) {
        if (error instanceof LabosError) throw error;
        if (isConnectionError(error)) this.#reached = false;
        if (sent !== undefined && isConnectionError(error)) {
          // The commit may have happened: only the log can tell.
          if (sent !== null && await this.#committed(sent)) return result as T;
          if (sent === null) throw storeError(error, this.location);
        }
        const retry = isConnectionError(error) || isSerializationFailure(error);
        if (!retry || attempt >= ATTEMPTS || this.#closed) throw storeError(error, this.location);
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt * attempt));
      }
    }
  }

  async #runTransaction<T>(
    fn: (tx: StorageTransaction) => Promise<T>,
    committing: (result: T, first: { seq: number; line: string } | null) => void,
  ): Promise<T> {
    await this.#reach();
    return await begin(this.#sql, "", async (sql) => {
      // The row lock on the head serialises writers: taken first, held to the commit.
      // Both statements go in one round trip; the timeout bounds the wait for the lock.
      const [, head] = await Promise.all([
        sql`SELECT set_config('lock_timeout', ${`${this.#lockTimeoutMs}ms`}, true)`,
        lockHead(sql),
      ]).catch((error) => {
        if (sqlState(error) === "42P01") return [undefined, undefined];
        throw error;
      });
      if (!head) {
        throw new LabosError(
          "invalid",
          `The PostgreSQL store at ${this.location} is not initialised: run "labos init" first`,
        );
      }
      const tx = new PostgresTransaction(sql, this);
      const result = await fn(tx);
      const first = await tx.commit(sql, head);
      committing(result, first);
      return result;
    });
  }

  /** Whether the event a transaction appended first is in the log (its commit happened). */
  async #committed(first: { seq: number; line: string }): Promise<boolean> {
    const rows = await this.#run((sql) =>
      sql`SELECT line FROM labos_audit WHERE seq = ${first.seq}`
    );
    return rows.length === 1 && rows[0].line === first.line;
  }

  /** Reads one committed record inside a transaction. */
  getIn<K extends RecordType>(sql: Sql, type: K, id: string): Promise<RecordOf[K]> {
    return this.#get(sql, type, id);
  }

  /** The clock of audit events. */
  now(): Date {
    return this.#now();
  }

  /** Every record, unvalidated. */
  rawRecords(): Promise<RawRecords> {
    return this.#run(async (sql) => {
      const records = Object.fromEntries(
        RECORD_TYPES.map((type) => [type, new Map()]),
      ) as RawRecords;
      for await (
        const rows of sql`SELECT type, id, body, table_values FROM labos_record ORDER BY type, seq`
          .cursor(256)
      ) {
        for (const row of rows) {
          const map = (records as Record<string, Map<string, unknown>>)[row.type];
          if (!map) {
            throw new LabosError(
              "invalid",
              `Cannot migrate: ${this.location} holds records of an unknown type ${
                quote(row.type)
              }`,
            );
          }
          map.set(row.id, rawRecord(row.body, row.table_values));
        }
      }
      return records;
    });
  }

  /** Copies the manifest, records and audit lines into `labos_backup` under `stamp`. */
  backup(stamp: string): Promise<string> {
    return this.#run((sql) =>
      begin(sql, "", async (tx) => {
        await tx`INSERT INTO labos_backup (stamp, kind, name, content)
          SELECT ${stamp}, 'manifest', 'labos.json', manifest FROM labos_meta
          WHERE id = 1 AND manifest IS NOT NULL`;
        await tx`INSERT INTO labos_backup (stamp, kind, name, content)
          SELECT ${stamp}, 'record', type || '/' || id, body::text FROM labos_record`;
        await tx`INSERT INTO labos_backup (stamp, kind, name, content)
          SELECT ${stamp}, 'values', type || '/' || id, table_values::text FROM labos_record
          WHERE table_values IS NOT NULL`;
        await tx`INSERT INTO labos_backup (stamp, kind, name, content)
          SELECT ${stamp}, 'audit', lpad(seq::text, 20, '0'), line FROM labos_audit`;
        return `labos_backup/${stamp}`;
      })
    );
  }

  /** Always false: creation order is a column, never a separate listing. */
  needsReindex(_type: RecordType): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** The SHA-256 of a stored legacy file (`legacy/<name>` in an archive), or undefined. */
  attachmentHash(name: string): Promise<string | undefined> {
    return this.#run(async (sql) => {
      const [row] = await sql`SELECT sha256 FROM labos_legacy_file WHERE name = ${name}`;
      return row?.sha256 as string | undefined;
    });
  }

  /** Copies a file in as a legacy file, byte for byte. */
  async attach(name: string, sourceFile: string): Promise<void> {
    const data = await fs.readFile(sourceFile);
    const sha256 = createHash("sha256").update(data).digest("hex");
    await this.#run((sql) =>
      sql`INSERT INTO labos_legacy_file (name, sha256, size, data)
        VALUES (${name}, ${sha256}, ${data.byteLength}, ${data})
        ON CONFLICT (name) DO UPDATE
        SET sha256 = EXCLUDED.sha256, size = EXCLUDED.size, data = EXCLUDED.data`
    );
  }

  /**
   * Stores bytes content-addressed, outside any transaction; idempotent.
   * `maxBytes` aborts with `invalid` and stores nothing. The bytes are
   * gathered in memory, then written in one statement.
   */
  async putBlob(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options: PutBlobOptions = {},
  ): Promise<BlobInfo> {
    const meter = new BlobMeter(options.maxBytes);
    const chunks: Uint8Array[] = [];
    for await (const chunk of meter.pass(source)) chunks.push(chunk);
    const { sha256, size } = meter.info();
    const data = Buffer.concat(chunks);
    await this.#run((sql) =>
      sql`INSERT INTO labos_blob (sha256, size, data) VALUES (${sha256}, ${size}, ${data})
        ON CONFLICT (sha256) DO NOTHING`
    );
    return { sha256, size };
  }

  /** The blob's bytes in 4 MiB chunks; `not_found` when absent, `invalid` for a malformed hash. */
  async *readBlob(sha256: string): AsyncIterable<Uint8Array> {
    const size = await this.blobSize(sha256);
    if (size === undefined) throw missingBlob(sha256);
    const chunk = 4 << 20;
    for (let offset = 0; offset < size; offset += chunk) {
      const [row] = await this.#run((sql) =>
        sql`SELECT substring(data FROM ${offset + 1} FOR ${chunk}) AS part
          FROM labos_blob WHERE sha256 = ${sha256}`
      );
      if (!row) throw missingBlob(sha256);
      yield new Uint8Array(row.part);
    }
  }

  /** The blob's size, or undefined when absent; `invalid` for a malformed hash. */
  blobSize(sha256: string): Promise<number | undefined> {
    checkBlobHash(sha256);
    return this.#run(async (sql) => {
      const rows = await sql`SELECT size FROM labos_blob WHERE sha256 = ${sha256}`.catch(
        (error) => {
          if (sqlState(error) === "42P01") return [];
          throw error;
        },
      );
      return rows[0] ? Number(rows[0].size) : undefined;
    });
  }

  /** Every stored blob's hash. */
  async *listBlobs(): AsyncIterable<string> {
    const rows = await this.#run((sql) =>
      sql`SELECT sha256 FROM labos_blob ORDER BY sha256`.catch((error) => {
        if (sqlState(error) === "42P01") return [];
        throw error;
      })
    );
    for (const row of rows) yield row.sha256 as string;
  }

  /**
   * The store's own checks: every record against its schema, orphan blobs
   * (named by no attachment; repair moves them to `labos_blob_quarantine`
   * and audits it, never deletes them) and the audit chain. A PostgreSQL
   * store has no temporary files, journals or id listings to fix.
   */
  check(options: { repair: boolean; actor: string; auth?: string }): Promise<StorageCheck> {
    return checkStore({
      location: this.location,
      pool: () => this.#sql,
      now: () => this.#now(),
      run: (fn) => this.#run(fn),
      decode: (type, id, row) => this.#decode(type, id, row, false),
      verifyAudit: () => this.verifyAudit(),
    }, options);
  }

  /** Runs `fn` on the store presented as the files of a data folder, from one consistent read. */
  snapshot<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    return this.#run((sql) => snapshotOf(sql, { location: this.location, fn }));
  }

  /**
   * Restores an archive's files into this empty database: they are staged
   * as a data folder, checked by `fill`, then copied in one transaction.
   */
  restore<T>(fill: (sink: RestoreSink) => Promise<T>, options: { context: string }): Promise<T> {
    return this.#run((sql) =>
      restoreInto(sql, { location: this.location, context: options.context, fill })
    );
  }
}

/** Refuses (`invalid`) anything but a lowercase hex SHA-256, as the folder store does. */
function checkBlobHash(sha256: string): void {
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) {
    throw new LabosError(
      "invalid",
      `Invalid blob hash ${quote(sha256)}: expected 64 lowercase hex digits`,
    );
  }
}

function missingBlob(sha256: string): LabosError {
  return new LabosError("not_found", `No stored file with SHA-256 ${quote(sha256)}`);
}

function checkType(type: RecordType): void {
  if (!(RECORD_TYPES as readonly string[]).includes(type)) {
    throw new LabosError("invalid", `Unknown record type ${quote(type)}`);
  }
}

/** The audit filter's fields, checked as the folder's log checks them. */
function checkFilter(
  filter: AuditFilter,
): { actor?: string; action?: string; targetType?: string; targetId?: string; since?: string } {
  const out: Record<string, string> = {};
  for (const key of ["actor", "action", "targetType", "targetId"] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    if (typeof value !== "string") {
      throw new LabosError(
        "invalid",
        `Cannot list the audit log: "${key}" must be a string, got ${quote(value)}`,
        { issues: [{ path: key, message: "Must be a string" }] },
      );
    }
    out[key] = value;
  }
  if (filter.since !== undefined) {
    const ms = typeof filter.since === "string" ? Date.parse(filter.since) : NaN;
    const date = new Date(ms);
    if (Number.isNaN(ms) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) {
      throw new LabosError(
        "invalid",
        `Cannot list the audit log: "since" must be an ISO 8601 time, got ${quote(filter.since)}`,
        { issues: [{ path: "since", message: "Must be an ISO 8601 time" }] },
      );
    }
    out.since = date.toISOString();
  }
  return out;
}

/** The URL without its password (also a `password` query parameter). */
function redact(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LabosError(
      "invalid",
      `Invalid PostgreSQL URL ${quote(url.replace(/:[^:@/]*@/, ":***@"))}`,
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new LabosError(
      "invalid",
      `Invalid PostgreSQL URL ${
        quote(`${parsed.protocol}//${parsed.host}`)
      }: expected "postgres://" or "postgresql://"`,
    );
  }
  parsed.password = "";
  parsed.searchParams.delete("password");
  return parsed.toString();
}

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
