/**
 * The LabOS service: the one facade over records, audit, modules and runs.
 * The CLI, the HTTP server and library users all call it, so every adapter
 * behaves the same by construction.
 *
 * @module
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { AuditLog } from "../audit/mod.ts";
import type {
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  VerifyResult,
} from "../audit/mod.ts";
import { atomicWriteFile, ensureDirectory, withLock } from "../durable/mod.ts";
import { LabosError, quote } from "../errors.ts";
import {
  type Dataset,
  type Experiment,
  EXPERIMENT_STATUSES,
  EXPERIMENT_TRANSITIONS,
  type ExperimentStatus,
  hashJson,
  INDEX_FOLDER,
  type Job,
  JOB_STATUSES,
  newId,
  RECORD_FOLDERS,
  RECORD_SCHEMA_VERSION,
  RecordStore,
  type RecordType,
} from "../records/mod.ts";
import { VERSION } from "../version.ts";
import { builtinRegistry } from "../modules/mod.ts";
import { type ModuleInfo, moduleInfo, type ModuleRegistry } from "../modules/registry.ts";
import { type LineageGraph, renderPlotSvg } from "../plots/mod.ts";
import { datasetLineage, importCsv, type ImportCsvRequest } from "./_datasets.ts";
import { checkFolderIdentity, runDoctor } from "./_doctor.ts";
import {
  importLegacy,
  type LegacyImportOptions,
  type LegacyImportReport,
  migrateDataFolder,
  type MigrateOptions,
  type MigrateReport,
  newFolderId,
} from "../migrate/mod.ts";
import {
  type ArchiveExport,
  type ArchiveImport,
  exportArchive,
  importArchive,
} from "../archive/mod.ts";
import type { DoctorReport } from "./_doctor.ts";
import {
  type BatchProgress,
  checkRerun,
  plotJob,
  type RerunCheck,
  retryJob,
  runBatch,
  runModule,
  type RunRequest,
  type RunResult,
} from "./_runs.ts";
import { recoverJournal, Transaction } from "./_transaction.ts";
import { prepareRun } from "../runs/mod.ts";
import {
  derivePlan,
  type ExperimentPlan,
  renderTitle,
  TemplateCatalog,
  type TemplateEntry,
  type TemplateStep,
} from "../templates/mod.ts";
import { commitRun, planRun } from "./_runs.ts";
import { CreateExperimentRequest, RunRequestSchema, TransitionRequest } from "./_requests.ts";
import { parseOrThrow } from "../validation.ts";

export type { DoctorProblem, DoctorReport } from "./_doctor.ts";
export {
  CreateExperimentRequest,
  parseAuditTarget,
  RunRequestSchema,
  TransitionRequest,
} from "./_requests.ts";
export type { ImportCsvRequest } from "./_datasets.ts";
export type {
  LegacyImportOptions,
  LegacyImportReport,
  LegacyRecordReport,
  MigrateOptions,
  MigrateReport,
} from "../migrate/mod.ts";
export type { ArchiveExport, ArchiveImport, ArchiveManifest } from "../archive/mod.ts";
export type { BatchProgress, RerunCheck, RunRequest, RunResult } from "./_runs.ts";

/** The manifest's `format` value. */
export const DATA_FORMAT = "labos-data";
/** The data folder layout version written by this release. */
export const DATA_SCHEMA_VERSION = 1;
/** The manifest file inside the data folder. */
export const MANIFEST_FILE = "labos.json";

/** The data folder manifest, `labos.json`. */
export interface DataManifest {
  /** Always `labos-data`. */
  format: typeof DATA_FORMAT;
  /** The layout version. */
  schemaVersion: number;
  /** When the folder was initialised. */
  createdAt: string;
  /** Who initialised it. */
  createdBy: string;
  /** The LabOS version that initialised it. */
  labosVersion: string;
  /** A random id of this data folder, also named by the audit log's first event, so a log copied from another folder is detected. */
  folderId?: string;
}

/** Options for {@linkcode openLab}. */
export interface OpenLabOptions {
  /** The data folder. */
  dataDir: string;
  /** Who is acting, recorded in every audit event. */
  actor: string;
  /** The clock, for tests. Default: `() => new Date()`. */
  now?: () => Date;
  /** The modules that can run. Default: the built-in modules. */
  modules?: ModuleRegistry;
  /** The experiment templates. Default: the built-in templates. */
  templates?: TemplateCatalog;
}

/** What {@linkcode Lab.runPlan} did: one run per step, and the plan afterwards. */
export interface PlanRunResult {
  /** The runs, in the order they ran. */
  runs: Array<{ step: string; result: RunResult }>;
  /** The plan after the runs. */
  plan: ExperimentPlan;
}

/** Filters for {@linkcode Lab.listJobs}. */
export interface JobFilter {
  /** Only jobs in this state. */
  status?: string;
  /** Only jobs of this module. */
  module?: string;
  /** Only jobs of this experiment. */
  experimentId?: string;
  /** Page size. Default: 50. */
  limit?: number;
  /** Matching jobs to skip. Default: 0. */
  offset?: number;
}

/** Filters for {@linkcode Lab.listDatasets}. */
export interface DatasetFilter {
  /** Only datasets of this kind: `imported` or `module-output`. */
  kind?: string;
  /** Only datasets of this experiment. */
  experimentId?: string;
  /** Page size. Default: 50. */
  limit?: number;
  /** Matching datasets to skip. Default: 0. */
  offset?: number;
}

/** Input for {@linkcode Lab.createExperiment}. */
export interface CreateExperimentInput {
  /** A short title. Required unless a template gives one. */
  title?: string;
  /** The key of the template to create it from; it gives the title, purpose, tags and planned runs. */
  template?: string;
  /** What the experiment sets out to show. Default: empty. */
  purpose?: string;
  /** Who is responsible. Default: the actor. */
  owner?: string;
  /** Free-form tags. */
  tags?: string[];
  /** Why it is created, recorded in the audit log. */
  reason?: string;
}

/** Filters for {@linkcode Lab.listExperiments}. */
export interface ExperimentFilter {
  /** Only experiments in this state. */
  status?: string;
  /** Only experiments with this tag. */
  tag?: string;
  /** Page size. Default: 50. */
  limit?: number;
  /** Matching experiments to skip. Default: 0. */
  offset?: number;
}

/** One page of a list, newest first. */
export interface Page<T> {
  /** The items on this page. */
  items: T[];
  /** Whether more items follow. */
  hasMore: boolean;
}

/** What `init` did. */
export interface InitResult {
  /** The data folder. */
  dataDir: string;
  /** False when the folder was already initialised and nothing changed. */
  created: boolean;
  /** The manifest. */
  manifest: DataManifest;
}

/** A summary of the data folder. */
export interface LabStatus {
  /** The data folder. */
  dataDir: string;
  /** The LabOS version. */
  labosVersion: string;
  /** The manifest. */
  manifest: DataManifest;
  /** Record counts. */
  counts: { experiments: number; datasets: number; jobs: number };
  /** The audit head. */
  auditHead: AuditHead;
}

/**
 * Opens a LabOS data folder as a service object. Nothing is read or written
 * until a method is called.
 *
 * @example
 * ```ts
 * import { openLab } from "./mod.ts";
 * const lab = openLab({ dataDir: await Deno.makeTempDir(), actor: "alice" });
 * await lab.init();
 * const experiment = await lab.createExperiment({ title: "Calorimetry" });
 * console.assert(experiment.status === "draft");
 * ```
 */
export function openLab(options: OpenLabOptions): Lab {
  return new Lab(options);
}

/** The LabOS service over one data folder. Create it with {@linkcode openLab}. */
export class Lab {
  /** The data folder. */
  readonly dataDir: string;
  /** Who is acting. */
  readonly actor: string;
  /** The record store. */
  readonly store: RecordStore;
  /** The audit log. */
  readonly audit: AuditLog;
  /** The modules that can run. */
  readonly modules: ModuleRegistry;
  /** The experiment templates. */
  readonly templates: TemplateCatalog;
  readonly #now: () => Date;

  /** Opens a data folder; prefer {@linkcode openLab}. */
  constructor(options: OpenLabOptions) {
    this.dataDir = path.resolve(options.dataDir);
    this.actor = options.actor;
    this.#now = options.now ?? (() => new Date());
    this.store = new RecordStore(this.dataDir);
    this.audit = new AuditLog(path.join(this.dataDir, "audit"), { now: this.#now });
    this.modules = options.modules ?? builtinRegistry();
    this.templates = options.templates ?? new TemplateCatalog();
  }

  /** The current time as an RFC 3339 UTC string with milliseconds. */
  timestamp(): string {
    return this.#now().toISOString();
  }

  /** Creates the data folder layout and manifest; a second run changes nothing. */
  async init(): Promise<InitResult> {
    const existing = await this.#readManifest();
    if (existing) return { dataDir: this.dataDir, created: false, manifest: existing };
    await ensureDirectory(this.dataDir);
    return await withLock(this.dataDir, async () => {
      const again = await this.#readManifest();
      if (again) return { dataDir: this.dataDir, created: false, manifest: again };
      for (const folder of [...Object.values(RECORD_FOLDERS), "audit", INDEX_FOLDER]) {
        await ensureDirectory(path.join(this.dataDir, folder));
      }
      const manifest: DataManifest = {
        format: DATA_FORMAT,
        schemaVersion: DATA_SCHEMA_VERSION,
        createdAt: this.timestamp(),
        createdBy: this.actor,
        labosVersion: VERSION,
        folderId: newFolderId(),
      };
      const tx = new Transaction();
      tx.audit({
        actor: this.actor,
        action: "data.initialized",
        target: { type: "data", id: "labos" },
        reason: null,
        details: { manifest },
      });
      await tx.commit(this.store, this.audit);
      // The manifest is written last: its presence means the layout is complete.
      await atomicWriteFile(
        path.join(this.dataDir, MANIFEST_FILE),
        `${JSON.stringify(manifest, null, 2)}\n`,
      );
      return { dataDir: this.dataDir, created: true, manifest };
    });
  }

  /** Counts, the audit head and the manifest. */
  async status(): Promise<LabStatus> {
    const manifest = await this.requireReady();
    const [experiments, datasets, jobs, auditHead] = await Promise.all([
      this.store.count("experiment"),
      this.store.count("dataset"),
      this.store.count("job"),
      this.audit.head(),
    ]);
    return {
      dataDir: this.dataDir,
      labosVersion: VERSION,
      manifest,
      counts: { experiments, datasets, jobs },
      auditHead,
    };
  }

  /** Creates a draft experiment. */
  async createExperiment(input: CreateExperimentInput): Promise<Experiment> {
    const [experiment] = await this.createExperiments([input]);
    return experiment;
  }

  /**
   * Creates many draft experiments in one transaction, e.g. one per student
   * of a class: all of them are written, or none.
   */
  async createExperiments(inputs: CreateExperimentInput[]): Promise<Experiment[]> {
    await this.requireReady();
    const templates = inputs.map((input) => this.#usableTemplate(input.template));
    const requests = inputs.map(({ template: _, ...input }, index) =>
      parseOrThrow(
        CreateExperimentRequest,
        this.#fillFromTemplate(input, templates[index]),
        "Cannot create experiment",
      )
    );
    const now = this.timestamp();
    const experiments = requests.map((input, index): Experiment => ({
      schemaVersion: RECORD_SCHEMA_VERSION,
      id: newId("experiment"),
      createdAt: now,
      updatedAt: now,
      createdBy: this.actor,
      title: input.title,
      purpose: input.purpose ?? "",
      owner: input.owner ?? this.actor,
      status: "draft",
      tags: [...new Set(input.tags ?? [])],
      ...(templates[index] ? { template: templates[index].template.key } : {}),
      jobIds: [],
      datasetIds: [],
    }));
    for (const experiment of experiments) this.store.validate("experiment", experiment);
    await this.mutate((tx) => {
      for (const [index, experiment] of experiments.entries()) {
        tx.create("experiment", experiment);
        const entry = templates[index];
        tx.audit(this.recordEvent("experiment.created", "experiment", experiment, {
          reason: requests[index].reason,
          details: {
            record: experiment,
            ...(entry
              ? {
                template: {
                  key: entry.template.key,
                  version: entry.template.version,
                  source: entry.source,
                },
              }
              : {}),
          },
        }));
      }
      return Promise.resolve();
    });
    return experiments;
  }

  /** Reads one experiment. */
  async getExperiment(id: string): Promise<Experiment> {
    await this.requireReady();
    return await this.store.get("experiment", id);
  }

  /** Lists experiments, newest first. */
  async listExperiments(filter: ExperimentFilter = {}): Promise<Page<Experiment>> {
    await this.requireReady();
    const status = filter.status === undefined ? undefined : parseStatus(filter.status);
    const limit = checkPaging("limit", filter.limit ?? 50, 1);
    const offset = checkPaging("offset", filter.offset ?? 0, 0);
    return await this.store.list("experiment", {
      limit,
      offset,
      where: status === undefined && filter.tag === undefined
        ? undefined
        : (experiment) =>
          (status === undefined || experiment.status === status) &&
          (filter.tag === undefined || experiment.tags.includes(filter.tag)),
    });
  }

  /**
   * Moves an experiment to another lifecycle state. The reason is required
   * and audited with the before and after values.
   */
  async transitionExperiment(
    id: string,
    request: { to?: unknown; reason?: unknown },
  ): Promise<Experiment> {
    await this.requireReady();
    const { to, reason } = parseOrThrow(TransitionRequest, request, "Invalid transition");
    const target = parseStatus(to, "to");
    const why = requireReason(reason);
    this.store.pathOf("experiment", id);
    return await this.mutate(async (tx) => {
      const before = await this.store.get("experiment", id);
      const allowed = EXPERIMENT_TRANSITIONS[before.status];
      if (!allowed.includes(target)) {
        throw new LabosError(
          "conflict",
          `Cannot move experiment ${quote(id)} from ${quote(before.status)} to ${quote(target)}: ${
            allowed.length === 0
              ? `${quote(before.status)} is final`
              : `allowed targets are ${allowed.map((s) => quote(s)).join(", ")}`
          }`,
        );
      }
      const after: Experiment = { ...before, status: target, updatedAt: this.timestamp() };
      tx.put("experiment", after);
      tx.audit(this.recordEvent("experiment.transitioned", "experiment", after, {
        reason: why,
        details: {
          from: before.status,
          to: target,
          before: { status: before.status, updatedAt: before.updatedAt },
          after: { status: after.status, updatedAt: after.updatedAt },
        },
      }));
      return after;
    });
  }

  /** Every experiment template, sorted by key. */
  listTemplates(): TemplateEntry[] {
    return this.templates.list();
  }

  /** One experiment template. */
  getTemplate(key: string): TemplateEntry {
    return this.templates.get(key);
  }

  /**
   * The planned runs of an experiment created from a template, and which are
   * done. A step is done when a succeeded job of the experiment is matched to
   * it: first a job whose input hash equals the step's default input hash,
   * then the oldest remaining job of the step's module, in step order.
   */
  async experimentPlan(id: string): Promise<ExperimentPlan> {
    await this.requireReady();
    const experiment = await this.store.get("experiment", id);
    if (!experiment.template) {
      throw new LabosError(
        "invalid",
        `Experiment ${
          quote(id)
        } has no plan: it was not created from a template (use experiments create --template)`,
      );
    }
    const { template } = this.templates.get(experiment.template);
    const jobs = await Promise.all(experiment.jobIds.map(async (jobId) => {
      const job = await this.store.get("job", jobId);
      const output = job.status === "succeeded" && job.outputDatasetId
        ? (await this.store.get("dataset", job.outputDatasetId)).output
        : undefined;
      return { ...job, output };
    }));
    return derivePlan(id, template, {
      jobs,
      defaultInputHashes: template.steps.map((step) => this.#defaultInputHash(step)),
    });
  }

  /**
   * Runs planned steps of a template experiment with their default inputs:
   * the named steps, or every pending one. `params` (`name=value`) override
   * the default input of a single step. Every input is validated before
   * anything runs; each run is recorded like {@linkcode Lab.run}.
   */
  async runPlan(
    id: string,
    options: { steps?: string[]; params?: string[] } = {},
  ): Promise<PlanRunResult> {
    const before = await this.experimentPlan(id);
    const { template } = this.templates.get(before.template.key);
    const wanted = options.steps?.length
      ? options.steps
      : before.steps.filter((step) => step.status === "pending").map((step) => step.id);
    if (options.params?.length && wanted.length !== 1) {
      throw new LabosError(
        "invalid",
        `"params" apply to one step: name exactly one step (--step), not ${wanted.length}`,
      );
    }
    const planned = [];
    for (const stepId of wanted) {
      const step = template.steps.find((candidate) => candidate.id === stepId);
      if (!step) {
        throw new LabosError(
          "invalid",
          `Unknown step ${quote(stepId)} in template ${quote(template.key)}: expected one of ${
            template.steps.map((candidate) => candidate.id).join(", ")
          }`,
        );
      }
      planned.push({
        step: step.id,
        plan: await planRun(this, {
          module: step.module,
          input: step.input,
          params: options.params,
          experimentId: id,
        }),
      });
    }
    const runs = [];
    for (const { step, plan } of planned) runs.push({ step, result: await commitRun(this, plan) });
    return { runs, plan: await this.experimentPlan(id) };
  }

  /** Every module, with its descriptor and JSON Schemas. */
  listModules(): ModuleInfo[] {
    return this.modules.list().map(moduleInfo);
  }

  /** One module's descriptor and JSON Schemas. */
  getModule(key: string): ModuleInfo {
    return moduleInfo(this.modules.get(key));
  }

  /**
   * Runs a module: validates the input (an invalid one writes nothing), runs
   * it, and records the job, its output dataset and the audit events. A
   * module failure is recorded as a failed job.
   */
  run(request: RunRequest): Promise<RunResult> {
    return runModule(this, parseOrThrow(RunRequestSchema, request, "Invalid run request"));
  }

  /** Runs one job per input, after validating every input. */
  runBatch(
    request: { module: string; inputs: Array<Record<string, unknown>>; experimentId?: string },
    options: { onProgress?: (progress: BatchProgress) => void } = {},
  ): Promise<RunResult[]> {
    return runBatch(this, request, options);
  }

  /** Runs a job's input again as a new job linked by `retryOf`. */
  retryJob(jobId: string): Promise<RunResult> {
    return retryJob(this, jobId);
  }

  /** Reruns a job and checks that the output is byte-identical. */
  checkRerun(jobId: string): Promise<RerunCheck> {
    return checkRerun(this, jobId);
  }

  /** The SVG plot of a succeeded job, or undefined when its module draws none. */
  async jobPlotSvg(jobId: string): Promise<string | undefined> {
    await this.requireReady();
    const spec = await plotJob(this, jobId);
    return spec ? renderPlotSvg(spec) : undefined;
  }

  /** Reads one job. */
  async getJob(id: string): Promise<Job> {
    await this.requireReady();
    return await this.store.get("job", id);
  }

  /** Lists jobs, newest first. */
  async listJobs(filter: JobFilter = {}): Promise<Page<Job>> {
    await this.requireReady();
    const status = filter.status;
    if (status !== undefined && !(JOB_STATUSES as readonly string[]).includes(status)) {
      throw new LabosError(
        "invalid",
        `Unknown job status ${quote(status)}: expected one of ${JOB_STATUSES.join(", ")}`,
      );
    }
    return await this.store.list("job", {
      limit: checkPaging("limit", filter.limit ?? 50, 1),
      offset: checkPaging("offset", filter.offset ?? 0, 0),
      where: (job) =>
        (status === undefined || job.status === status) &&
        (filter.module === undefined || job.module === filter.module) &&
        (filter.experimentId === undefined || job.experimentId === filter.experimentId),
    });
  }

  /** Reads one dataset. */
  async getDataset(id: string): Promise<Dataset> {
    await this.requireReady();
    return await this.store.get("dataset", id);
  }

  /** Lists datasets, newest first. */
  async listDatasets(filter: DatasetFilter = {}): Promise<Page<Dataset>> {
    await this.requireReady();
    const kind = filter.kind;
    if (kind !== undefined && kind !== "imported" && kind !== "module-output") {
      throw new LabosError(
        "invalid",
        `Unknown dataset kind ${quote(kind)}: expected one of imported, module-output`,
      );
    }
    return await this.store.list("dataset", {
      limit: checkPaging("limit", filter.limit ?? 50, 1),
      offset: checkPaging("offset", filter.offset ?? 0, 0),
      where: (dataset) =>
        (kind === undefined || dataset.kind === kind) &&
        (filter.experimentId === undefined || dataset.experimentId === filter.experimentId),
    });
  }

  /** Imports a CSV file as a dataset. */
  importCsv(request: ImportCsvRequest): Promise<Dataset> {
    return importCsv(this, request);
  }

  /** The provenance graph of a dataset, back to its source files. */
  datasetLineage(datasetId: string): Promise<LineageGraph> {
    return datasetLineage(this, datasetId);
  }

  /** Verifies the audit chain. */
  async verifyAudit(): Promise<VerifyResult> {
    await this.requireReady();
    const result = await this.audit.verify();
    if (!result.ok) return result;
    const foreign = await checkFolderIdentity(this);
    if (!foreign) return result;
    return {
      ok: false,
      events: foreign.seq - 1,
      seq: foreign.seq,
      kind: "forged",
      message: `seq ${foreign.seq}: ${foreign.message}`,
    };
  }

  /** The audit head, for an external witness. */
  async auditHead(): Promise<AuditHead> {
    await this.requireReady();
    return await this.audit.head();
  }

  /** Audit events, newest first. */
  async listAudit(filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    await this.requireReady();
    if (filter.since !== undefined && Number.isNaN(Date.parse(filter.since))) {
      throw new LabosError(
        "invalid",
        `Invalid "since" ${quote(filter.since)}: expected an ISO 8601 date or time`,
      );
    }
    checkPaging("limit", filter.limit ?? 50, 1, 1000);
    checkPaging("offset", filter.offset ?? 0, 0);
    const { events, hasMore } = await this.audit.list(filter);
    return { items: events, hasMore };
  }

  /** Writes a verifiable copy of the audit log. */
  async exportAudit(outFile: string): Promise<{ events: number; head: AuditHead }> {
    await this.requireReady();
    return await this.audit.exportTo(path.resolve(outFile));
  }

  /** Validates every record, every reference and the audit chain; repairs what can be repaired safely. */
  async doctor(options: { repair?: boolean } = {}): Promise<DoctorReport> {
    await this.requireReady();
    if (!options.repair) return await runDoctor(this, { repair: false });
    return await withLock(this.dataDir, () => runDoctor(this, { repair: true }));
  }

  /**
   * Upgrades the data folder from an older `schemaVersion`, step by step,
   * after a backup; `dryRun` writes nothing. See `labos migrate`.
   */
  migrate(options: MigrateOptions = {}): Promise<MigrateReport> {
    return migrateDataFolder(this, {
      manifestFile: MANIFEST_FILE,
      current: DATA_SCHEMA_VERSION,
      format: DATA_FORMAT,
      labosVersion: VERSION,
    }, options);
  }

  /**
   * Imports the records of a legacy (Python) LabOS root, the folder that
   * contains `data/`. See `labos migrate --from-legacy`.
   */
  async importLegacy(dir: string, options: LegacyImportOptions = {}): Promise<LegacyImportReport> {
    if (!options.dryRun) await this.init();
    else if (await fs.stat(path.join(this.dataDir, MANIFEST_FILE)).then(() => true, () => false)) {
      await this.requireReady();
    }
    return await importLegacy(this, dir, options);
  }

  /** Writes the whole data folder and a manifest of SHA-256 hashes to a zip archive. */
  exportArchive(outFile: string): Promise<ArchiveExport> {
    return exportArchive(this, outFile);
  }

  /** Restores an archive into this (empty or missing) data folder, after verifying it. */
  importArchive(file: string): Promise<ArchiveImport> {
    return importArchive(file, this.dataDir);
  }

  /** Reads the manifest and refuses folders that are missing, foreign or newer. */
  async requireReady(): Promise<DataManifest> {
    const manifest = await this.#readManifest();
    if (!manifest) {
      throw new LabosError(
        "invalid",
        `Data folder ${quote(this.dataDir)} is not initialised: run "labos init" first`,
      );
    }
    return manifest;
  }

  /**
   * Runs `fn` under the data folder lock, after replaying any interrupted
   * transaction, and commits what it scheduled.
   *
   * @ignore
   */
  async mutate<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return await withLock(this.dataDir, async () => {
      await recoverJournal(this.store, this.audit);
      const tx = new Transaction();
      const result = await fn(tx);
      await tx.commit(this.store, this.audit);
      return result;
    });
  }

  /**
   * Builds the audit event for a record change; the record hash lets doctor spot later edits.
   *
   * @ignore
   */
  recordEvent<K extends RecordType>(
    action: string,
    type: K,
    record: { id: string },
    options: { reason?: string | null; details?: Record<string, unknown> } = {},
  ): AuditEventInput {
    return {
      actor: this.actor,
      action,
      target: { type, id: record.id },
      reason: options.reason ?? null,
      details: { ...options.details, recordHash: hashJson(record) },
    };
  }

  #usableTemplate(key: string | undefined): TemplateEntry | undefined {
    if (key === undefined) return undefined;
    const entry = this.templates.get(key);
    for (const step of entry.template.steps) {
      const problem = `Cannot use template ${quote(key)}: step ${quote(step.id)}`;
      let registered;
      try {
        registered = this.modules.get(step.module);
      } catch {
        throw new LabosError(
          "invalid",
          `${problem} needs module ${
            quote(step.module)
          }, which is not available (disabled or not installed)`,
        );
      }
      try {
        prepareRun(registered, step.input);
      } catch (error) {
        throw new LabosError(
          "invalid",
          `${problem} has an invalid input: ${(error as Error).message}`,
        );
      }
    }
    return entry;
  }

  #fillFromTemplate(
    input: Omit<CreateExperimentInput, "template">,
    entry: TemplateEntry | undefined,
  ): Omit<CreateExperimentInput, "template"> {
    if (!entry) return input;
    const { template } = entry;
    return {
      ...input,
      title: input.title ??
        renderTitle(template.titlePattern, { date: this.#now(), actor: this.actor }),
      purpose: input.purpose ?? template.purpose,
      tags: [...template.tags, ...input.tags ?? []],
    };
  }

  #defaultInputHash(step: TemplateStep): string | null {
    try {
      return prepareRun(this.modules.get(step.module), step.input).inputHash;
    } catch {
      return null;
    }
  }

  async #readManifest(): Promise<DataManifest | undefined> {
    const file = path.join(this.dataDir, MANIFEST_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
    let manifest: Partial<DataManifest>;
    try {
      manifest = JSON.parse(text);
    } catch {
      throw new LabosError("invalid", `Cannot read ${file}: not valid JSON`);
    }
    if (manifest?.format !== DATA_FORMAT) {
      throw new LabosError(
        "invalid",
        `Cannot use ${quote(this.dataDir)}: ${file} is not a LabOS manifest ("format" is ${
          quote(manifest?.format)
        }, expected "${DATA_FORMAT}")`,
      );
    }
    if (manifest.schemaVersion !== DATA_SCHEMA_VERSION) {
      const newer = typeof manifest.schemaVersion === "number" &&
        manifest.schemaVersion > DATA_SCHEMA_VERSION;
      throw new LabosError(
        "invalid",
        `Cannot use ${quote(this.dataDir)}: "schemaVersion" is ${quote(manifest.schemaVersion)}, ${
          newer
            ? `newer than this LabOS ${VERSION} supports (${DATA_SCHEMA_VERSION}); upgrade LabOS`
            : `expected ${DATA_SCHEMA_VERSION}; run "labos migrate" to upgrade it`
        }`,
      );
    }
    return manifest as DataManifest;
  }
}

function parseStatus(value: string, field = "status"): ExperimentStatus {
  if ((EXPERIMENT_STATUSES as readonly string[]).includes(value)) return value as ExperimentStatus;
  const expected = EXPERIMENT_STATUSES.join(", ");
  throw new LabosError("invalid", `Unknown status ${quote(value)}: expected one of ${expected}`, {
    issues: [{
      path: field,
      message: `must be one of ${expected}: current value is ${quote(value)}`,
    }],
  });
}

function requireReason(reason: string | undefined): string {
  const trimmed = reason?.trim() ?? "";
  if (trimmed === "") {
    throw new LabosError(
      "invalid",
      `"reason" is required: say why, e.g. --reason "Samples ready"`,
      {
        issues: [{ path: "reason", message: "is required" }],
      },
    );
  }
  return trimmed;
}

function checkPaging(name: string, value: number, min: number, max = 10_000): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const expected = `a whole number from ${min} to ${max}`;
    throw new LabosError("invalid", `Invalid "${name}" ${quote(value)}: expected ${expected}`, {
      issues: [{ path: name, message: `must be ${expected}: current value is ${quote(value)}` }],
    });
  }
  return value;
}
