import type { AuditEvent, AuditFilter, AuditHead, VerifyResult } from "../audit/mod.ts";
import type {
  Attachment,
  Dataset,
  DatasetSummary,
  Experiment,
  Job,
  RecordOf,
} from "../records/mod.ts";
import {
  attach,
  type AttachmentBody,
  type AttachOptions,
  type AttachRequest,
  getAttachment,
  listAttachments,
  readAttachment,
} from "./_attachments.ts";
import { type AssigneeDirectory, type AssignInput, assignTemplate } from "./_assign.ts";
import type { LabModule } from "../modules/contract.ts";
import type { ModuleInfo, OutputField } from "../modules/registry.ts";
import type { LineageGraph } from "../plots/mod.ts";
import {
  DATA_FORMAT,
  DATA_SCHEMA_VERSION,
  type DataManifest,
  isPostgresUrl,
  newFolderId,
  type Page,
} from "../storage/mod.ts";
import type { ExperimentPlan, TemplateEntry } from "../templates/mod.ts";
import type {
  ArchiveExport,
  ArchiveImport,
  ImportArchiveOptions,
  LegacyImportOptions,
  LegacyImportReport,
  MigrateOptions,
  MigrateReport,
  StoreCopy,
} from "../exchange/mod.ts";
import type { ElnExport, ElnImport } from "../exchange/eln/mod.ts";
import { parseOrThrow } from "../validation.ts";
import { VERSION } from "../version.ts";
import { type DatasetLimits, type LabContext, requireReady, timestamp } from "./_context.ts";
import { verifyStorageAudit } from "./_verify_audit.ts";
import { collectJobs, type CollectRequest } from "./_collect.ts";
import { DEFAULT_DISPLAY, type DisplayOptions, type ShownValue } from "./_display.ts";
import {
  type DatasetFilter,
  datasetLineage,
  importCsv,
  type ImportCsvRequest,
  listDatasets,
} from "./_datasets.ts";
import type { DoctorReport } from "./_doctor.ts";
import type {
  DistributionRequest,
  Gradebook,
  GradebookDistribution,
  GradebookRequest,
} from "./_gradebook.ts";
import { checkPrincipal, type Principal, stampedStorage, unstamped } from "./_principal.ts";
import { postgresStorage, type StoreOptions } from "./_store.ts";
import { isManager, requireManager, requireStaff, scopedStorage, unscoped } from "./_scopes.ts";
import { LabosError, quote } from "../errors.ts";
import {
  addUser,
  type AddUserInput,
  authenticatePassword,
  authenticateToken,
  createSession,
  createToken,
  disableUser,
  endSession,
  getUser,
  hasUsers,
  listUsers,
  resolveSession,
  setPassword,
  type SigningKey,
  unlockSigningKey,
  type UserInfo,
} from "./_users.ts";
import {
  type CreateExperimentInput,
  createExperiments,
  editExperiment,
  type EditExperimentInput,
  type ExperimentFilter,
  experimentPlan,
  listExperiments,
  type PlanRunResult,
  runPlan,
  shareExperiment,
  type ShareExperimentInput,
  transitionExperiment,
} from "./_experiments.ts";
import {
  AuditFilterSchema,
  CollectRequestSchema,
  parseFilter,
  RunRequestSchema,
} from "./_requests.ts";
import {
  listSignatures,
  type SignatureListing,
  signRecord,
  type SignRequest,
} from "./_signatures.ts";
import {
  type BatchProgress,
  checkRerun,
  type JobFilter,
  listJobs,
  plotJob,
  type RerunCheck,
  retryJob,
  runBatch,
  runModule,
  type RunRequest,
  type RunResult,
  voidJob,
} from "./_runs.ts";

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
  counts: { experiments: number; datasets: number; jobs: number; users: number };
  /** The audit head. */
  auditHead: AuditHead;
}

// A batch shows many outputs of one module: its output fields are read once.
const OUTPUT_FIELDS = new WeakMap<LabModule, OutputField[]>();

/**
 * The LabOS service over one store: a thin facade that parses each request
 * once and delegates to one file per concept. Every write goes through a
 * storage transaction. Create it with `openLab`.
 */
export class Lab {
  /** Where the data is (the data folder). */
  readonly dataDir: string;
  /** Who is acting: `principal.actor`. */
  readonly actor: string;
  /** Who is acting, with the role and how the identity was established. */
  readonly principal: Principal;
  /** The size limits of an imported dataset (the panel's upload limit follows them). */
  readonly datasetLimits: Readonly<DatasetLimits>;
  /** How results are shown to people (`display` in `labos.jsonc`). */
  readonly display: DisplayOptions;
  /** The largest attached file, in bytes (the panel's and the API's upload limit follow it). */
  readonly attachmentMaxBytes: number;
  readonly #lab: LabContext;

  /** Wraps a context; use `openLab`, the composition root. */
  constructor(context: LabContext, options: { display?: DisplayOptions } = {}) {
    this.#lab = context;
    this.dataDir = context.storage.location;
    this.actor = context.actor;
    this.principal = context.principal;
    this.datasetLimits = context.datasetLimits;
    this.attachmentMaxBytes = context.attachmentMaxBytes;
    this.display = options.display ?? DEFAULT_DISPLAY;
  }

  /**
   * This lab acting as `principal`: every audit event written through it
   * records `principal.actor` as the actor and `principal.auth` as
   * `details.auth`, and it sees what the role's scope allows (a student:
   * their own and shared experiments, their jobs and datasets).
   */
  as(principal: Principal): Lab {
    const checked = checkPrincipal(principal);
    const context: LabContext = {
      ...this.#lab,
      storage: scopedStorage(stampedStorage(unscoped(this.#lab.storage), checked), checked),
      actor: checked.actor,
      principal: checked,
    };
    return new Lab(context, { display: this.display });
  }

  /**
   * Creates the data folder layout and manifest; a second run changes
   * nothing. A non-empty folder that is not a LabOS data folder is refused
   * unless `force`.
   */
  async init(options: { force?: boolean } = {}): Promise<InitResult> {
    const lab = this.#lab;
    const existing = await lab.storage.manifest();
    if (existing) return { dataDir: this.dataDir, created: false, manifest: existing };
    const manifest: DataManifest = {
      format: DATA_FORMAT,
      schemaVersion: DATA_SCHEMA_VERSION,
      createdAt: timestamp(lab),
      createdBy: lab.actor,
      labosVersion: VERSION,
      folderId: newFolderId(),
    };
    const result = await lab.storage.initialize(manifest, {
      actor: lab.actor,
      action: "data.initialized",
      target: { type: "data", id: "labos" },
      reason: null,
      details: { manifest },
    }, { force: options.force });
    return { dataDir: this.dataDir, ...result };
  }

  /** Counts, the audit head and the manifest. */
  async status(): Promise<LabStatus> {
    const { storage } = this.#lab;
    const manifest = await requireReady(this.#lab);
    const [experiments, datasets, jobs, users, auditHead] = await Promise.all([
      storage.count("experiment"),
      storage.count("dataset"),
      storage.count("job"),
      storage.count("user"),
      storage.auditHead(),
    ]);
    return {
      dataDir: this.dataDir,
      labosVersion: VERSION,
      manifest,
      counts: { experiments, datasets, jobs, users },
      auditHead,
    };
  }

  /** Creates a draft experiment. */
  async createExperiment(input: CreateExperimentInput): Promise<Experiment> {
    const [experiment] = await createExperiments(this.#lab, [input]);
    return experiment;
  }

  /**
   * Creates many draft experiments in one transaction, e.g. one per student
   * of a class: all of them are written, or none.
   */
  createExperiments(inputs: CreateExperimentInput[]): Promise<Experiment[]> {
    return createExperiments(this.#lab, inputs);
  }

  /** Reads one experiment. */
  getExperiment(id: string): Promise<Experiment> {
    return this.#get("experiment", id);
  }

  /** Lists experiments, newest first. */
  listExperiments(filter: ExperimentFilter = {}): Promise<Page<Experiment>> {
    return listExperiments(this.#lab, filter);
  }

  /**
   * Moves an experiment to another lifecycle state. The reason is required
   * and audited with the before and after values.
   */
  transitionExperiment(
    id: string,
    request: { to?: unknown; reason?: unknown },
  ): Promise<Experiment> {
    return transitionExperiment(this.#lab, id, request);
  }

  /**
   * Changes an experiment's title, purpose or tags (which replace the old
   * ones). The reason is required and audited with the changed fields
   * before and after.
   */
  editExperiment(id: string, request: EditExperimentInput | unknown): Promise<Experiment> {
    return editExperiment(this.#lab, id, request);
  }

  /**
   * Shares an experiment with other users (`with`), or stops sharing it
   * (`remove`): they see and change it, its jobs and its datasets like its
   * owner. Only the owner and staff may; the change is audited as
   * `experiment.shared`.
   */
  shareExperiment(id: string, request: ShareExperimentInput | unknown): Promise<Experiment> {
    return shareExperiment(this.#lab, id, {
      request,
      who: this.principal,
      isUser: (name) =>
        getUser(this.#lab, name).then(() => true, (error) => {
          if (error instanceof LabosError && error.kind === "not_found") return false;
          throw error;
        }),
    });
  }

  /**
   * Attaches a file to an experiment: a file on disk, or bytes (streamed)
   * with their file name. The bytes are stored once by their SHA-256; the
   * `attachment` record, the experiment's `attachmentIds` and the audit
   * event `attachment.added` are written in one transaction. Whoever may
   * edit the experiment may attach; a file larger than `attachments.maxBytes`
   * is refused and leaves nothing behind.
   */
  attach(
    experimentId: string,
    request: AttachRequest,
    options: AttachOptions = {},
  ): Promise<Attachment> {
    return attach(this.#lab, experimentId, { request, options });
  }

  /** An experiment's attachments, oldest first. */
  listAttachments(experimentId: string): Promise<Attachment[]> {
    return listAttachments(this.#lab, experimentId);
  }

  /** One attachment's record. */
  getAttachment(id: string): Promise<Attachment> {
    return getAttachment(this.#lab, id);
  }

  /** One attachment's record and its bytes, streamed. */
  readAttachment(id: string): Promise<AttachmentBody> {
    return readAttachment(this.#lab, id);
  }

  /** Every experiment template, sorted by key. */
  async listTemplates(): Promise<TemplateEntry[]> {
    return (await this.#lab.templates()).list();
  }

  /** One experiment template. */
  async getTemplate(key: string): Promise<TemplateEntry> {
    return (await this.#lab.templates()).get(key);
  }

  /**
   * Creates one draft experiment from a template for each name, owned by
   * that name, in one transaction. Once the lab has users, each name must
   * be an enabled student or TA (see `checkAssignees`). Only an instructor,
   * an admin or the CLI may assign.
   */
  async assign(templateKey: string, request: AssignInput): Promise<Experiment[]> {
    requireManager(this.principal, "assign labs");
    // The Lab is its own user directory once it has users (hasUsers, getUser).
    const directory = this as unknown as AssigneeDirectory;
    return await assignTemplate(this.#lab, templateKey, { request, directory });
  }

  /**
   * The planned runs of an experiment created from a template, and which are
   * done. A job bound to a step (`run --step`) counts for it; an unbound job
   * counts only when unambiguous (its input is the step's default input, or
   * exactly one open step runs its module), else it is listed as unmatched.
   * Voided jobs count for nothing. Checks of a run on the student's own data
   * use the template's grading tolerance.
   */
  experimentPlan(id: string): Promise<ExperimentPlan> {
    return experimentPlan(this.#lab, id);
  }

  /**
   * Runs planned steps of a template experiment with their default inputs:
   * the named steps, or every pending one. `params` (`name=value`) override
   * the default input of a single step. Every input is validated before
   * anything runs; each run is recorded like {@linkcode Lab.run}, bound to its step.
   */
  runPlan(
    id: string,
    options: { steps?: string[]; params?: string[] } = {},
  ): Promise<PlanRunResult> {
    return runPlan(this.#lab, id, options);
  }

  /**
   * The gradebook: per student (experiment owner) and assigned template, the
   * steps done (voided runs count for nothing), the checks within tolerance
   * and the sign-off. Staff and the local CLI only: a student gets `not_found`.
   */
  async gradebook(request: GradebookRequest = {}): Promise<Gradebook> {
    const { gradebook } = await import("./_gradebook.ts");
    return await gradebook(this.#lab, request);
  }

  /** The gradebook as CSV: a header row, then one row per student and template. */
  async gradebookCsv(request: GradebookRequest = {}): Promise<string> {
    const { gradebook, gradebookCsv } = await import("./_gradebook.ts");
    return gradebookCsv(await gradebook(this.#lab, request));
  }

  /**
   * The class distribution of one output of one template step, with the
   * template's accepted value and grading band, and its SVG plot.
   */
  async gradebookDistribution(request: DistributionRequest = {}): Promise<GradebookDistribution> {
    const { gradebookDistribution } = await import("./_gradebook.ts");
    return await gradebookDistribution(this.#lab, request);
  }

  /** Every module, with its descriptor and JSON Schemas. */
  async listModules(): Promise<ModuleInfo[]> {
    const { moduleInfo } = await import("../modules/registry.ts");
    return (await this.#lab.modules()).list().map(moduleInfo);
  }

  /**
   * A module output as people see it, with this lab's display settings:
   * numbers as text, uncertainties joined GUM-style, units after. The CLI
   * and the control panel both show this; the stored output is unchanged.
   * An unknown module (a plugin since removed) shows plain numbers.
   */
  async showOutput(module: string, output: unknown): Promise<ShownValue> {
    const { moduleInfo } = await import("../modules/registry.ts");
    const { showOutput } = await import("./_display.ts");
    const registry = await this.#lab.modules();
    const known = registry.list().find((entry) => entry.module.key === module);
    let fields = known ? OUTPUT_FIELDS.get(known.module) : [];
    if (known && fields === undefined) {
      fields = moduleInfo(known).outputs;
      OUTPUT_FIELDS.set(known.module, fields);
    }
    return await showOutput(output, { fields, display: this.display });
  }

  /** One module's descriptor and JSON Schemas. */
  async getModule(key: string): Promise<ModuleInfo> {
    const { moduleInfo } = await import("../modules/registry.ts");
    return moduleInfo((await this.#lab.modules()).get(key));
  }

  /**
   * Runs a module: validates the request (raw input, parsed here once) and
   * the module input (an invalid one writes nothing), runs it, and records
   * the job, its output dataset and the audit events. A module failure is
   * recorded as a failed job.
   */
  run(request: RunRequest | unknown): Promise<RunResult> {
    return runModule(this.#lab, parseOrThrow(RunRequestSchema(), request, "Invalid run request"));
  }

  /** Runs one job per input, after validating every input. */
  runBatch(
    request: { module: string; inputs: Array<Record<string, unknown>>; experimentId?: string },
    options: { onProgress?: (progress: BatchProgress) => void } = {},
  ): Promise<RunResult[]> {
    return runBatch(this.#lab, request, options);
  }

  /**
   * Voids a job: kept and shown struck through, it counts for no plan step
   * and no grade. The reason is required and audited.
   */
  voidJob(id: string, request: { reason?: string }): Promise<Job> {
    return voidJob(this.#lab, id, request);
  }

  /** Runs a job's input again as a new job linked by `retryOf`. */
  retryJob(jobId: string): Promise<RunResult> {
    return retryJob(this.#lab, jobId);
  }

  /** Reruns a job and checks that the output is byte-identical. */
  checkRerun(jobId: string): Promise<RerunCheck> {
    return checkRerun(this.#lab, jobId);
  }

  /** The SVG plot of a succeeded job, or undefined when its module draws none. */
  async jobPlotSvg(jobId: string): Promise<string | undefined> {
    await requireReady(this.#lab);
    const spec = await plotJob(this.#lab, jobId);
    if (!spec) return undefined;
    const { renderPlotSvg } = await import("../plots/mod.ts");
    return renderPlotSvg(spec);
  }

  /** Reads one job. */
  getJob(id: string): Promise<Job> {
    return this.#get("job", id);
  }

  /** Lists jobs, newest first. */
  listJobs(filter: JobFilter = {}): Promise<Page<Job>> {
    return listJobs(this.#lab, filter);
  }

  /** Reads one dataset. */
  getDataset(id: string): Promise<Dataset> {
    return this.#get("dataset", id);
  }

  /** Reads one dataset without its table's values, which are not read. */
  async getDatasetSummary(id: string): Promise<DatasetSummary> {
    await requireReady(this.#lab);
    return await this.#lab.storage.getSummary("dataset", id);
  }

  /** Lists datasets, newest first, without their tables' values. */
  listDatasets(filter: DatasetFilter = {}): Promise<Page<DatasetSummary>> {
    return listDatasets(this.#lab, filter);
  }

  /** Imports a CSV file as a dataset. */
  importCsv(request: ImportCsvRequest): Promise<Dataset> {
    return importCsv(this.#lab, request);
  }

  /**
   * Collects chosen fields of succeeded jobs into a table dataset: one row
   * per job, one column per field, the jobs' output datasets as parents.
   */
  async collectJobs(request: CollectRequest | unknown): Promise<Dataset> {
    return await collectJobs(
      this.#lab,
      parseOrThrow(CollectRequestSchema(), request, "Invalid collect request"),
    );
  }

  /** The provenance graph of a dataset, back to its source files. */
  datasetLineage(datasetId: string): Promise<LineageGraph> {
    return datasetLineage(this.#lab, datasetId);
  }

  /**
   * Signs a record (an experiment, dataset or job) as this lab's principal,
   * who must be a user: the password unlocks their Ed25519 key (name and
   * password, two components). The signature covers the canonical payload
   * (signer, display name, meaning, reason, time, record type and id, the
   * record's SHA-256 and the audit seq); it is stored as a `signature`
   * record and in its `signature.created` audit event. A student signs only
   * their own records; instructors, TAs and admins sign any.
   */
  sign(recordId: string, request: SignRequest | unknown): Promise<SignatureListing> {
    return signRecord(this.#lab, recordId, request);
  }

  /**
   * Every signature of a record, oldest first, each with `matches`: whether
   * the record still has the hash that was signed.
   */
  listSignatures(recordId: string): Promise<SignatureListing[]> {
    return listSignatures(this.#lab, recordId);
  }

  /**
   * Verifies the audit chain, that the log belongs to this data folder, and
   * every signature event against the public key published for its signer
   * by an earlier `user.key-created` event.
   */
  async verifyAudit(): Promise<VerifyResult> {
    return await verifyStorageAudit(this.#lab.storage);
  }

  /** The audit head, for an external witness. */
  async auditHead(): Promise<AuditHead> {
    await requireReady(this.#lab);
    return await this.#lab.storage.auditHead();
  }

  /** Audit events, newest first. */
  async listAudit(filter: AuditFilter = {}): Promise<Page<AuditEvent>> {
    await requireReady(this.#lab);
    return await this.#lab.storage.auditList(parseFilter(AuditFilterSchema(), filter));
  }

  /**
   * Writes a verifiable copy of the audit log and its head (`FILE.head.json`).
   * Refuses a path inside the data folder (symbolic links resolved) and an
   * existing file unless `force`.
   */
  async exportAudit(
    outFile: string,
    options: { force?: boolean } = {},
  ): Promise<{ events: number; head: AuditHead }> {
    requireStaff(this.principal, "export the audit log");
    await requireReady(this.#lab);
    const { checkOutputFile } = await import("../durable/files.ts");
    const check = { dataDir: this.dataDir, label: '"--out"', refuseExisting: true, ...options };
    const out = await checkOutputFile(outFile, check);
    await checkOutputFile(`${out}.head.json`, check);
    return await this.#lab.storage.exportAudit(out);
  }

  /** Validates every record, every reference and the audit chain; repairs what can be repaired safely. */
  async doctor(options: { repair?: boolean } = {}): Promise<DoctorReport> {
    if (options.repair) requireManager(this.principal, "repair the data folder");
    requireStaff(this.principal, "check the data folder");
    await requireReady(this.#lab);
    const { runDoctor } = await import("./_doctor.ts");
    return await runDoctor(this.#lab, { repair: options.repair === true });
  }

  /**
   * Upgrades the data folder from an older `schemaVersion`, step by step,
   * after a backup; `dryRun` writes nothing. See `labos migrate`.
   */
  async migrate(options: MigrateOptions = {}): Promise<MigrateReport> {
    requireManager(this.principal, "upgrade the data folder");
    const { migrateDataFolder } = await import("../exchange/migrate.ts");
    if (!isPostgresUrl(this.dataDir)) return await migrateDataFolder(this.#lab, options);
    // The tables first (idempotent), so that the records can be read at all.
    const store = unstamped(unscoped(this.#lab.storage));
    const storeSchema = options.dryRun ? undefined : await store.upgradeSchema?.();
    const report = await migrateDataFolder(this.#lab, options);
    return storeSchema ? { ...report, storeSchema } : report;
  }

  /**
   * Copies this lab (a data folder) into the empty PostgreSQL database of
   * `store`, keeping ids, seq and hashes: the chain is verified before and
   * after, and a second run finds the same chain head there and writes
   * nothing. See `labos migrate --to`.
   */
  async migrateTo(store: string, options: StoreOptions = {}): Promise<StoreCopy> {
    requireManager(this.principal, "migrate the data folder");
    await requireReady(this.#lab);
    const before = await this.verifyAudit();
    if (!before.ok) {
      throw new LabosError(
        "check_failed",
        `Cannot migrate ${
          quote(this.dataDir)
        }: the audit log does not verify (${before.kind} at seq ${before.seq}: ${before.message})`,
      );
    }
    const { copyStore } = await import("../exchange/archive.ts");
    const target = postgresStorage(store, { ...options, now: this.#lab.now });
    try {
      return await copyStore(this.#lab, target);
    } finally {
      await target.close();
    }
  }

  /**
   * Imports the records of a legacy (Python) LabOS root, the folder that
   * contains `data/`. See `labos migrate --from-legacy`.
   */
  async importLegacy(dir: string, options: LegacyImportOptions = {}): Promise<LegacyImportReport> {
    requireManager(this.principal, "import legacy data");
    if (!options.dryRun) await this.init();
    else if (await this.#lab.storage.rawManifest() !== undefined) await requireReady(this.#lab);
    const { importLegacy } = await import("../exchange/migrate.ts");
    return await importLegacy(this.#lab, dir, options);
  }

  /** Writes the whole data folder and a manifest of SHA-256 hashes to a zip archive. */
  async exportArchive(outFile: string): Promise<ArchiveExport> {
    requireStaff(this.principal, "export the data folder");
    const { exportArchive } = await import("../exchange/archive.ts");
    return await exportArchive(this.#lab, outFile);
  }

  /** Restores an archive into this (empty or missing) data folder, after verifying it. */
  async importArchive(file: string, options: ImportArchiveOptions = {}): Promise<ArchiveImport> {
    requireManager(this.principal, "restore an archive");
    const { importArchive } = await import("../exchange/archive.ts");
    return await importArchive(this.#lab.storage, file, options);
  }

  /**
   * Writes experiments (all the actor sees, or the given ones) as one `.eln`
   * file (ELN Consortium, RO-Crate 1.1): records, tables with units, module
   * outputs, plots, attachments, jobs, signatures and audit excerpts.
   */
  async exportEln(outFile: string, options: { experimentIds?: string[] } = {}): Promise<ElnExport> {
    await requireReady(this.#lab);
    const { exportEln } = await import("../exchange/eln/mod.ts");
    return await exportEln(this.#lab, outFile, {
      ...options,
      // A job whose module is gone has no plot: the export goes on without it.
      plotSvg: (jobId) => this.jobPlotSvg(jobId).catch(() => undefined),
    });
  }

  /**
   * Imports an `.eln` from any notebook: one experiment per experiment-like
   * dataset, its files attached, its CSV files as tables; the whole crate
   * is checked before anything is written.
   */
  async importEln(file: string): Promise<ElnImport> {
    await requireReady(this.#lab);
    const { importEln } = await import("../exchange/eln/mod.ts");
    return await importEln(this.#lab, file, {
      datasetLimits: this.#lab.datasetLimits,
      maxAttachmentBytes: this.#lab.attachmentMaxBytes,
    });
  }

  /**
   * Adds a user with a scrypt password verifier and an Ed25519 key pair; the
   * public key is published by the audit event `user.key-created`.
   */
  async addUser(input: AddUserInput): Promise<UserInfo> {
    requireManager(this.principal, "add users");
    return await addUser(this.#lab, input);
  }

  /** Every user, sorted by username; never a secret. */
  listUsers(): Promise<UserInfo[]> {
    return listUsers(this.#lab);
  }

  /** One user; `not_found` when there is none. */
  getUser(username: string): Promise<UserInfo> {
    return getUser(this.#lab, username);
  }

  /** Whether any user exists (with none, the server keeps its single-token mode). */
  hasUsers(): Promise<boolean> {
    return hasUsers(this.#lab);
  }

  /**
   * Sets a user's password and ends every session of the user. With
   * `currentPassword` the signing key is re-encrypted and kept; without it
   * (a reset) a new key pair is made and published.
   */
  async setPassword(
    username: string,
    password: string,
    options: { currentPassword?: string } = {},
  ): Promise<UserInfo> {
    if (username !== this.actor) {
      requireManager(this.principal, "set another user's password");
    } else if (options.currentPassword === undefined && !isManager(this.principal.role)) {
      throw new LabosError(
        "invalid",
        `Cannot change the password of ${quote(username)}: give the current password too`,
      );
    }
    return await setPassword(this.#lab, username, password, options);
  }

  /** Disables a user (audited with the reason): no login, token or session works afterwards. */
  async disableUser(username: string, request: { reason?: unknown }): Promise<UserInfo> {
    requireManager(this.principal, "disable users");
    return await disableUser(this.#lab, username, request);
  }

  /** Makes a personal API token (`labos_…`), returned once and stored only as its SHA-256. */
  async createToken(username: string): Promise<{ username: string; token: string }> {
    if (username !== this.actor) requireManager(this.principal, "make tokens for other users");
    return await createToken(this.#lab, username);
  }

  /**
   * Checks a username and password (`unauthorized` alike for a wrong name,
   * a wrong password or a disabled user; `locked` with `retryAfter` after
   * repeated failures).
   */
  authenticatePassword(username: string, password: string): Promise<UserInfo> {
    return authenticatePassword(this.#lab, username, password);
  }

  /** The enabled user holding a personal API token; `unauthorized` otherwise. */
  authenticateToken(token: string): Promise<UserInfo> {
    return authenticateToken(this.#lab, token);
  }

  /** Unlocks a user's Ed25519 signing key with the password, checked like a login. */
  unlockSigningKey(username: string, password: string): Promise<SigningKey> {
    return unlockSigningKey(this.#lab, username, password);
  }

  /** Starts a login session; the token is returned once and stored only as its SHA-256. */
  createSession(username: string): Promise<{ token: string; expiresAt: string }> {
    return createSession(this.#lab, username);
  }

  /** The user of a live session; `unauthorized` when expired, ended or revoked. */
  resolveSession(token: string): Promise<UserInfo> {
    return resolveSession(this.#lab, token);
  }

  /** Ends a session (logout). */
  endSession(token: string): Promise<void> {
    return endSession(this.#lab, token);
  }

  /**
   * Releases the store's connections (the PostgreSQL pool; nothing for a
   * data folder). Every `Lab` made by {@linkcode Lab.as} shares them, so
   * close the one `openLab` returned, once done. Idempotent.
   */
  async close(): Promise<void> {
    await this.#lab.storage.close();
  }

  /** Closes the lab at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #get<K extends "experiment" | "dataset" | "job">(
    type: K,
    id: string,
  ): Promise<RecordOf[K]> {
    await requireReady(this.#lab);
    return await this.#lab.storage.get(type, id);
  }
}
