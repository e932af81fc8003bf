import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import {
  type AuditEvent,
  type AuditEventInput,
  type AuditExport,
  type AuditFilter,
  type AuditHead,
  AuditLog,
  type ScanOptions,
  type VerifiedSelection,
  type VerifyResult,
} from "../../audit/mod.ts";
import {
  ensureDirectory,
  fsyncDirectory,
  LOCK_FILE,
  readNoFollow,
  refuseLinks,
  withLock,
} from "../../durable/mod.ts";
import { copyFile, copyFiles, fileDigest, sha256File, walkFiles } from "../../durable/files.ts";
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
  type SnapshotFile,
  type StorageCheck,
  type StorageProblem,
  type StorageTransaction,
} from "../types.ts";
import { BLOB_FOLDER, BlobStore } from "./_blobs.ts";
import { INDEX_FOLDER, RecordStore, VALUES_SUFFIX } from "./_records.ts";
import {
  FolderTransaction,
  JOURNAL_FILE,
  MANIFEST_FILE,
  parseJournal,
  recoverJournal,
} from "./_transaction.ts";

/** The folder, inside the data folder, holding attachments such as copied legacy files. */
const ATTACHMENT_FOLDER = "legacy";
/** How old an upload's temporary file must be before a repair moves it aside. */
const BLOB_UPLOAD_GRACE_MS = 60 * 60 * 1000;
const TYPES = RECORD_TYPES;

/**
 * The top-level entries of a data folder that LabOS itself writes. Export
 * archives only these, and `init` refuses a folder holding anything else.
 */
const OWN_ENTRIES: ReadonlySet<string> = new Set([
  MANIFEST_FILE,
  "audit",
  ...Object.values(RECORD_FOLDERS),
  INDEX_FOLDER,
  ATTACHMENT_FOLDER,
  BLOB_FOLDER,
  "backups",
  "quarantine",
  // `labos demo` draws its plots here.
  "plots",
]);

/** Whether a top-level name is the lock, the journal or a temporary file: state, not data. */
function isStateEntry(name: string): boolean {
  return name === LOCK_FILE || name === `${LOCK_FILE}.break` || name === JOURNAL_FILE ||
    (name.startsWith(".") && name.endsWith(".tmp"));
}

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
  readonly #audit: AuditLog;
  readonly #blobs: BlobStore;

  /** Opens a data folder. */
  constructor(dataDir: string, options: FolderStorageOptions = {}) {
    this.location = path.resolve(dataDir);
    this.manifestLocation = path.join(this.location, MANIFEST_FILE);
    this.#store = new RecordStore(this.location);
    this.#blobs = new BlobStore(this.location);
    this.#audit = new AuditLog(path.join(this.location, "audit"), {
      now: options.now,
      root: this.location,
    });
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
      await tx.commit(this.#audit);
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
  auditHead(): Promise<AuditHead> {
    return this.#audit.head();
  }

  /** Audit events, newest first. */
  async auditList(filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    checkPage(filter, { max: 1000 });
    const { events, hasMore } = await this.#audit.list(filter);
    return { items: events, hasMore };
  }

  /** Every audit event, oldest first. */
  auditScan(options: ScanOptions = {}): AsyncIterable<AuditEvent> {
    return this.#audit.scan(options);
  }

  /** Verifies the audit chain. */
  verifyAudit(): Promise<VerifyResult> {
    return this.#audit.verify();
  }

  /** Verifies the audit chain and selects the events of `actions` in the same pass. */
  verifyAuditSelecting(actions: readonly string[]): Promise<VerifiedSelection> {
    return this.#audit.verifySelecting(actions);
  }

  /** Writes a verifiable copy of the audit log. */
  exportAudit(outFile: string): Promise<AuditExport> {
    return this.#audit.exportTo(path.resolve(outFile));
  }

  /** Runs `fn` under the lock, after replaying any interrupted transaction, and commits. */
  async transaction<T>(fn: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    return await withLock(this.location, async () => {
      await recoverJournal(this.#store, this.#audit);
      const tx = new FolderTransaction(this.#store);
      const result = await fn(tx);
      await tx.commit(this.#audit);
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
    if (!options.repair) return await this.#check(options);
    return await withLock(this.location, () => this.#check(options));
  }

  async #check(
    checkOptions: { repair: boolean; actor: string; auth?: string },
  ): Promise<StorageCheck> {
    const problems: StorageProblem[] = [];
    const links = await findLinks(this.location);
    for (const link of links) {
      problems.push({
        kind: "symbolic-link",
        path: link.absolute,
        message: `"${link.relative}" is a symbolic link to ${
          quote(link.target)
        }: LabOS never follows links inside the data folder; replace it with the real ${
          link.folder ? "folder" : "file"
        }${
          checkOptions.repair
            ? " (doctor --repair leaves it in place and repairs nothing until it is gone)"
            : ""
        }`,
        repaired: false,
      });
    }
    // Whether a path (relative, with "/") is or lies under a link: it is neither read nor repaired.
    const linked = (relative: string) =>
      links.some((link) => relative === link.relative || relative.startsWith(`${link.relative}/`));
    const options = { ...checkOptions, repair: checkOptions.repair && links.length === 0 };
    const { repair } = options;
    const logFile = path.join(this.location, "audit", "log.jsonl");
    // A torn tail is moved aside before a pending journal is replayed: the replay appends events.
    let torn: { moved: string; seq: number; message: string } | undefined;
    if (repair) {
      const check = await this.#audit.verify();
      if (!check.ok && check.kind === "torn") {
        const moved = await this.#audit.quarantineTornTail(
          path.join(this.location, "audit", "quarantine"),
        );
        torn = { moved, seq: check.seq, message: check.message };
      }
    }
    const journal = path.join(this.location, JOURNAL_FILE);
    if (!linked(JOURNAL_FILE) && await exists(journal)) {
      const damage = parseJournal(await readNoFollow(journal, { root: this.location }));
      if (typeof damage === "string") {
        await this.#damagedJournal(journal, damage, problems, options);
      } else {
        const repaired = repair && await recoverJournal(this.#store, this.#audit);
        problems.push({
          kind: "pending-journal",
          path: journal,
          message: "An interrupted write left a journal; it is replayed by the next write",
          repaired,
        });
      }
    }
    await this.#sweepTempFiles(problems, { ...options, linked });
    const records: StorageCheck["records"] = {
      experiment: new Map(),
      dataset: new Map(),
      job: new Map(),
      signature: new Map(),
      user: new Map(),
      session: new Map(),
      attachment: new Map(),
    };
    for (const type of TYPES) {
      if (linked(RECORD_FOLDERS[type])) continue;
      await this.#loadRecords(type, records, problems, { ...options, linked });
      const index = path.relative(this.location, this.#store.indexPathOf(type));
      if (!linked(index.split(path.sep).join("/"))) await this.#checkIndex(type, problems, options);
    }
    if (!linked(BLOB_FOLDER)) await this.#checkBlobs(records, problems, options);
    const auditLinked = linked("audit/log.jsonl") || linked("audit/head.json");
    let audit: VerifyResult = auditLinked
      ? {
        ok: false,
        events: 0,
        seq: 0,
        kind: "missing",
        message: "The audit log was not verified: it is behind a symbolic link",
      }
      : await this.#audit.verify();
    if (torn) {
      // LabOS never appends after damage: the event is recorded only if the rest verifies.
      if (audit.ok) {
        const tx = new FolderTransaction(this.#store);
        tx.audit({
          actor: options.actor,
          action: "audit.repaired",
          target: { type: "audit", id: "log" },
          reason: "labos doctor --repair: torn final line",
          details: {
            damage: "torn",
            seq: torn.seq,
            quarantine: path.relative(this.location, torn.moved),
            ...authOf(options),
          },
        });
        await tx.commit(this.#audit);
      }
      problems.push({
        kind: "audit-damaged",
        path: logFile,
        message: `${torn.message}; moved the torn bytes to ${torn.moved}`,
        repaired: true,
      });
      audit = await this.#audit.verify();
    }
    if (!audit.ok && !auditLinked) {
      problems.push({
        kind: "audit-damaged",
        path: logFile,
        message: audit.message,
        repaired: false,
      });
    }
    return {
      problems,
      records,
      audit,
      auditLocation: logFile,
      exists: (type, id) => exists(this.#store.pathOf(type, id)),
    };
  }

  /**
   * Files under `blobs/` that are not blobs, and orphan blobs (named by no
   * attachment record); repair moves them aside, never deletes them. An
   * upload writes without the lock, so its temporary file is moved only once
   * it is an hour old, and no orphan is moved while an attachment record is
   * unreadable (it may name it).
   */
  async #checkBlobs(
    records: StorageCheck["records"],
    problems: StorageProblem[],
    options: { repair: boolean; actor: string; auth?: string },
  ): Promise<void> {
    for (const relative of await this.#blobs.strays()) {
      const file = path.join(this.location, relative);
      const temp = path.basename(relative).startsWith(".") && relative.endsWith(".tmp");
      const stat = await fs.lstat(file).catch(() => undefined);
      if (!stat) continue;
      const recent = temp && Date.now() - stat.mtimeMs < BLOB_UPLOAD_GRACE_MS;
      let message = temp
        ? "Leftover temporary file of an interrupted upload"
        : `Unexpected file in ${BLOB_FOLDER}/: expected "sha256/<2 hex>/<64 hex>"`;
      const repair = options.repair && !recent;
      if (repair) {
        message += `; moved to ${await this.#quarantine(file, BLOB_FOLDER, {
          ...options,
          reason: temp
            ? "labos doctor --repair: leftover temporary file of an interrupted upload"
            : "labos doctor --repair: unexpected file in blobs/",
        })}`;
      } else if (options.repair) message += "; left in place: an upload may still be writing it";
      problems.push({ kind: "stray-file", path: file, message, repaired: repair });
    }
    const named = new Set<string>();
    for (const attachment of records.attachment.values()) named.add(attachment.sha256);
    const attachments = path.join(this.location, RECORD_FOLDERS.attachment) + path.sep;
    const unreadable = problems.some((problem) =>
      problem.kind === "corrupt-record" && problem.path?.startsWith(attachments)
    );
    for await (const sha256 of this.#blobs.list()) {
      if (named.has(sha256)) continue;
      const file = this.#blobs.pathOf(sha256);
      let message = `Orphan blob ${sha256.slice(0, 12)}…: no attachment names it`;
      const repair = options.repair && !unreadable;
      if (repair) {
        message += `; moved to ${await this.#quarantine(file, BLOB_FOLDER, {
          ...options,
          reason: "labos doctor --repair: orphan blob (no attachment names it)",
        })}`;
      } else if (options.repair) {
        message += "; left in place while an attachment record is unreadable";
      }
      problems.push({ kind: "orphan-blob", path: file, message, repaired: repair });
    }
  }

  /** A journal that cannot be replayed blocks every write: repair moves it aside. */
  async #damagedJournal(
    journal: string,
    damage: string,
    problems: StorageProblem[],
    options: { repair: boolean; actor: string },
  ): Promise<void> {
    const size = (await fs.stat(journal)).size;
    let message = `The journal of an interrupted write is damaged (${damage}, ${size} bytes)`;
    if (options.repair) {
      const moved = await this.#quarantine(journal, "data", {
        ...options,
        reason: `labos doctor --repair: damaged journal of an interrupted write (${damage})`,
      });
      message += `; moved it to ${moved}. That write is lost: its records may be partly written ` +
        `and its audit events are missing. Check the records listed here, or restore the last ` +
        `archive with "labos import-archive" into a new folder`;
    } else {
      message += `; every write is refused until "labos doctor --repair" moves it aside`;
    }
    problems.push({ kind: "damaged-journal", path: journal, message, repaired: options.repair });
  }

  async #loadRecords(
    type: RecordType,
    loaded: StorageCheck["records"],
    problems: StorageProblem[],
    options: { repair: boolean; actor: string; linked: (relative: string) => boolean },
  ): Promise<void> {
    const folder = path.join(this.location, RECORD_FOLDERS[type]);
    let names: string[];
    try {
      names = (await fs.readdir(folder)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    const present = new Set(names);
    for (const name of names) {
      if (options.linked(`${RECORD_FOLDERS[type]}/${name}`)) continue;
      const file = path.join(folder, name);
      const owner = valuesOwner(type, name);
      // A values file is read (and checked) with its record; one without a record is stray.
      if (owner && present.has(`${owner}.json`)) continue;
      const id = name.endsWith(".json") ? name.slice(0, -5) : "";
      if (!isId(id, type)) {
        const temp = name.startsWith(".") && name.endsWith(".tmp");
        let message = temp
          ? `Leftover temporary file from an interrupted write`
          : owner
          ? `Table values of a dataset that does not exist (${owner})`
          : `Unexpected file in ${RECORD_FOLDERS[type]}/: expected "<${type} id>.json"`;
        if (options.repair) {
          message += `; moved to ${await this.#quarantine(file, RECORD_FOLDERS[type], options)}`;
        }
        problems.push({ kind: "stray-file", path: file, message, repaired: options.repair });
        continue;
      }
      try {
        (loaded[type] as Map<string, unknown>).set(id, await this.#store.get(type, id));
      } catch (error) {
        if (!(error instanceof LabosError) || error.kind !== "invalid") throw error;
        problems.push({
          kind: "corrupt-record",
          path: file,
          message: error.message,
          repaired: false,
        });
      }
    }
  }

  async #checkIndex(
    type: RecordType,
    problems: StorageProblem[],
    options: { repair: boolean; actor: string },
  ): Promise<void> {
    const indexed = await this.#store.indexedIds(type);
    const onDisk = await this.#store.ids(type);
    const indexedSet = new Set(indexed);
    const unindexed = onDisk.filter((id) => !indexedSet.has(id));
    const onDiskSet = new Set(onDisk);
    const stale = indexed.filter((id) => !onDiskSet.has(id));
    const duplicates = indexed.length - indexedSet.size;
    if (unindexed.length === 0 && stale.length === 0 && duplicates === 0) return;
    const file = this.#store.indexPathOf(type);
    let message =
      `The ${type} index lists ${indexed.length} ids for ${onDisk.length} files (${unindexed.length} missing, ${stale.length} stale, ${duplicates} duplicated)`;
    if (options.repair) {
      let moved: string | null = null;
      try {
        moved = await this.#quarantine(file, "indexes", options);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      await ensureDirectory(path.dirname(file));
      await this.#store.addToIndex(type, onDisk);
      message += `; rebuilt it from the folder${moved ? `, old index moved to ${moved}` : ""}`;
    }
    problems.push({ kind: "index-mismatch", path: file, message, repaired: options.repair });
  }

  /** Temporary files left by interrupted atomic writes outside the record folders. */
  async #sweepTempFiles(
    problems: StorageProblem[],
    options: { repair: boolean; actor: string; linked: (relative: string) => boolean },
  ): Promise<void> {
    for (const folder of [".", "audit", "indexes"]) {
      if (folder !== "." && options.linked(folder)) continue;
      let names: string[];
      try {
        names = (await fs.readdir(path.join(this.location, folder))).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (!(name.startsWith(".") && name.endsWith(".tmp"))) continue;
        if (options.linked(folder === "." ? name : `${folder}/${name}`)) continue;
        const file = path.join(this.location, folder, name);
        let message = "Leftover temporary file from an interrupted write";
        if (options.repair) {
          const moved = await this.#quarantine(file, folder === "." ? "data" : folder, {
            ...options,
            reason: "labos doctor --repair: leftover temporary file of an interrupted write",
          });
          message += `; moved to ${moved}`;
        }
        problems.push({ kind: "stray-file", path: file, message, repaired: options.repair });
      }
    }
  }

  async #quarantine(
    file: string,
    folder: string,
    options: { actor: string; auth?: string; reason?: string },
  ): Promise<string> {
    const dir = path.join(this.location, "quarantine", folder);
    // A rename into a linked quarantine folder would move the file out of the data folder.
    await refuseLinks(dir, { root: this.location, folder: true });
    await ensureDirectory(dir);
    const target = path.join(dir, `${Date.now()}-${path.basename(file)}`);
    await fs.rename(file, target);
    const tx = new FolderTransaction(this.#store);
    tx.audit({
      actor: options.actor,
      action: "data.quarantined",
      target: { type: "file", id: path.relative(this.location, file) },
      reason: options.reason ?? "labos doctor --repair: unexpected file in a record folder",
      details: {
        from: path.relative(this.location, file),
        to: path.relative(this.location, target),
        ...authOf(options),
      },
    });
    await tx.commit(this.#audit);
    return target;
  }

  /**
   * Runs `fn` on every file of the folder, hashed, under the lock. A
   * read-only folder, where no lock can be written, cannot change either:
   * it is read without one, unless an interrupted write left a journal.
   */
  async snapshot<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    try {
      return await withLock(this.location, async () => {
        await recoverJournal(this.#store, this.#audit);
        return await this.#snapshot(fn);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (!(code === "EROFS" || code === "EACCES" || code === "EPERM")) throw error;
      // In a folder where nothing can be created, the lock was not taken and fn never ran.
      if (!(await isReadOnly(this.location))) throw error;
    }
    if (await exists(path.join(this.location, JOURNAL_FILE))) {
      throw new LabosError(
        "check_failed",
        `Cannot read ${
          quote(this.location)
        }: it is read-only and an interrupted write left ${JOURNAL_FILE}; copy the folder somewhere writable and run "labos doctor --repair" there`,
      );
    }
    return await this.#snapshot(fn);
  }

  async #snapshot<T>(fn: (snapshot: Snapshot) => Promise<T>): Promise<T> {
    const audit = await this.#audit.verify();
    const { files, skipped } = await listDataFiles(this.location);
    const listed: SnapshotFile[] = [];
    for (const file of files) {
      const { size, sha256 } = await fileDigest(file.absolute);
      listed.push({
        path: file.relative,
        size,
        sha256,
        location: file.absolute,
        read: () => readChecked(file.absolute, { size, sha256 }),
      });
    }
    const manifest = await this.rawManifest() ?? {};
    return await fn({ files: listed, skipped, manifest, audit });
  }

  /** Restores into this (empty or missing) folder through a staging sibling folder. */
  async restore<T>(
    fill: (sink: RestoreSink) => Promise<T>,
    options: { context: string },
  ): Promise<T> {
    const target = this.location;
    const { context } = options;
    const entries = await fs.readdir(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return [];
      if (error.code === "ENOTDIR") {
        throw new LabosError("conflict", `${context}: ${quote(target)} is a file, not a folder`);
      }
      throw error;
    });
    if (entries.length > 0) {
      throw new LabosError(
        "conflict",
        `${context}: the data folder ${
          quote(target)
        } is not empty; restore into a new or empty folder`,
      );
    }
    // The parent folders this restore creates are removed again if it is refused.
    const created = await missingFolders(path.dirname(target));
    await ensureDirectory(path.dirname(target));
    const staging = path.join(
      path.dirname(target),
      `.${path.basename(target)}.import-${randomBytes(6).toString("hex")}`,
    );
    await fs.mkdir(staging);
    const staged = new FolderStorage(staging);
    const sink: RestoreSink = {
      async create(relative) {
        const to = path.join(staging, relative);
        await fs.mkdir(path.dirname(to), { recursive: true });
        const handle = await fs.open(to, "wx");
        return {
          async write(chunk) {
            await handle.write(chunk);
          },
          async close() {
            await handle.sync();
            await handle.close();
          },
        };
      },
      async verify() {
        const manifest = await exists(path.join(staging, MANIFEST_FILE));
        const audit = await AuditLog.verifyFiles(
          path.join(staging, "audit", "log.jsonl"),
          path.join(staging, "audit", "head.json"),
        );
        return { manifest, audit };
      },
      check: () => staged.check({ repair: false, actor: "" }),
      auditScan: () => staged.auditScan(),
    };
    try {
      const result = await fill(sink);
      for (const dir of await allFolders(staging)) await fsyncDirectory(dir);
      await fs.rename(staging, target).catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOTEMPTY" || error.code === "EEXIST") {
          throw new LabosError("conflict", `${context}: ${quote(target)} was filled meanwhile`);
        }
        throw error;
      });
      await fsyncDirectory(path.dirname(target));
      return result;
    } catch (error) {
      await fs.rm(staging, { recursive: true, force: true });
      // Deepest first; a folder something else filled meanwhile stays.
      for (const dir of created.reverse()) {
        if (!(await fs.rmdir(dir).then(() => true, () => false))) break;
      }
      throw error;
    }
  }

  /** Nothing to release: every operation opens and closes its own files. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A symbolic link inside the data folder, found by {@linkcode findLinks}. */
interface FoundLink {
  relative: string;
  absolute: string;
  target: string;
  /** Whether it points to a folder. */
  folder: boolean;
}

/** Every symbolic link among LabOS's own entries of a data folder, never followed. */
async function findLinks(root: string): Promise<FoundLink[]> {
  const found: FoundLink[] = [];
  async function visit(dir: string, prefix: string): Promise<void> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      // Only LabOS's own entries: never what else lives in a folder initialised with --force.
      if (prefix === "" && !OWN_ENTRIES.has(entry.name) && !isStateEntry(entry.name)) continue;
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      const absolute = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        const target = await fs.readlink(absolute).catch(() => "?");
        const folder = await fs.stat(absolute).then((stat) => stat.isDirectory(), () => false);
        found.push({ relative, absolute, target, folder });
      } else if (entry.isDirectory()) await visit(absolute, relative);
    }
  }
  await visit(root, "");
  return found;
}

/** The folders of `dir`'s path, outermost first, that do not exist yet. */
async function missingFolders(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let current = dir; !(await exists(current)); current = path.dirname(current)) {
    missing.unshift(current);
    if (path.dirname(current) === current) break;
  }
  return missing;
}

/**
 * The record store and audit log of a data folder, for tests and tools
 * that inspect or damage the files on purpose. Writing through them
 * bypasses the lock and the journal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderInternals } from "./_storage.ts";
 * const { audit } = folderInternals(await Deno.makeTempDir());
 * assert.deepEqual(await audit.lastSeq(), 0);
 * ```
 */
export function folderInternals(dataDir: string): { store: RecordStore; audit: AuditLog } {
  const location = path.resolve(dataDir);
  return {
    store: new RecordStore(location),
    audit: new AuditLog(path.join(location, "audit"), { root: location }),
  };
}

/** Whether nothing can be created in `dir` (a read-only mount, or no write permission). */
async function isReadOnly(dir: string): Promise<boolean> {
  const probe = path.join(dir, `.write-probe-${randomBytes(6).toString("hex")}.tmp`);
  try {
    await (await fs.open(probe, "wx")).close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "EROFS" || code === "EACCES" || code === "EPERM";
  }
  await fs.rm(probe, { force: true });
  return false;
}

/** The dataset id whose table values a file name in a record folder holds, if it is one. */
function valuesOwner(type: RecordType, name: string): string | undefined {
  if (type !== "dataset" || !name.endsWith(VALUES_SUFFIX)) return undefined;
  const id = name.slice(0, -VALUES_SUFFIX.length);
  return isId(id, "dataset") ? id : undefined;
}

/** `details.auth` of a repair event, when the caller said how its actor was established. */
function authOf(options: { auth?: string }): { auth?: string } {
  return options.auth === undefined ? {} : { auth: options.auth };
}

/** Whether an entry exists, a symbolic link included (never followed). */
async function exists(file: string): Promise<boolean> {
  return await fs.lstat(file).then(() => true, () => false);
}

async function listDataFiles(
  dataDir: string,
): Promise<{ files: Array<{ relative: string; absolute: string }>; skipped: string[] }> {
  const files: Array<{ relative: string; absolute: string }> = [];
  const skipped: string[] = [];
  async function visit(dir: string, prefix: string): Promise<void> {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      // Only LabOS's own files: never what else lives in a folder initialised with --force.
      if (prefix === "" && !OWN_ENTRIES.has(entry.name)) continue;
      // The lock and temporary files of interrupted writes are not data.
      if (relative === LOCK_FILE || relative === `${LOCK_FILE}.break`) continue;
      if (relative === JOURNAL_FILE) continue;
      if (entry.name.startsWith(".") && entry.name.endsWith(".tmp")) continue;
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) await visit(absolute, relative);
      else if (entry.isFile()) files.push({ relative, absolute });
      else skipped.push(relative);
    }
  }
  await visit(dataDir, "");
  return { files, skipped };
}

const CHUNK = 1 << 20;

async function* chunksOf(handle: fs.FileHandle): AsyncIterable<Uint8Array> {
  // Most files are small records: a 1 MiB buffer for each would be zeroed for nothing.
  let left = (await handle.stat()).size;
  for (;;) {
    const buffer = new Uint8Array(Math.min(CHUNK, Math.max(left, 0) + 1));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) return;
    left -= bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

async function* readChecked(
  file: string,
  expected: { size: number; sha256: string },
): AsyncIterable<Uint8Array> {
  const handle = await fs.open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of chunksOf(handle)) {
      hash.update(chunk);
      size += chunk.byteLength;
      yield chunk;
    }
    if (size !== expected.size || hash.digest("hex") !== expected.sha256) {
      throw new LabosError(
        "conflict",
        `${file} changed while it was archived (written without the lock?); try again`,
      );
    }
  } finally {
    await handle.close();
  }
}

async function allFolders(root: string): Promise<string[]> {
  const folders = [root];
  for (const entry of await fs.readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory()) folders.push(...await allFolders(path.join(root, entry.name)));
  }
  return folders;
}
