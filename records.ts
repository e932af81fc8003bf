/**
 * The records and values `Lab` returns: every record type (experiments,
 * datasets, jobs, attachments, users, sessions, tokens and signatures), the
 * parts of a dataset's table with {@linkcode tableColumn} and
 * {@linkcode tableRows}, lineage graphs, and how a value is shown to people.
 *
 * @example Read a dataset's table
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Dataset, tableColumn } from "@labos/labos/records";
 * import { openLab } from "@labos/labos";
 *
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const dataset: Dataset = await lab.importCsv({
 *   fileName: "cooling.csv",
 *   bytes: new TextEncoder().encode("t,T\n0,28.9\n60,27.5\n"),
 * });
 * assert.deepEqual(tableColumn(dataset.table!, "T"), [28.9, 27.5]);
 * ```
 *
 * @module
 */
export type {
  Attachment,
  AttachmentSource,
  Cell,
  CollectedField,
  CollectedJob,
  Dataset,
  DatasetCollection,
  DatasetColumn,
  DatasetSummary,
  DatasetTable,
  DatasetTableSummary,
  EncryptedKey,
  Experiment,
  ExperimentSource,
  ExperimentStatus,
  InputConversion,
  Job,
  JobMapping,
  JobStatus,
  JobVoid,
  PasswordVerifier,
  RecordBase,
  Role,
  ScryptParams,
  Session,
  SignableType,
  Signature,
  SignatureMeaning,
  StoredToken,
  User,
} from "./src/records/mod.ts";
export { tableColumn, tableRows, type TableRowsOptions } from "./src/records/table.ts";
export type { LineageEdge, LineageGraph, LineageKind, LineageNode } from "./src/plots/mod.ts";
export type { DisplayOptions, ShownValue } from "./src/service/mod.ts";
export type { DisplayMode } from "./src/config/mod.ts";
export type { NumberFormat } from "./src/units/mod.ts";
