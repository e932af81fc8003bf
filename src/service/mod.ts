/**
 * The LabOS service: the one facade over records, audit, modules and runs.
 * The CLI, the HTTP server and library users all call it, so every adapter
 * behaves the same by construction. `openLab` is the composition root.
 *
 * @module
 */
export { openLab, type OpenLabOptions } from "./open_lab.ts";
export type { StoreOptions } from "./_store.ts";
export { type InitResult, Lab, type LabStatus } from "./_lab.ts";
export type {
  CreateExperimentInput,
  EditExperimentInput,
  ExperimentFilter,
  PlanRunResult,
  ShareExperimentInput,
} from "./_experiments.ts";
export type { DatasetFilter, ImportCsvRequest } from "./_datasets.ts";
export {
  type AttachmentBody,
  type AttachOptions,
  type AttachRequest,
  byteSize,
  DEFAULT_ATTACHMENT_MAX_BYTES,
  guessMediaType,
  safeFileName,
} from "./_attachments.ts";
export {
  type Assignee,
  type AssigneeDirectory,
  type AssignInput,
  checkAssignees,
} from "./_assign.ts";
export type { CollectRequest } from "./_collect.ts";
export type {
  DistributionRequest,
  Gradebook,
  GradebookDistribution,
  GradebookRequest,
  GradebookRow,
  GradebookSignOff,
  GradebookStep,
  GradebookTemplate,
} from "./_gradebook.ts";
export {
  type AccountSettings,
  type DatasetLimits,
  DEFAULT_ACCOUNT_SETTINGS,
  DEFAULT_DATASET_LIMITS,
  DEFAULT_SCRYPT_COST,
  DEFAULT_STORE_POOL_MAX,
  type ScryptCost,
} from "./_context.ts";
export { type AuthMethod, localPrincipal, type Principal } from "./_principal.ts";
export {
  type AddUserInput,
  LOCKOUT_THRESHOLD,
  MIN_PASSWORD_LENGTH,
  type SigningKey,
  type UserInfo,
} from "./_users.ts";
export type { BatchProgress, JobFilter, RerunCheck, RunRequest, RunResult } from "./_runs.ts";
export type { DoctorProblem, DoctorReport } from "./_doctor.ts";
export type { SignatureListing, SignRequest } from "./_signatures.ts";
export { parseParamValue } from "./_params.ts";
export {
  DEFAULT_DISPLAY,
  type DisplayOptions,
  displayOptions,
  mainOutputFields,
  mainResult,
  type ShownValue,
  showOutput,
  type ShowOutputOptions,
} from "./_display.ts";
export {
  CreateExperimentRequest,
  parseAuditTarget,
  RunRequestSchema,
  TransitionRequest,
} from "./_requests.ts";
export { DATA_FORMAT, DATA_SCHEMA_VERSION, type DataManifest, type Page } from "../storage/mod.ts";
export { MANIFEST_FILE } from "../storage/folder/mod.ts";
export type {
  ArchiveExport,
  ArchiveImport,
  ArchiveManifest,
  ImportArchiveOptions,
  LegacyImportOptions,
  LegacyImportReport,
  LegacyRecordReport,
  MigrateOptions,
  MigrateReport,
  StoreCopy,
} from "../exchange/mod.ts";
