/**
 * The checks and repairs of a data folder (`labos doctor`): symbolic links,
 * the journal, temporary files, record files, id indexes, blobs and the
 * audit log. A repair moves files aside into `quarantine/` and audits it;
 * nothing is deleted.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import type { AuditLog, VerifyResult } from "../../audit/mod.ts";
import { ensureDirectory, readNoFollow, refuseLinks } from "../../durable/mod.ts";
import { LabosError, quote } from "../../errors.ts";
import { isId, RECORD_FOLDERS, RECORD_TYPES, type RecordType } from "../../records/mod.ts";
import type { StorageCheck, StorageProblem } from "../types.ts";
import { BLOB_FOLDER, type BlobStore } from "./_blobs.ts";
import { exists, type FolderParts, isStateEntry, OWN_ENTRIES, valuesOwner } from "./_layout.ts";
import type { RecordStore } from "./_records.ts";
import { FolderTransaction, JOURNAL_FILE, parseJournal, recoverJournal } from "./_transaction.ts";

/** How old an upload's temporary file must be before a repair moves it aside. */
const BLOB_UPLOAD_GRACE_MS = 60 * 60 * 1000;
const TYPES = RECORD_TYPES;

/**
 * Runs the folder's own checks; with `repair`, repairs what it can (the
 * caller holds the lock).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { join } from "node:path";
 * import { AuditLog } from "../../audit/mod.ts";
 * import { BlobStore } from "./_blobs.ts";
 * import { checkFolder } from "./_check.ts";
 * import { RecordStore } from "./_records.ts";
 * const location = await Deno.makeTempDir();
 * const check = await checkFolder({
 *   location,
 *   store: new RecordStore(location),
 *   audit: new AuditLog(join(location, "audit"), { root: location }),
 *   blobs: new BlobStore(location),
 * }, { repair: false, actor: "" });
 * assert.deepEqual(check.problems, []);
 * ```
 */
export function checkFolder(
  parts: FolderParts,
  options: { repair: boolean; actor: string; auth?: string },
): Promise<StorageCheck> {
  return new FolderCheck(parts).run(options);
}

/** One run of the checks, over the parts of one folder. */
class FolderCheck {
  readonly location: string;
  readonly #store: RecordStore;
  readonly #audit: AuditLog;
  readonly #blobs: BlobStore;

  constructor(parts: FolderParts) {
    this.location = parts.location;
    this.#store = parts.store;
    this.#audit = parts.audit;
    this.#blobs = parts.blobs;
  }

  async run(
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

/** `details.auth` of a repair event, when the caller said how its actor was established. */
function authOf(options: { auth?: string }): { auth?: string } {
  return options.auth === undefined ? {} : { auth: options.auth };
}
