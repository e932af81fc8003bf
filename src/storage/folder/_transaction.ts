import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { AuditEvent, AuditEventInput, AuditLog } from "../../audit/mod.ts";
import {
  atomicWriteFile,
  ensureDirectory,
  fsyncDirectory,
  readNoFollow,
} from "../../durable/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import {
  canonicalJson,
  RECORD_TYPES,
  type RecordOf,
  recordText,
  type RecordType,
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

/** The redo journal of one commit, `journal.json`. */
export interface Journal {
  /** The journal format version. */
  v: 1;
  /** The audit log's last seq before the commit. */
  baseSeq: number;
  /** The records the commit writes. */
  records: Array<{ type: RecordType; record: RecordOf[RecordType]; created: boolean }>;
  /** The audit events the commit appends. */
  events: AuditEventInput[];
}

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
      const journal: Journal = {
        v: 1,
        baseSeq: staged.baseSeq,
        records: this.#records,
        events: this.#events,
      };
      const journalPath = path.join(store.dataDir, JOURNAL_FILE);
      let text: Uint8Array;
      try {
        text = journalText(journal, texts);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        throw new LabosError(
          "invalid",
          `Cannot store this change: its records together exceed what one write can hold (about 512 MiB); make it smaller`,
        );
      }
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

/** The journal's JSON, with each record's content as written to its file. */
function journalText(journal: Journal, texts: Array<string | Uint8Array>): Uint8Array {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [encoder.encode(`{"v":1,"baseSeq":${journal.baseSeq},"records":[`)];
  journal.records.forEach(({ type, created }, index) => {
    const text = texts[index];
    chunks.push(
      encoder.encode(
        `${index > 0 ? "," : ""}{"type":${JSON.stringify(type)},"created":${created},"record":`,
      ),
      typeof text === "string" ? encoder.encode(text) : text,
      encoder.encode("}"),
    );
  });
  chunks.push(encoder.encode(`],"events":${JSON.stringify(journal.events)}}`));
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

async function applyRecords(
  journal: Journal,
  store: RecordStore,
  texts: Array<string | Uint8Array> = [],
): Promise<void> {
  const created = new Map<RecordType, string[]>();
  const types = new Set<RecordType>();
  // A folder from before a record type existed (no `users/`) gets it on first write.
  for (const type of new Set(journal.records.map((entry) => entry.type))) {
    await ensureDirectory(store.folderOf(type));
  }
  for (const [index, { type, record, created: isNew }] of journal.records.entries()) {
    await store.put(type, record, { syncDirectory: false, text: texts[index] });
    types.add(type);
    if (isNew) created.set(type, [...(created.get(type) ?? []), record.id]);
  }
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
      typeof entry.record === "object" && entry.record !== null &&
      typeof entry.record.id === "string"
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
