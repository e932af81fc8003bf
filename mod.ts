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
 * @module
 */
export { VERSION } from "./src/version.ts";
export { exitCodeFor, type FieldIssue, LabosError, type LabosErrorKind } from "./src/errors.ts";
export {
  type BatchProgress,
  type CreateExperimentInput,
  DATA_FORMAT,
  DATA_SCHEMA_VERSION,
  type DataManifest,
  type DatasetFilter,
  type DoctorProblem,
  type DoctorReport,
  type ExperimentFilter,
  type ImportCsvRequest,
  type InitResult,
  type JobFilter,
  Lab,
  type LabStatus,
  MANIFEST_FILE,
  openLab,
  type OpenLabOptions,
  type Page,
  type PlanRunResult,
  type RerunCheck,
  type RunRequest,
  type RunResult,
} from "./src/service/mod.ts";
export type {
  ArchiveExport,
  ArchiveImport,
  LegacyImportOptions,
  LegacyImportReport,
  LegacyRecordReport,
  MigrateOptions,
  MigrateReport,
} from "./src/service/mod.ts";
export {
  type ConfigSource,
  type ConfigSources,
  type DisplayMode,
  type DisplaySettings,
  type LabosConfig,
  loadConfig,
  type LoadConfigOptions,
  type PluginEntry,
  type PluginLimits,
} from "./src/config/mod.ts";
export {
  builtinTemplates,
  type ExpectationCheck,
  type ExperimentPlan,
  type LabTemplate,
  parseTemplate,
  type PlanStep,
  TemplateCatalog,
  type TemplateEntry,
  type TemplateExpectation,
  type TemplateStep,
} from "./src/templates/mod.ts";
export {
  type LoadedPlugin,
  loadModuleRegistry,
  type ModuleManifest,
  openConfiguredLab,
  type PluginProblem,
  type PluginReport,
} from "./src/plugins/mod.ts";
export {
  canonicalJson,
  type Dataset,
  type DatasetColumn,
  DatasetSchema,
  type Experiment,
  EXPERIMENT_STATUSES,
  EXPERIMENT_TRANSITIONS,
  ExperimentSchema,
  type ExperimentStatus,
  hashJson,
  ID_PATTERN,
  type IdKind,
  isId,
  type Job,
  JOB_STATUSES,
  JobSchema,
  type JobStatus,
  RECORD_SCHEMA_VERSION,
  type RecordBase,
  type RecordOf,
  type RecordType,
} from "./src/records/mod.ts";
export { type ListOptions, type RecordPage, RecordStore } from "./src/storage/folder/mod.ts";
export type {
  LabStorage,
  PageQuery,
  RawRecord,
  RawRecords,
  RecordQuery,
  RestoreSink,
  Snapshot,
  SnapshotFile,
  StorageCheck,
  StorageProblem,
  StorageTransaction,
} from "./src/storage/mod.ts";
export {
  type AuditDamageKind,
  type AuditEvent,
  type AuditEventInput,
  type AuditExport,
  type AuditFilter,
  type AuditHead,
  AuditLog,
  type AuditLogOptions,
  type AuditPage,
  type AuditTarget,
  GENESIS_HASH,
  type StagedAppend,
  type VerifyResult,
} from "./src/audit/mod.ts";
export {
  defineModule,
  type LabModule,
  LABOS_API_VERSION,
  type ModuleContext,
  type ModuleDescriptor,
  ModuleError,
  type ModuleExample,
  type PlotSeries,
  type PlotSpec,
  type SafeParseResult,
  type Schema,
  type SchemaIssue,
} from "./src/modules/contract.ts";
export { type ModuleInfo, ModuleRegistry, type RegisteredModule } from "./src/modules/registry.ts";
export {
  type LineageEdge,
  type LineageGraph,
  type LineageKind,
  type LineageNode,
} from "./src/plots/mod.ts";
