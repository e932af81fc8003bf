/**
 * The data folder: the embedded default `LabStorage`. One JSON
 * file per record, an id index per type, the audit log files, a redo
 * journal and a writer lock file, and the manifest `labos.json`.
 *
 * @module
 */
export { FolderStorage, type FolderStorageOptions } from "./_storage.ts";
export { INDEX_FOLDER, type ListOptions, type RecordPage, RecordStore } from "./_records.ts";
export { JOURNAL_FILE, MANIFEST_FILE } from "./_transaction.ts";
