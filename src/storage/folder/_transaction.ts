import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { AuditEvent, AuditEventInput, AuditLog } from "../../audit/mod.ts";
import {
  atomicWriteFile,
  ensureDirectory,
  fsyncDirectory,
  readNoFollow,
  refuseLinks,
  writeTempFile,
} from "../../durable/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import {
  canonicalJson,
  concatBytes,
  isId,
  RECORD_TYPES,
  type RecordOf,
  recordText,
  type RecordType,
  textLength,
} from "../../records/mod.ts";
import type { StorageTransaction } from "../types.ts";
import { INDEX_FOLDER, type RecordStore } from "./_records.ts";

/** The redo journal inside the data folder. */
export const JOURNAL_FILE = "journal.json";

interface PendingRecord {
  type: RecordType;
  record: RecordOf[RecordType];
  created: boolean;
}

/** A record the journal holds whole. */
export interface JournalRecord {
  /** Its type. */
  type: RecordType;
  /** The record. */
  record: RecordOf[RecordType];
  /** Whether it is new, and goes into its type's index. */
  created: boolean;
}

/**
 * A large record the journal names instead of holding: its file's content
 * was written (and fsynced) to a temporary file in its record folder before
 * the journal, and the commit renames it into place.
 */
export interface StagedRecord {
  /** Its type. */
  type: RecordType;
  /** Its id. */
  id: string;
  /** Whether it is new, and goes into its type's index. */
  created: boolean;
  /** The temporary file's name, in the record folder: `.<id>.json.<random>.tmp`. */
  staged: string;
  /** The file's size in bytes. */
  bytes: number;
}

/** The redo journal of one commit, `journal.json`. */
export interface Journal {
  /** The journal format version. */
  v: 1;
  /** The audit log's last seq before the commit. */
  baseSeq: number;
  /** The records the commit writes. */
  records: Array<JournalRecord | StagedRecord>;
  /** The audit events the commit appends. */
  events: AuditEventInput[];
}

/**
 * Records whose file takes more than this many bytes are staged (see
 * {@linkcode StagedRecord}) rather than copied into the journal, so that a
 * large record is written once.
 */
export const STAGED_RECORD_BYTES: number = 1024 * 1024;

/**
 * Collects the record writes and audit events of one operation, so that they
 * are committed together: all of them, or (after a crash) none until the next
 * writer replays the journal.
 */
export class FolderTransaction implements StorageTransaction {
  readonly #store: RecordStore;
  readonly #records: PendingRecord[] = [];
  readonly #events: AuditEventInput[] = [];
  #manifest: Record<string, unknown> | undefined;

  /** A transaction over a store; see {@linkcode FolderTransaction.commit}. */
  constructor(store: RecordStore) {
    this.#store = store;
  }

  /** Reads one committed record. */
  get<K extends RecordType>(type: K, id: string): Promise<RecordOf[K]> {
    return this.#store.get(type, id);
  }

  /** Schedules the write of a new record, which is also added to its type's index. */
  create<K extends RecordType>(type: K, record: RecordOf[K]): void {
    this.#records.push({ type, record, created: true });
  }

  /** Schedules the rewrite of an existing record. */
  put<K extends RecordType>(type: K, record: RecordOf[K]): void {
    this.#records.push({ type, record, created: false });
  }

  /** Schedules an audit event, appended after the record writes. */
  audit(event: AuditEventInput): void {
    this.#events.push(event);
  }

  /** Replaces the manifest after the commit. */
  setManifest(manifest: Record<string, unknown>): void {
    this.#manifest = manifest;
  }

  /**
   * Commits: journal, records, audit events, then drops the journal; the
   * manifest last. Reads the audit log's tail once: the events are appended
   * only if the log still ends where it did (compare-and-append). The
   * caller holds the data folder lock.
   */
  async commit(audit: AuditLog): Promise<AuditEvent[]> {
    const store = this.#store;
    let events: AuditEvent[] = [];
    if (this.#records.length > 0 || this.#events.length > 0) {
      // Each record is serialised once: the same text goes to the journal and to its file.
      const texts = this.#records.map(({ type, record }) => {
        store.validate(type, record);
        return recordText(record, `Cannot store ${type} ${quote(String(record.id))}`);
      });
      // Refused before the journal: a journal that cannot be applied would block every write.
      for (const type of new Set(this.#records.map((entry) => entry.type))) {
        await store.refuseLinks(type);
      }
      const staged = await audit.stage(this.#events);
      const stagedFiles: string[] = [];
      let journal: Journal;
      let text: Uint8Array;
      try {
        journal = {
          v: 1,
          baseSeq: staged.baseSeq,
          records: await stageRecords(store, this.#records, { texts, files: stagedFiles }),
          events: this.#events,
        };
        for (const folder of new Set(stagedFiles.map((file) => path.dirname(file)))) {
          await fsyncDirectory(folder);
        }
        text = journalText(journal, texts);
      } catch (error) {
        for (const file of stagedFiles) await fs.rm(file, { force: true });
        if (!(error instanceof RangeError)) throw error;
        throw new LabosError(
          "invalid",
          `Cannot store this change: its records together exceed what one write can hold (about 512 MiB); make it smaller`,
        );
      }
      const journalPath = path.join(store.dataDir, JOURNAL_FILE);
      await atomicWriteFile(journalPath, text, { root: store.dataDir });
      await applyRecords(journal, store, texts);
      if (staged.events.length > 0) await staged.write();
      events = staged.events;
      await fs.rm(journalPath);
      await fsyncDirectory(store.dataDir);
    }
    if (this.#manifest) await writeManifestFile(store.dataDir, this.#manifest);
    return events;
  }
}

/** The manifest file inside the data folder. */
export const MANIFEST_FILE = "labos.json";

/** Writes the manifest atomically. */
export async function writeManifestFile(
  dataDir: string,
  manifest: Record<string, unknown>,
): Promise<void> {
  await atomicWriteFile(
    path.join(dataDir, MANIFEST_FILE),
    `${JSON.stringify(manifest, null, 2)}\n`,
    { root: dataDir },
  );
}

/**
 * The journal's entries: a large record without a table is written to a
 * temporary file in its folder and named; any other is held whole.
 */
async function stageRecords(
  store: RecordStore,
  records: PendingRecord[],
  options: { texts: Array<string | readonly Uint8Array[]>; files: string[] },
): Promise<Array<JournalRecord | StagedRecord>> {
  const entries: Array<JournalRecord | StagedRecord> = [];
  for (const [index, { type, record, created }] of records.entries()) {
    const text = options.texts[index];
    const bytes = textLength(text);
    if (typeof text === "string" || bytes <= STAGED_RECORD_BYTES || hasTable(record)) {
      entries.push({ type, record, created });
      continue;
    }
    await ensureDirectory(store.folderOf(type));
    const temp = await writeTempFile(store.pathOf(type, record.id), text, { root: store.dataDir });
    options.files.push(temp);
    entries.push({ type, id: record.id, created, staged: path.basename(temp), bytes });
  }
  return entries;
}

function hasTable(record: RecordOf[RecordType]): boolean {
  const table = (record as { table?: unknown }).table;
  return table !== undefined && table !== null;
}

function isStaged(entry: JournalRecord | StagedRecord): entry is StagedRecord {
  return "staged" in entry;
}

/** The journal's JSON, with each record's content as written to its file. */
function journalText(journal: Journal, texts: Array<string | readonly Uint8Array[]>): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [encoder.encode(`{"v":1,"baseSeq":${journal.baseSeq},"records":[`)];
  journal.records.forEach((entry, index) => {
    const comma = index > 0 ? "," : "";
    if (isStaged(entry)) {
      chunks.push(encoder.encode(`${comma}${JSON.stringify(entry)}`));
      return;
    }
    const text = texts[index];
    chunks.push(
      encoder.encode(
        `${comma}{"type":${JSON.stringify(entry.type)},"created":${entry.created},"record":`,
      ),
      ...(typeof text === "string" ? [encoder.encode(text)] : text),
      encoder.encode("}"),
    );
  });
  chunks.push(encoder.encode(`],"events":${JSON.stringify(journal.events)}}`));
  return concatBytes(chunks);
}

/** How many record files a commit writes at once: their fsyncs overlap. */
const APPLY_WRITERS = 16;

async function applyRecords(
  journal: Journal,
  store: RecordStore,
  texts: Array<string | readonly Uint8Array[]> = [],
): Promise<void> {
  const created = new Map<RecordType, string[]>();
  const types = new Set<RecordType>();
  // A folder from before a record type existed (no `users/`) gets it on first write.
  for (const type of new Set(journal.records.map((entry) => entry.type))) {
    await ensureDirectory(store.folderOf(type));
  }
  // The writes of one record stay in journal order; different records are written side by side
  // (the journal is durable already: a crash replays them all).
  const chains = new Map<string, number[]>();
  for (const [index, entry] of journal.records.entries()) {
    const { type } = entry;
    const id = isStaged(entry) ? entry.id : entry.record.id;
    types.add(type);
    if (entry.created) {
      const ids = created.get(type) ?? [];
      ids.push(id);
      created.set(type, ids);
    }
    const key = `${type}:${id}`;
    const chain = chains.get(key) ?? [];
    chain.push(index);
    chains.set(key, chain);
  }
  const queue = [...chains.values()];
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function writer(): Promise<void> {
    while (next < queue.length && !failure) {
      try {
        for (const index of queue[next++]) {
          const entry = journal.records[index];
          if (isStaged(entry)) await placeStaged(store, entry);
          else {
            await store.put(entry.type, entry.record, { syncDirectory: false, text: texts[index] });
          }
        }
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  // Every writer has stopped before a failure is thrown: no write outlives the commit.
  await Promise.all(Array.from({ length: Math.min(APPLY_WRITERS, queue.length) }, writer));
  if (failure) throw failure.error;
  for (const type of types) await fsyncDirectory(store.folderOf(type));
  for (const [type, ids] of created) {
    try {
      await store.addToIndex(type, ids);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // An upgrade rebuilds a missing index folder through the journal.
      await ensureDirectory(path.join(store.dataDir, INDEX_FOLDER));
      await store.addToIndex(type, ids);
    }
  }
}

/**
 * Renames a staged record's temporary file into place; on a replay the
 * rename may have happened already, which the file's size confirms.
 */
async function placeStaged(store: RecordStore, entry: StagedRecord): Promise<void> {
  const file = store.pathOf(entry.type, entry.id);
  const temp = path.join(path.dirname(file), entry.staged);
  await refuseLinks(temp, { root: store.dataDir });
  await refuseLinks(file, { root: store.dataDir });
  const sizeOf = async (at: string) => (await fs.lstat(at).catch(() => undefined))?.size;
  const size = await sizeOf(temp);
  if (size === entry.bytes) {
    await fs.rename(temp, file);
    return;
  }
  if (size === undefined && await sizeOf(file) === entry.bytes) return;
  throw new LabosError(
    "check_failed",
    `Cannot replay the journal in ${store.dataDir}: the staged file of ${entry.type} ${
      quote(entry.id)
    } (${entry.staged}) is ${
      size === undefined ? "missing" : `${size} bytes, not ${entry.bytes}`
    }; run "labos doctor"`,
  );
}

async function replay(journal: Journal, store: RecordStore, audit: AuditLog): Promise<void> {
  await applyRecords(journal, store);
  if (journal.events.length === 0) return;
  const seq = await audit.lastSeq();
  if (seq === journal.baseSeq) {
    await audit.appendMany(journal.events);
    return;
  }
  if (seq === journal.baseSeq + journal.events.length) return;
  // A batch cut short by a power cut (doctor --repair quarantined its torn line): append the rest.
  const done = seq - journal.baseSeq;
  if (done > 0 && done < journal.events.length && await appendedPrefix(audit, journal, done)) {
    await audit.appendMany(journal.events.slice(done));
    return;
  }
  throw new LabosError(
    "check_failed",
    `Cannot replay the journal in ${store.dataDir}: the audit log is at seq ${seq}, expected ${journal.baseSeq} or ${
      journal.baseSeq + journal.events.length
    }; run "labos doctor"`,
  );
}

/** Whether the last `done` events of the log are the journal's first `done` events. */
async function appendedPrefix(audit: AuditLog, journal: Journal, done: number): Promise<boolean> {
  const { events } = await audit.list({ limit: done });
  const same = (a: AuditEventInput, b: AuditEventInput) =>
    canonicalJson([a.actor, a.action, a.target, a.reason, a.details]) ===
      canonicalJson([b.actor, b.action, b.target, b.reason, b.details]);
  return events.length === done &&
    events.reverse().every((event, index) => same(event, journal.events[index]));
}

/** A staged file's name: a temporary file in the record folder, never a path. */
const STAGED_NAME = /^\.[A-Za-z0-9_]+\.json\.[0-9a-f]+\.tmp$/;

/**
 * A journal's text, parsed and checked, or why it is damaged.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { parseJournal } from "./_transaction.ts";
 * assert.strictEqual(parseJournal("{"), "not valid JSON");
 * assert.strictEqual(typeof parseJournal('{"v":1,"baseSeq":0,"records":[],"events":[]}'), "object");
 * ```
 */
export function parseJournal(text: string): Journal | string {
  let value: Partial<Journal>;
  try {
    value = JSON.parse(text);
  } catch {
    return "not valid JSON";
  }
  const ok = typeof value === "object" && value !== null && value.v === 1 &&
    Number.isInteger(value.baseSeq) && Array.isArray(value.records) &&
    Array.isArray(value.events) &&
    value.records.every((entry) =>
      typeof entry === "object" && entry !== null &&
      (RECORD_TYPES as readonly string[]).includes(entry.type) &&
      (isStaged(entry)
        ? typeof entry.id === "string" && isId(entry.id, entry.type) &&
          typeof entry.staged === "string" && STAGED_NAME.test(entry.staged) &&
          entry.staged.startsWith(`.${entry.id}.json.`) &&
          Number.isSafeInteger(entry.bytes) && entry.bytes >= 0
        : typeof entry.record === "object" && entry.record !== null &&
          typeof entry.record.id === "string")
    ) &&
    value.events.every((event) => typeof event === "object" && event !== null);
  return ok ? value as Journal : "not a LabOS journal";
}

/**
 * Replays an interrupted transaction, if one was left by a crash. Record
 * writes are idempotent and events are appended only if they are missing.
 * The caller holds the data folder lock.
 */
export async function recoverJournal(store: RecordStore, audit: AuditLog): Promise<boolean> {
  const journalPath = path.join(store.dataDir, JOURNAL_FILE);
  let text: string;
  try {
    text = await readNoFollow(journalPath, { root: store.dataDir });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const journal = parseJournal(text);
  if (typeof journal === "string") {
    throw new LabosError(
      "check_failed",
      `Cannot write to ${store.dataDir}: ${JOURNAL_FILE}, left by an interrupted write, is damaged (${journal}); run "labos doctor --repair" to move it aside`,
    );
  }
  await replay(journal, store, audit);
  await fs.rm(journalPath);
  await fsyncDirectory(store.dataDir);
  return true;
}
