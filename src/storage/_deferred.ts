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
import { LabosError } from "../errors.ts";
import type { RecordOf, RecordType, SummaryOf } from "../records/mod.ts";
import type {
  BlobInfo,
  DataManifest,
  LabStorage,
  Page,
  PutBlobOptions,
  RawRecords,
  RecordQuery,
  RestoreSink,
  Snapshot,
  StorageCheck,
  StorageTransaction,
} from "./types.ts";

/**
 * A storage built on first use by `load` (for example after a dynamic
 * import of its driver), so that opening a lab stays synchronous and loads
 * nothing. Until it is built, `location` and `manifestLocation` are
 * `location`, and `close()` builds nothing; afterwards every member is the
 * built storage's. A failed load is retried by the next call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FolderStorage } from "./folder/mod.ts";
 * import { deferredStorage } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * let built = 0;
 * const storage = deferredStorage(dir, () => {
 *   built++;
 *   return Promise.resolve(new FolderStorage(dir));
 * });
 * assert.equal(storage.location, dir);
 * await storage.close();
 * assert.equal(built, 0);
 * assert.equal(await storage.manifest(), undefined);
 * assert.equal(await storage.count("experiment"), 0);
 * assert.equal(built, 1);
 * ```
 */
export function deferredStorage(location: string, load: () => Promise<LabStorage>): LabStorage {
  return new DeferredStorage(location, load);
}

/** Every member waits for the storage, then is the built storage's own. */
class DeferredStorage implements LabStorage {
  readonly #location: string;
  readonly #load: () => Promise<LabStorage>;
  #built: LabStorage | undefined;
  #loading: Promise<LabStorage> | undefined;

  constructor(location: string, load: () => Promise<LabStorage>) {
    this.#location = location;
    this.#load = load;
  }

  get location(): string {
    return this.#built?.location ?? this.#location;
  }

  get manifestLocation(): string {
    return this.#built?.manifestLocation ?? this.#location;
  }

  #storage(): Promise<LabStorage> {
    this.#loading ??= this.#load().then((value) => (this.#built = value), (error) => {
      this.#loading = undefined;
      throw error;
    });
    return this.#loading;
  }

  async manifest(): Promise<DataManifest | undefined> {
    return await (await this.#storage()).manifest();
  }
  async rawManifest(): Promise<Record<string, unknown> | undefined> {
    return await (await this.#storage()).rawManifest();
  }
  async initialize(
    manifest: DataManifest,
    event: AuditEventInput,
    options?: { force?: boolean },
  ): Promise<{ created: boolean; manifest: DataManifest }> {
    return await (await this.#storage()).initialize(manifest, event, options);
  }
  async get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    return await (await this.#storage()).get(type, id);
  }
  async list<K extends RecordType>(
    type: K,
    query?: RecordQuery<RecordOf[K]>,
  ): Promise<Page<RecordOf[K]>> {
    return await (await this.#storage()).list(type, query);
  }
  async getSummary<K extends RecordType>(type: K, id: string): Promise<SummaryOf[K]> {
    return await (await this.#storage()).getSummary(type, id);
  }
  async listSummaries<K extends RecordType>(
    type: K,
    query?: RecordQuery<SummaryOf[K]>,
  ): Promise<Page<SummaryOf[K]>> {
    return await (await this.#storage()).listSummaries(type, query);
  }
  async count(type: RecordType): Promise<number> {
    return await (await this.#storage()).count(type);
  }
  locate(type: RecordType, id: string): string {
    // Only messages use it, after a call that built the storage.
    return this.#built?.locate(type, id) ?? `${this.#location} ${type} ${id}`;
  }
  async auditHead(): Promise<AuditHead> {
    return await (await this.#storage()).auditHead();
  }
  async auditList(filter?: AuditFilter): Promise<Page<AuditEvent>> {
    return await (await this.#storage()).auditList(filter);
  }
  async *auditScan(options?: ScanOptions): AsyncIterable<AuditEvent> {
    yield* (await this.#storage()).auditScan(options);
  }
  async verifyAudit(): Promise<VerifyResult> {
    return await (await this.#storage()).verifyAudit();
  }
  async verifyAuditSelecting(actions: readonly string[]): Promise<VerifiedSelection> {
    return await (await this.#storage()).verifyAuditSelecting(actions);
  }
  async exportAudit(outFile: string): Promise<AuditExport> {
    return await (await this.#storage()).exportAudit(outFile);
  }
  async transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    return await (await this.#storage()).transaction(fn);
  }
  async rawRecords(): Promise<RawRecords> {
    return await (await this.#storage()).rawRecords();
  }
  async backup(stamp: string): Promise<string> {
    return await (await this.#storage()).backup(stamp);
  }
  async needsReindex(type: RecordType): Promise<boolean> {
    return await (await this.#storage()).needsReindex(type);
  }
  async attachmentHash(name: string): Promise<string | undefined> {
    return await (await this.#storage()).attachmentHash(name);
  }
  async attach(name: string, sourceFile: string): Promise<void> {
    return await (await this.#storage()).attach(name, sourceFile);
  }
  async putBlob(
    source: AsyncIterable<Uint8Array> | Uint8Array,
    options?: PutBlobOptions,
  ): Promise<BlobInfo> {
    return await (await this.#storage()).putBlob(source, options);
  }
  async *readBlob(sha256: string): AsyncIterable<Uint8Array> {
    yield* (await this.#storage()).readBlob(sha256);
  }
  async blobSize(sha256: string): Promise<number | undefined> {
    return await (await this.#storage()).blobSize(sha256);
  }
  async *listBlobs(): AsyncIterable<string> {
    yield* (await this.#storage()).listBlobs();
  }
  async check(options: { repair: boolean; actor: string; auth?: string }): Promise<StorageCheck> {
    return await (await this.#storage()).check(options);
  }
  async snapshot<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    return await (await this.#storage()).snapshot(fn);
  }
  async restore<T>(
    fill: (sink: RestoreSink) => Promise<T>,
    options: { context: string },
  ): Promise<T> {
    return await (await this.#storage()).restore(fill, options);
  }
  async upgradeSchema(): Promise<{ from: number; to: number }> {
    const storage = await this.#storage();
    if (storage.upgradeSchema === undefined) {
      throw new LabosError("internal", `The store at ${this.location} has no tables to upgrade`);
    }
    return await storage.upgradeSchema();
  }
  /** Closes the storage if it was built; builds nothing. */
  async close(): Promise<void> {
    if (this.#loading) await (await this.#loading.catch(() => undefined))?.close();
  }
}
