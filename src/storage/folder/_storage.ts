import * as fs from "node:fs/promises";
import * as path from "node:path";
import type {
  AuditEvent,
  AuditEventInput,
  AuditExport,
  AuditFilter,
  AuditHead,
  AuditLog,
  ScanOptions,
  VerifiedSelection,
  VerifyResult,
} from "../../audit/mod.ts";
import { ensureDirectory, readNoFollow, refuseLinks, withLock } from "../../durable/mod.ts";
import { copyFile, copyFiles, sha256File, walkFiles } from "../../durable/files.ts";
import { excerpt, LabosError, quote } from "../../errors.ts";
import {
  isId,
  RECORD_FOLDERS,
  RECORD_TYPES,
  type RecordOf,
  type RecordType,
  type SummaryOf,
} from "../../records/mod.ts";
import { VERSION } from "../../version.ts";
import { checkPage } from "../_paging.ts";
import {
  type BlobInfo,
  DATA_FORMAT,
  DATA_SCHEMA_VERSION,
  type DataManifest,
  type LabStorage,
  type Page,
  type PutBlobOptions,
  type RawRecord,
  type RawRecords,
  type RecordQuery,
  type RestoreSink,
  type Snapshot,
  type StorageCheck,
  type StorageTransaction,
} from "../types.ts";
import { BlobStore } from "./_blobs.ts";
import { checkFolder } from "./_check.ts";
import {
  ATTACHMENT_FOLDER,
  exists,
  type FolderParts,
  isStateEntry,
  OWN_ENTRIES,
  valuesOwner,
} from "./_layout.ts";
import { INDEX_FOLDER, RecordStore } from "./_records.ts";
import { restoreFolder, snapshotFolder } from "./_snapshot.ts";
import { FolderTransaction, MANIFEST_FILE, recoverJournal } from "./_transaction.ts";

const TYPES = RECORD_TYPES;

/** Options for {@linkcode FolderStorage}. */
export interface FolderStorageOptions {
  /** The clock of audit events, for tests. Default: `() => new Date()`. */
  now?: () => Date;
}

/**
 * A data folder as a {@linkcode LabStorage}. Nothing is read or written
 * until a method is called.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FolderStorage } from "./_storage.ts";
 * const storage = new FolderStorage(await Deno.makeTempDir());
 * assert.deepEqual(await storage.manifest(), undefined);
 * ```
 */
export class FolderStorage implements LabStorage {
  /** The data folder, absolute. */
  readonly location: string;
  /** The manifest file, `labos.json`. */
  readonly manifestLocation: string;
  readonly #store: RecordStore;
  readonly #blobs: BlobStore;
  readonly #now?: () => Date;
  #audit: Promise<AuditLog> | undefined;

  /** Opens a data folder. */
  constructor(dataDir: string, options: FolderStorageOptions = {}) {
    this.location = path.resolve(dataDir);
    this.manifestLocation = path.join(this.location, MANIFEST_FILE);
    this.#store = new RecordStore(this.location);
    this.#blobs = new BlobStore(this.location);
    this.#now = options.now;
  }

  // The audit log, loaded on first use: reading records needs none of it.
  #log(): Promise<AuditLog> {
    return this.#audit ??= import("../../audit/mod.ts").then(({ AuditLog }) =>
      new AuditLog(path.join(this.location, "audit"), { now: this.#now, root: this.location })
    );
  }

  /** The checked manifest, or undefined when the folder is not initialised. */
  async manifest(): Promise<DataManifest | undefined> {
    const manifest = await this.rawManifest() as Partial<DataManifest> | undefined;
    if (manifest === undefined) return undefined;
    const file = path.join(this.location, MANIFEST_FILE);
    if (manifest?.format !== DATA_FORMAT) {
      throw new LabosError(
        "invalid",
        `Cannot use ${quote(this.location)}: ${file} is not a LabOS manifest ("format" is ${
          excerpt(manifest?.format)
        }, expected "${DATA_FORMAT}")`,
      );
    }
    if (manifest.schemaVersion !== DATA_SCHEMA_VERSION) {
      const newer = typeof manifest.schemaVersion === "number" &&
        manifest.schemaVersion > DATA_SCHEMA_VERSION;
      throw new LabosError(
        "invalid",
        `Cannot use ${quote(this.location)}: "schemaVersion" is ${
          excerpt(manifest.schemaVersion)
        }, ${
          newer
            ? `newer than this LabOS ${VERSION} supports (${DATA_SCHEMA_VERSION}); upgrade LabOS`
            : `expected ${DATA_SCHEMA_VERSION}; run "labos migrate" to upgrade it`
        }`,
      );
    }
    return manifest as DataManifest;
  }

  /** The manifest as stored, or undefined when there is none. */
  async rawManifest(): Promise<Record<string, unknown> | undefined> {
    const file = path.join(this.location, MANIFEST_FILE);
    let text: string;
    try {
      text = await readNoFollow(file, { root: this.location });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new LabosError("invalid", `Cannot read ${file}: not valid JSON`);
    }
  }

  /** Creates the layout, the first audit event and, last, the manifest. */
  async initialize(
    manifest: DataManifest,
    event: AuditEventInput,
    options: { force?: boolean } = {},
  ): Promise<{ created: boolean; manifest: DataManifest }> {
    const existing = await this.manifest();
    if (existing) return { created: false, manifest: existing };
    if (!options.force) await this.#refuseForeign();
    await ensureDirectory(this.location);
    return await withLock(this.location, async () => {
      const again = await this.manifest();
      if (again) return { created: false, manifest: again };
      for (const folder of [...Object.values(RECORD_FOLDERS), "audit", INDEX_FOLDER]) {
        await ensureDirectory(path.join(this.location, folder));
      }
      const tx = new FolderTransaction(this.#store);
      tx.audit(event);
      // The manifest is written last: its presence means the layout is complete.
      tx.setManifest(manifest as unknown as Record<string, unknown>);
      await tx.commit(await this.#log());
      return { created: true, manifest };
    });
  }

  /** Refuses a folder that holds files LabOS did not write (a home folder, `/`). */
  async #refuseForeign(): Promise<void> {
    const entries = await fs.readdir(this.location).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [] as string[];
      if (error.code === "ENOTDIR") {
        throw new LabosError(
          "invalid",
          `Cannot initialise ${quote(this.location)}: it is a file, not a folder`,
        );
      }
      throw error;
    });
    const foreign = entries.filter((name) => !OWN_ENTRIES.has(name) && !isStateEntry(name)).sort();
    if (foreign.length === 0) return;
    throw new LabosError(
      "invalid",
      `Cannot initialise ${
        quote(this.location)
      }: the folder is not empty and not a LabOS data folder (it holds ${quote(foreign[0])}${
        foreign.length > 1 ? ` and ${foreign.length - 1} more` : ""
      }); choose a new or empty folder, or pass --force`,
    );
  }

  /** Reads and validates one record. */
  get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    return this.#store.get(type, id);
  }

  /** One page of records, newest first. */
  list<K extends RecordType>(
    type: K,
    query: RecordQuery<RecordOf[K]> = {},
  ): Promise<Page<RecordOf[K]>> {
    return this.#store.list(type, query);
  }

  /** Reads one record's summary: a dataset without its values file read. */
  getSummary<K extends RecordType>(type: K, id: string): Promise<SummaryOf[K]> {
    return this.#store.summary(type, id);
  }

  /** One page of summaries, newest first: datasets without their values files read. */
  listSummaries<K extends RecordType>(
    type: K,
    query: RecordQuery<SummaryOf[K]> = {},
  ): Promise<Page<SummaryOf[K]>> {
    return this.#store.list(type, {
      ...query,
      where: query.where as ((record: RecordOf[K]) => boolean) | undefined,
      summary: true,
    }) as unknown as Promise<Page<SummaryOf[K]>>;
  }

  /** How many records of a type exist. */
  count(type: RecordType): Promise<number> {
    return this.#store.count(type);
  }

  /** The path of a record's file. */
  locate(type: RecordType, id: string): string {
    return this.#store.pathOf(type, id);
  }

  /** The audit head. */
  async auditHead(): Promise<AuditHead> {
    return await (await this.#log()).head();
  }

  /** Audit events, newest first. */
  async auditList(filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    checkPage(filter, { max: 1000 });
    const { events, hasMore } = await (await this.#log()).list(filter);
    return { items: events, hasMore };
  }

  /** Every audit event, oldest first. */
  async *auditScan(options: ScanOptions = {}): AsyncIterable<AuditEvent> {
    yield* (await this.#log()).scan(options);
  }

  /** Verifies the audit chain. */
  async verifyAudit(): Promise<VerifyResult> {
    return await (await this.#log()).verify();
  }

  /** Verifies the audit chain and selects the events of `actions` in the same pass. */
  async verifyAuditSelecting(actions: readonly string[]): Promise<VerifiedSelection> {
    return await (await this.#log()).verifySelecting(actions);
  }

  /** Writes a verifiable copy of the audit log. */
  async exportAudit(outFile: string): Promise<AuditExport> {
    return await (await this.#log()).exportTo(path.resolve(outFile));
  }

  /** Runs `fn` under the lock, after replaying any interrupted transaction, and commits. */
  async transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    return await withLock(this.location, async () => {
      await recoverJournal(this.#store, await this.#log());
      const tx = new FolderTransaction(this.#store);
      const result = await fn(tx);
      await tx.commit(await this.#log());
      return result;
    });
  }

  /** Every record file, parsed but not validated. */
  async rawRecords(): Promise<RawRecords> {
    const records: RawRecords = {
      experiment: new Map(),
      dataset: new Map(),
      job: new Map(),
      signature: new Map(),
      user: new Map(),
      session: new Map(),
      attachment: new Map(),
    };
    for (const type of TYPES) {
      const folder = path.join(this.location, RECORD_FOLDERS[type]);
      await refuseLinks(folder, { root: this.location });
      const { files, skipped } = await walkFiles(folder, {
        exclude: (relative, isDirectory) => isDirectory || relative.startsWith("."),
      });
      if (skipped.length > 0) {
        throw new LabosError(
          "invalid",
          `Cannot migrate: ${
            path.join(folder, skipped[0])
          } is not a regular file; run "labos doctor"`,
        );
      }
      const valuesFiles = new Map<string, string>();
      for (const file of files) {
        const owner = valuesOwner(type, file.relative);
        if (owner) valuesFiles.set(owner, file.absolute);
      }
      for (const file of files) {
        if (valuesOwner(type, file.relative)) continue;
        const id = file.relative.endsWith(".json") ? file.relative.slice(0, -5) : "";
        if (!isId(id, type)) {
          throw new LabosError(
            "invalid",
            `Cannot migrate: unexpected file ${file.absolute} (expected "<${type} id>.json"); move it aside first`,
          );
        }
        let value: unknown;
        try {
          value = JSON.parse(await readNoFollow(file.absolute, { root: this.location }));
        } catch (error) {
          if (error instanceof LabosError) throw error;
          throw new LabosError(
            "invalid",
            `Cannot migrate: ${file.absolute} is not valid JSON (${
              excerpt((error as Error).message)
            })`,
          );
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          throw new LabosError("invalid", `Cannot migrate: ${file.absolute} is not a JSON object`);
        }
        if ((value as RawRecord).id !== id) {
          throw new LabosError(
            "invalid",
            `Cannot migrate: ${file.absolute} has "id" ${excerpt((value as RawRecord).id)}`,
          );
        }
        const valuesFile = valuesFiles.get(id);
        const table = (value as RawRecord).table as RawRecord | undefined;
        if (valuesFile && table && typeof table === "object") {
          try {
            table.values = JSON.parse(await fs.readFile(valuesFile, "utf8"));
          } catch (error) {
            throw new LabosError(
              "invalid",
              `Cannot migrate: ${valuesFile} is not valid JSON (${(error as Error).message})`,
            );
          }
        }
        valuesFiles.delete(id);
        records[type].set(id, value as RawRecord);
      }
      const orphan = [...valuesFiles.values()][0];
      if (orphan !== undefined) {
        throw new LabosError(
          "invalid",
          `Cannot migrate: unexpected file ${orphan} (the values of a dataset that does not exist); move it aside first`,
        );
      }
    }
    return records;
  }

  /** Copies the manifest, records, indexes and audit log to `backups/<stamp>/`. */
  async backup(stamp: string): Promise<string> {
    const relative = `backups/${stamp}`;
    const target = path.join(this.location, relative);
    const keep = new Set(["labos.json", ...Object.values(RECORD_FOLDERS), "audit", "indexes"]);
    const { files } = await walkFiles(this.location, {
      exclude: (name) => !keep.has(name.split("/")[0]) || path.basename(name).startsWith("."),
    });
    await copyFiles(this.location, target, files.map((file) => file.relative));
    return relative;
  }

  /** Whether the type's id index is missing. */
  async needsReindex(type: RecordType): Promise<boolean> {
    return !(await exists(this.#store.indexPathOf(type)));
  }

  /** The SHA-256 of an attachment under `legacy/`, or undefined. */
  async attachmentHash(name: string): Promise<string | undefined> {
    const file = path.join(this.location, ATTACHMENT_FOLDER, name);
    await refuseLinks(file, { root: this.location });
    return await sha256File(file).catch(() => undefined);
  }

  /** Copies a file under `legacy/`. */
  async attach(name: string, sourceFile: string): Promise<void> {
    const target = path.join(this.location, ATTACHMENT_FOLDER, name);
    await refuseLinks(target, { root: this.location });
    await copyFile(sourceFile, target);
  }

  /** Streams bytes into `blobs/sha256/<2 hex>/<hash>`, atomically; no lock needed. */
  putBlob(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options: PutBlobOptions = {},
  ): Promise<BlobInfo> {
    return this.#blobs.put(source, options);
  }

  /** A blob's bytes in chunks; `not_found` when absent. */
  readBlob(sha256: string): AsyncIterable<Uint8Array> {
    return this.#blobs.read(sha256);
  }

  /** A blob's size, or undefined when absent. */
  blobSize(sha256: string): Promise<number | undefined> {
    return this.#blobs.size(sha256);
  }

  /** Every blob's hash, sorted. */
  listBlobs(): AsyncIterable<string> {
    return this.#blobs.list();
  }

  /** The folder's own checks; with `repair`, under the lock. */
  async check(options: { repair: boolean; actor: string; auth?: string }): Promise<StorageCheck> {
    const parts = await this.#parts();
    if (!options.repair) return await checkFolder(parts, options);
    return await withLock(this.location, () => checkFolder(parts, options));
  }

  async #parts(): Promise<FolderParts> {
    const audit = await this.#log();
    return { location: this.location, store: this.#store, audit, blobs: this.#blobs };
  }

  /**
   * Runs `fn` on every file of the folder, hashed, under the lock. A
   * read-only folder, where no lock can be written, cannot change either:
   * it is read without one, unless an interrupted write left a journal.
   */
  async snapshot<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    const parts = await this.#parts();
    return await snapshotFolder({ ...parts, rawManifest: () => this.rawManifest() }, fn);
  }

  /** Restores into this (empty or missing) folder through a staging sibling folder. */
  restore<T>(
    fill: (sink: RestoreSink) => Promise<T>,
    options: { context: string },
  ): Promise<T> {
    return restoreFolder(fill, {
      target: this.location,
      context: options.context,
      open: (dir) => new FolderStorage(dir),
    });
  }

  /** Nothing to release: every operation opens and closes its own files. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
