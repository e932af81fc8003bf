/**
 * The layout of a data folder: the top-level entries LabOS writes, and the
 * names that are state (lock, journal, temporary files) rather than data.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import type { AuditLog } from "../../audit/mod.ts";
import { LOCK_FILE } from "../../durable/mod.ts";
import { isId, RECORD_FOLDERS, type RecordType } from "../../records/mod.ts";
import { BLOB_FOLDER, type BlobStore } from "./_blobs.ts";
import { INDEX_FOLDER, type RecordStore, VALUES_SUFFIX } from "./_records.ts";
import { JOURNAL_FILE, MANIFEST_FILE } from "./_transaction.ts";

/** The folder, inside the data folder, holding attachments such as copied legacy files. */
export const ATTACHMENT_FOLDER = "legacy";

/**
 * The top-level entries of a data folder that LabOS itself writes. Export
 * archives only these, and `init` refuses a folder holding anything else.
 */
export const OWN_ENTRIES: ReadonlySet<string> = new Set([
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

/**
 * Whether a top-level name is the lock, the journal or a temporary file: state, not data.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isStateEntry } from "./_layout.ts";
 * assert.ok(isStateEntry(".labos.json.1a2b.tmp"));
 * assert.ok(!isStateEntry("experiments"));
 * ```
 */
export function isStateEntry(name: string): boolean {
  return name === LOCK_FILE || name === `${LOCK_FILE}.break` || name === JOURNAL_FILE ||
    (name.startsWith(".") && name.endsWith(".tmp"));
}

/**
 * The dataset id whose table values a file name in a record folder holds, if it is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valuesOwner } from "./_layout.ts";
 * assert.equal(valuesOwner("experiment", "notes.values.json"), undefined);
 * assert.equal(valuesOwner("dataset", "notes.json"), undefined);
 * ```
 */
export function valuesOwner(type: RecordType, name: string): string | undefined {
  if (type !== "dataset" || !name.endsWith(VALUES_SUFFIX)) return undefined;
  const id = name.slice(0, -VALUES_SUFFIX.length);
  return isId(id, "dataset") ? id : undefined;
}

/**
 * Whether an entry exists, a symbolic link included (never followed).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exists } from "./_layout.ts";
 * assert.ok(await exists(await Deno.makeTempDir()));
 * assert.ok(!(await exists("/nonexistent/labos")));
 * ```
 */
export async function exists(file: string): Promise<boolean> {
  return await fs.lstat(file).then(() => true, () => false);
}

/** The parts of one data folder that its checks and snapshots work on. */
export interface FolderParts {
  /** The data folder, absolute. */
  location: string;
  /** Its records and id indexes. */
  store: RecordStore;
  /** Its audit log. */
  audit: AuditLog;
  /** Its blobs. */
  blobs: BlobStore;
}
