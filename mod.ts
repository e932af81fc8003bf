/**
 * LabOS: a laboratory operating system for teaching and research labs.
 *
 * Experiments, datasets and jobs are validated JSON records in a data folder;
 * every change is written to a hash-chained, append-only audit log that anyone
 * can verify.
 *
 * @example Open a data folder, record an experiment and verify the audit log
 * ```ts
 * import { openLab } from "@labos/labos";
 *
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const experiment = await lab.createExperiment({ title: "Coffee-cup calorimetry" });
 * await lab.transitionExperiment(experiment.id, { to: "running", reason: "Reagents ready" });
 * const result = await lab.verifyAudit();
 * console.log(result.ok ? `ok: ${result.events} events` : result.message);
 * ```
 *
 * Narrower entry points: `@labos/labos/module` for plugin authors,
 * `@labos/labos/audit` for third-party verifiers of the audit log,
 * `@labos/labos/storage` for storage implementers and
 * `@labos/labos/templates` for template authors.
 *
 * @module
 */
export { VERSION } from "./src/version.ts";
export { type FieldIssue, LabosError, type LabosErrorKind } from "./src/errors.ts";
export {
  type AddUserInput,
  type AssignInput,
  type AttachmentBody,
  type AttachOptions,
  type AttachRequest,
  type AuthMethod,
  type BatchProgress,
  type CollectRequest,
  type CreateExperimentInput,
  type DatasetFilter,
  type DatasetLimits,
  DEFAULT_DATASET_LIMITS,
  type DisplayOptions,
  type DoctorProblem,
  type DoctorReport,
  type EditExperimentInput,
  type ExperimentFilter,
  type ImportCsvRequest,
  type InitResult,
  type JobFilter,
  Lab,
  type LabStatus,
  openLab,
  type OpenLabOptions,
  type Page,
  type PlanRunResult,
  type Principal,
  type RerunCheck,
  type RunRequest,
  type RunResult,
  type ScryptCost,
  type ShareExperimentInput,
  type ShownValue,
  type SignatureListing,
  type SigningKey,
  type SignRequest,
  type UserInfo,
} from "./src/service/mod.ts";
export type {
  DistributionRequest,
  Gradebook,
  GradebookDistribution,
  GradebookRequest,
  GradebookRow,
  GradebookSignOff,
  GradebookStep,
  GradebookTemplate,
} from "./src/service/mod.ts";
export type {
  ArchiveExport,
  ArchiveImport,
  ImportArchiveOptions,
  LegacyImportOptions,
  LegacyImportReport,
  LegacyRecordReport,
  MigrateOptions,
  MigrateReport,
  StoreCopy,
  StoreOptions,
} from "./src/service/mod.ts";
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
export { tableColumn, tableRows, type TableRowsOptions } from "./src/records/mod.ts";
export type { LineageEdge, LineageGraph, LineageKind, LineageNode } from "./src/plots/mod.ts";
export type { DisplayMode } from "./src/config/mod.ts";
export type { NumberFormat } from "./src/units/mod.ts";
