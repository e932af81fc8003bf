/**
 * The storage interface under LabOS, for storage implementers: records by
 * type and id with newest-first pages, the audit log with compare-and-append,
 * the all-or-nothing transaction under the writer lock, and the manifest.
 * The data folder is the embedded default; pass another implementation to
 * `openLab({ storage })`, or a PostgreSQL store's URL and
 * {@linkcode StoreOptions} to `openLab({ store, storeOptions })`.
 *
 * @example Open a lab over an explicit storage
 * ```ts
 * import assert from "node:assert/strict";
 * import { openLab } from "@labos/labos";
 * import { DATA_SCHEMA_VERSION } from "@labos/labos/storage";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * const { manifest } = await lab.init();
 * assert.equal(manifest.schemaVersion, DATA_SCHEMA_VERSION);
 * ```
 *
 * @module
 */
export * from "./src/storage/types.ts";
export type {
  Attachment,
  AttachmentSource,
  RecordOf,
  RecordType,
  SummaryOf,
} from "./src/records/mod.ts";
export type { AuditExport, ScanOptions, VerifiedSelection } from "./src/audit/mod.ts";
export type { StoreOptions } from "./src/service/mod.ts";
