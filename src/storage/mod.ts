/**
 * The storage layer under LabOS: the {@linkcode LabStorage} interface
 * (records with newest-first pages, the audit log with compare-and-append,
 * transactions under the writer lock, the manifest) and the paging rule.
 * The data folder implementation lives in `./folder/mod.ts`; nothing above
 * this layer touches its files.
 *
 * @module
 */
export * from "./types.ts";
export { checkPage } from "./_paging.ts";
export { newFolderId } from "./_folder_id.ts";
export { type RecordChange, recordEvent } from "./_events.ts";
export { type AuditMismatch, compareWithAudit } from "./_audited.ts";
export { deferredStorage } from "./_deferred.ts";
export {
  hasPassword,
  isPostgresUrl,
  redactPassword,
  storeNoun,
  withoutPassword,
} from "./store_url.ts";
