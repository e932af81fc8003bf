import type {
  AuditEvent,
  AuditEventInput,
  AuditExport,
  AuditFilter,
  AuditHead,
  ScanOptions,
  VerifiedSelection,
  VerifyResult,
} from "../audit/mod.ts";
import type { RecordOf, RecordType, SummaryOf } from "../records/mod.ts";

/** The manifest's `format` value. */
export const DATA_FORMAT = "labos-data";
/** The data layout version written by this release. */
export const DATA_SCHEMA_VERSION = 2;

/** The manifest of a store (for the data folder, `labos.json`). */
export interface DataManifest {
  /** Always `labos-data`. */
  format: typeof DATA_FORMAT;
  /** The layout version. */
  schemaVersion: number;
  /** When the store was initialised. */
  createdAt: string;
  /** Who initialised it. */
  createdBy: string;
  /** The LabOS version that initialised it. */
  labosVersion: string;
  /** A random id of this store, also named by the audit log's first event, so a log copied from another store is detected. */
  folderId?: string;
}

/** One page of a list, newest first. */
export interface Page<T> {
  /** The items on this page. */
  items: T[];
  /** Whether more items follow. */
  hasMore: boolean;
}

/** A page request: validated once, by the storage, with {@linkcode checkPage}. */
export interface PageQuery {
  /** The page size. Default: 50. */
  limit?: number;
  /** How many matching items to skip. Default: 0. */
  offset?: number;
}

/** A page request over records, with an optional filter. */
export interface RecordQuery<T> extends PageQuery {
  /** Keeps only the records for which this returns true. */
  where?: (record: T) => boolean;
}

/** A raw (unvalidated) record, as stored, for upgrades. */
export type RawRecord = Record<string, unknown>;
/** Every raw record by type and id. */
export type RawRecords = Record<RecordType, Map<string, RawRecord>>;

/**
 * The writes of one transaction: records and audit events, committed
 * together or not at all. Reads see the committed state.
 */
export interface StorageTransaction {
  /** Reads one committed record; a missing one is `not_found`. */
  get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]>;
  /** Schedules a new record. */
  create<K extends RecordType>(type: K, record: RecordOf[K]): void;
  /** Schedules the rewrite of an existing record. */
  put<K extends RecordType>(type: K, record: RecordOf[K]): void;
  /** Schedules an audit event, appended after the records. */
  audit(event: AuditEventInput): void;
  /** Replaces the manifest once the records and events are committed. */
  setManifest(manifest: Record<string, unknown>): void;
}

/** A file of a snapshot (see {@linkcode LabStorage.snapshot}). */
export interface SnapshotFile {
  /** Its path inside the store, with `/` separators. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of its bytes. */
  sha256: string;
  /** Its bytes, in chunks; throws `conflict` if they no longer match `size` and `sha256`. */
  read(): AsyncIterable<Uint8Array>;
  /** Where it lives, for messages. */
  location: string;
}

/** A consistent copy of the whole store, taken under the writer lock. */
export interface Snapshot {
  /** Every file, sorted by path. */
  files: SnapshotFile[];
  /** Paths that are not regular files and were left out. */
  skipped: string[];
  /** The raw manifest. */
  manifest: Record<string, unknown>;
  /** The audit chain check at snapshot time. */
  audit: VerifyResult;
}

/** Where a restore writes (see {@linkcode LabStorage.restore}). */
export interface RestoreSink {
  /** Starts a file; `path` is relative with `/` separators. */
  create(
    path: string,
  ): Promise<{ write(chunk: Uint8Array): Promise<void>; close(): Promise<void> }>;
  /** Whether the restored files hold a manifest, and whether their audit chain verifies. */
  verify(): Promise<{ manifest: boolean; audit: VerifyResult }>;
  /** The storage's own read-only checks of the restored files, with their readable records. */
  check(): Promise<StorageCheck>;
  /** The restored audit events, oldest first. */
  auditScan(): AsyncIterable<AuditEvent>;
}

/** A stored file's content address and size. */
export interface BlobInfo {
  /** Lowercase hex SHA-256 of the bytes. */
  sha256: string;
  /** The size in bytes. */
  size: number;
}

/** Options for {@linkcode LabStorage.putBlob}. */
export interface PutBlobOptions {
  /** The largest blob accepted, in bytes: a larger one is refused (`invalid`) and nothing is stored. */
  maxBytes?: number;
}

/** One finding of the storage's own checks, for `labos doctor`. */
export interface StorageProblem {
  /** What kind of problem it is. */
  kind:
    | "corrupt-record"
    | "stray-file"
    | "pending-journal"
    | "damaged-journal"
    | "index-mismatch"
    | "audit-damaged"
    | "symbolic-link"
    | "orphan-blob";
  /** Where, when known. */
  path?: string;
  /** One line describing it. */
  message: string;
  /** True when the repair fixed it. */
  repaired: boolean;
}

/** What {@linkcode LabStorage.check} found: problems and every readable record. */
export interface StorageCheck {
  /** The problems found, repaired or not. */
  problems: StorageProblem[];
  /** Every readable record by type and id. */
  records: { [K in RecordType]: Map<string, RecordOf[K]> };
  /** Whether a record exists at all, readable or not. */
  exists(type: RecordType, id: string): Promise<boolean>;
  /** The audit chain check after the repairs. */
  audit: VerifyResult;
  /** Where the audit log is, for messages. */
  auditLocation: string;
}

/**
 * The storage under LabOS: records by type and id with newest-first pages,
 * the audit log with compare-and-append, all-or-nothing transactions under
 * the writer lock, and the manifest. The data folder
 * (`storage/folder`) is the embedded default; another store (e.g.
 * PostgreSQL) implements the same interface. Records and events are plain
 * values: the storage knows no business rule.
 */
export interface LabStorage {
  /** Where the store is, for messages and reports (the data folder's path). */
  readonly location: string;
  /** Where the manifest is, for messages. */
  readonly manifestLocation: string;

  /** The checked manifest, or undefined when the store is not initialised. */
  manifest(): Promise<DataManifest | undefined>;
  /** The manifest as stored, without the version check, or undefined. */
  rawManifest(): Promise<Record<string, unknown> | undefined>;
  /**
   * Creates the store with its manifest and first audit event, under the
   * lock; returns the existing manifest and `created: false` when it exists.
   * Refuses (`invalid`) a non-empty store that is not a LabOS store unless
   * `force`.
   */
  initialize(
    manifest: DataManifest,
    event: AuditEventInput,
    options?: { force?: boolean },
  ): Promise<{ created: boolean; manifest: DataManifest }>;

  /** Reads one record; a missing one is `not_found`, a corrupt one `invalid`. */
  get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]>;
  /** One page of records, newest first; the page is checked with {@linkcode checkPage}. */
  list<K extends RecordType>(type: K, query?: RecordQuery<RecordOf[K]>): Promise<Page<RecordOf[K]>>;
  /** Reads one record's summary (see {@linkcode LabStorage.listSummaries}); errors as `get`. */
  getSummary<K extends RecordType>(type: K, id: string): Promise<SummaryOf[K]>;
  /**
   * One page of record summaries, newest first: a dataset without its
   * table's values, which are not read at all (a list costs the same for
   * a 10-row and a 10-million-row table). Experiments and jobs are whole.
   */
  listSummaries<K extends RecordType>(
    type: K,
    query?: RecordQuery<SummaryOf[K]>,
  ): Promise<Page<SummaryOf[K]>>;
  /** How many records of a type exist. */
  count(type: RecordType): Promise<number>;
  /** Where a record lives, for messages. Throws `invalid` on a malformed id. */
  locate(type: RecordType, id: string): string;

  /** The audit head. */
  auditHead(): Promise<AuditHead>;
  /** Audit events, newest first; the page is checked with {@linkcode checkPage} (at most 1000). */
  auditList(filter?: AuditFilter): Promise<Page<AuditEvent>>;
  /** Every audit event, oldest first; with `actions`, only the events of those actions. */
  auditScan(options?: ScanOptions): AsyncIterable<AuditEvent>;
  /** Verifies the audit chain. */
  verifyAudit(): Promise<VerifyResult>;
  /** Verifies the audit chain and selects the events of `actions`, in one pass where the store can. */
  verifyAuditSelecting(actions: readonly string[]): Promise<VerifiedSelection>;
  /** Writes a verifiable copy of the audit log to a file. */
  exportAudit(outFile: string): Promise<AuditExport>;

  /**
   * Runs `fn` under the writer lock, after replaying any interrupted
   * transaction, and commits what it scheduled all-or-nothing: the audit
   * events are appended only if the log's head is still the one the
   * transaction started from (compare-and-append).
   */
  transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T>;

  /** Every record, unvalidated, for upgrades. */
  rawRecords(): Promise<RawRecords>;
  /** Backs up the store before an upgrade; returns where, relative to the store. */
  backup(stamp: string): Promise<string>;
  /** Whether new records of `type` must be re-listed by `create` (its id listing is missing). */
  needsReindex(type: RecordType): Promise<boolean>;

  /** Reads an attachment (e.g. a copied legacy file)'s SHA-256, or undefined when absent. */
  attachmentHash(name: string): Promise<string | undefined>;
  /** Copies a file in as an attachment, byte for byte. */
  attach(name: string, sourceFile: string): Promise<void>;

  /**
   * Stores bytes content-addressed (lowercase hex SHA-256), outside any
   * transaction: idempotent; an unreferenced blob is harmless (doctor reports
   * it as "orphan-blob", and a repair moves it aside, never deletes it).
   * `maxBytes` aborts with `invalid` (message names the limit) and stores nothing.
   */
  putBlob(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options?: PutBlobOptions,
  ): Promise<BlobInfo>;
  /** The blob's bytes in chunks; `not_found` when absent. Verifies the hash while reading is NOT required. */
  readBlob(sha256: string): AsyncIterable<Uint8Array>;
  /** The blob's size, or undefined when absent. */
  blobSize(sha256: string): Promise<number | undefined>;
  /** Every stored blob's hash (for doctor and exports). */
  listBlobs(): AsyncIterable<string>;

  /**
   * The storage's own checks (leftover temporary files, unexpected files,
   * the id listings, an interrupted transaction, a torn audit tail), with
   * the readable records; `repair` fixes what is safe and records it as
   * `actor`, with `auth` (how the actor was established) as `details.auth`.
   */
  check(options: { repair: boolean; actor: string; auth?: string }): Promise<StorageCheck>;

  /** Runs `fn` on a consistent snapshot of every file, under the writer lock. */
  snapshot<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T>;
  /**
   * Restores into an empty (or missing) store: `fill` writes every file
   * into a staging area, which replaces the store only if `fill` succeeds.
   * `context` starts the error messages.
   */
  restore<T>(fill: (sink: RestoreSink) => Promise<T>, options: { context: string }): Promise<T>;
  /** Upgrades the store's own tables to this release, idempotently (a database store; the data folder has none). */
  upgradeSchema?(): Promise<{ from: number; to: number }>;
  /** Releases connections/pools. Folder: no-op. Idempotent. */
  close(): Promise<void>;
}
