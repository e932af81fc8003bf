/**
 * The record store and audit log of a data folder, for tests and tools that
 * inspect or damage its files on purpose. Not part of the folder's face
 * (`mod.ts`): opening a folder must not load the audit log.
 *
 * @module
 */
import * as path from "node:path";
import { AuditLog } from "../../audit/mod.ts";
import { RecordStore } from "./_records.ts";

/**
 * The record store and audit log of a data folder, for tests and tools
 * that inspect or damage the files on purpose. Writing through them
 * bypasses the lock and the journal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderInternals } from "./internals.ts";
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
