import type { AuditEventInput } from "../audit/mod.ts";
import { LabosError, quote } from "../errors.ts";
import type { PlotSpec } from "../modules/contract.ts";
import { inputUnits, type RegisteredModule } from "../modules/registry.ts";
import {
  checkId,
  type Dataset,
  type Experiment,
  type InputConversion,
  type Job,
  type JobMapping,
  mib,
  newId,
  RECORD_SCHEMA_VERSION,
  validateRecord,
} from "../records/mod.ts";
import { executeRun, plotOf, type PreparedRun, prepareRun, type RunOutcome } from "../runs/mod.ts";
import { VERSION } from "../version.ts";
import { type LabContext, recordEvent, requireReady, timestamp } from "./_context.ts";
import { JobFilterSchema, parseFilter, requireReason, VoidJobRequest } from "./_requests.ts";
import { parseOrThrow } from "../validation.ts";
import { parseParams } from "./_params.ts";
import { jsonSchemaOf } from "../validation.ts";
import { convertMappedColumns, convertWrittenUnits } from "./_units.ts";
import {
  assembleInput,
  checkMapSpecs,
  formatMappedIssues,
  mapColumns,
  mappedIssues,
  parseMapSpec,
} from "./_mapping.ts";
import type { Page, StorageTransaction } from "../storage/mod.ts";

/** How to run a module: the input, and where else it comes from. */
export interface RunRequest {
  /** The module key, e.g. `thermo.calorimetry`. */
  module: string;
  /** The input object. */
  input?: Record<string, unknown>;
  /** `name=value` parameters, merged over `input`. */
  params?: string[];
  /** A table dataset (imported or collected) whose columns feed array inputs. */
  fromDataset?: string;
  /**
   * Mappings for `fromDataset`: `field=column` fills a list,
   * `field[].name=column` the field `name` of one object per row.
   */
  map?: string[];
  /** Leave out rows with a blank mapped cell, recording their CSV lines on the job. */
  skipBlankRows?: boolean;
  /** The experiment to link the job and its dataset to. */
  experimentId?: string;
  /**
   * The step of the experiment's template this run is for: the job counts
   * for that step of the plan. Needs `experimentId`; the module must be the step's.
   */
  step?: string;
}

/** The result of a run: the job, and on success its dataset and output. */
export interface RunResult {
  /** The job record. */
  job: Job;
  /** The output dataset, or null when the job failed. */
  dataset: Dataset | null;
  /** The module's output, or null when the job failed. */
  output: unknown;
}

/** The result of `jobs rerun --check`. */
export interface RerunCheck {
  /** The job that was rerun. */
  job: Job;
  /** True when the rerun gave byte-identical output. */
  matches: boolean;
  /** The job's recorded output hash. */
  expectedHash: string | null;
  /** The rerun's output hash, or null when it failed. */
  actualHash: string | null;
  /** Why it does not match, when it does not. */
  message: string;
}

interface PlannedRun {
  prepared: PreparedRun;
  experimentId: string | null;
  inputDatasetIds: string[];
  retryOf: string | null;
  conversions: InputConversion[];
  warnings: string[];
  mapping?: JobMapping;
  step?: string;
}

const RUNNABLE: ReadonlyArray<Experiment["status"]> = ["draft", "running"];

/** A failed job stores an input larger than this (canonical JSON) by hash and size only. */
const MAX_FAILED_INPUT_BYTES = 1024 * 1024;

/** Validates a run request without writing anything. */
export async function planRun(lab: LabContext, request: RunRequest): Promise<PlannedRun> {
  await requireReady(lab);
  const registered = (await lab.modules()).get(request.module);
  let raw: Record<string, unknown> = { ...request.input };
  const inputDatasetIds: string[] = [];
  const conversions: InputConversion[] = [];
  const warnings: string[] = [];
  let mapping: JobMapping | undefined;
  let explain: ((error: LabosError) => LabosError) | undefined;
  if (request.fromDataset !== undefined) {
    const dataset = await lab.storage.get("dataset", request.fromDataset);
    if (!dataset.table) {
      throw new LabosError(
        "invalid",
        `Cannot use dataset ${
          quote(dataset.id)
        } as input: it has no table (it is a ${dataset.kind} dataset); to feed module results to a module, collect them into a table first: ${
          dataset.provenance
            ? `labos datasets collect ${dataset.provenance.jobId} --field FIELD`
            : "labos datasets collect JOB_ID... --field FIELD"
        }`,
      );
    }
    if (!request.map || request.map.length === 0) {
      throw new LabosError(
        "invalid",
        `"--map" is required with "--from-dataset": map fields to columns, e.g. --map timesS=time_s`,
      );
    }
    const table = dataset.table;
    const specs = checkMapSpecs(
      request.map.map(parseMapSpec),
      jsonSchemaOf(registered.module.input),
    );
    const picked = mapColumns(table, specs, { skipBlankRows: request.skipBlankRows });
    const converted = await convertMappedColumns(picked.cells, { specs, columns: table.columns });
    const values = assembleInput(specs, converted.values);
    raw = { ...raw, ...values };
    conversions.push(...converted.conversions);
    warnings.push(...converted.warnings);
    inputDatasetIds.push(dataset.id);
    if (request.skipBlankRows) mapping = { skippedLines: picked.skippedLines };
    explain = (error) => {
      const issues = mappedIssues(error.issues, {
        specs,
        rows: picked.rows,
        table,
        values,
      });
      if (issues === undefined) return error;
      return new LabosError(
        "invalid",
        `Cannot run module ${quote(registered.module.key)}: ${formatMappedIssues(issues)}`,
        { issues },
      );
    };
  } else if (request.map && request.map.length > 0) {
    throw new LabosError("invalid", `"--map" needs "--from-dataset": say which dataset to read`);
  } else if (request.skipBlankRows) {
    throw new LabosError(
      "invalid",
      `"--skip-blank-rows" needs "--from-dataset" and "--map": it leaves out rows of a mapped table`,
    );
  }
  raw = {
    ...raw,
    ...parseParams(request.params ?? [], { schema: jsonSchemaOf(registered.module.input) }),
  };
  const written = await convertWrittenUnits(raw, inputUnits(registered.module));
  conversions.push(...written.conversions);
  let prepared: PreparedRun;
  try {
    prepared = prepareRun(registered, written.values);
  } catch (error) {
    if (explain && error instanceof LabosError && error.kind === "invalid") throw explain(error);
    throw error;
  }
  const experimentId = request.experimentId ?? null;
  if (request.step !== undefined && experimentId === null) {
    throw new LabosError(
      "invalid",
      `"step" needs "experimentId": name the experiment whose plan has step ${
        quote(request.step)
      } (--experiment)`,
      { issues: [{ path: "experimentId", message: 'is required with "step"' }] },
    );
  }
  if (experimentId !== null) {
    const experiment = await lab.storage.get("experiment", experimentId);
    checkRunnable(experiment);
    if (request.step !== undefined) {
      await checkStep(lab, experiment, { step: request.step, module: registered.module.key });
    }
  }
  return {
    prepared,
    experimentId,
    inputDatasetIds,
    retryOf: null,
    conversions,
    warnings,
    ...(mapping ? { mapping } : {}),
    ...(request.step === undefined ? {} : { step: request.step }),
  };
}

/** Refuses a step the experiment's template does not have, or whose module is another. */
async function checkStep(
  lab: LabContext,
  experiment: Experiment,
  options: { step: string; module: string },
): Promise<void> {
  const { step, module } = options;
  const refuse = (message: string) =>
    new LabosError("invalid", message, { issues: [{ path: "step", message }] });
  if (!experiment.template) {
    throw refuse(
      `Cannot run step ${quote(step)}: experiment ${
        quote(experiment.id)
      } has no plan (it was not created from a template)`,
    );
  }
  const { template } = (await lab.templates()).get(experiment.template);
  const found = template.steps.find((candidate) => candidate.id === step);
  if (!found) {
    throw refuse(
      `Unknown step ${quote(step)} in template ${quote(template.key)}: expected one of ${
        template.steps.map((candidate) => candidate.id).join(", ")
      }`,
    );
  }
  if (found.module !== module) {
    throw refuse(
      `Cannot run module ${quote(module)} for step ${quote(step)}: the step runs ${
        quote(found.module)
      }`,
    );
  }
}

function checkRunnable(experiment: Experiment): void {
  if (!RUNNABLE.includes(experiment.status)) {
    throw new LabosError(
      "conflict",
      `Cannot run in experiment ${quote(experiment.id)}: it is ${
        quote(experiment.status)
      }; only draft and running experiments take new jobs`,
    );
  }
}

/** Runs a planned job and commits the job, its dataset, the experiment links and the audit events. */
export async function commitRun(
  lab: LabContext,
  plan: PlannedRun,
  options: { onProgress?: (fraction: number, message?: string) => void } = {},
): Promise<RunResult> {
  const queuedAt = timestamp(lab);
  const outcome = await executeRun(plan.prepared, {
    now: () => new Date(timestamp(lab)),
    onProgress: options.onProgress,
  });
  return await lab.storage.transaction(async (tx) => {
    const experiment = plan.experimentId === null
      ? null
      : await lab.storage.get("experiment", plan.experimentId);
    if (experiment) checkRunnable(experiment);
    return recordRun(lab, tx, { plan, outcome, queuedAt, experiment });
  });
}

function recordRun(
  lab: LabContext,
  tx: StorageTransaction,
  context: {
    plan: PlannedRun;
    outcome: RunOutcome;
    queuedAt: string;
    experiment: Experiment | null;
  },
): RunResult {
  const { plan, outcome, queuedAt, experiment } = context;
  const { module, source } = plan.prepared.registered;
  const jobId = newId("job");
  const datasetId = outcome.status === "succeeded" ? newId("dataset") : null;
  // A failed job keeps a large input by hash and size only: it made nothing to trace back.
  const omitInput = outcome.status === "failed" &&
    plan.prepared.inputBytes > MAX_FAILED_INPUT_BYTES;
  const queued: Job = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: jobId,
    createdAt: queuedAt,
    updatedAt: queuedAt,
    createdBy: lab.actor,
    module: module.key,
    moduleVersion: module.version,
    moduleSource: source,
    status: "queued",
    input: omitInput ? null : plan.prepared.input,
    inputHash: plan.prepared.inputHash,
    ...(omitInput ? { inputOmitted: { bytes: plan.prepared.inputBytes } } : {}),
    experimentId: plan.experimentId,
    inputDatasetIds: plan.inputDatasetIds,
    outputDatasetId: null,
    outputHash: null,
    retryOf: plan.retryOf,
    labosVersion: VERSION,
    queuedAt,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    error: null,
    ...(plan.conversions.length > 0 ? { conversions: plan.conversions } : {}),
    ...(plan.warnings.length > 0 ? { warnings: plan.warnings } : {}),
    ...(plan.mapping ? { mapping: plan.mapping } : {}),
    ...(plan.step === undefined ? {} : { step: plan.step }),
  };
  const running: Job = {
    ...queued,
    status: "running",
    startedAt: outcome.startedAt,
    updatedAt: outcome.startedAt,
  };
  const finished: Job = {
    ...running,
    status: outcome.status,
    updatedAt: outcome.finishedAt,
    finishedAt: outcome.finishedAt,
    durationMs: outcome.durationMs,
    outputDatasetId: datasetId,
    outputHash: outcome.status === "succeeded" ? outcome.outputHash : null,
    error: outcome.status === "failed" ? outcome.error : null,
  };
  // Input warnings first, then the module's; only when there are some, so
  // that jobs without warnings keep their old shape.
  const warnings = [
    ...plan.warnings,
    ...(outcome.status === "succeeded" ? outcome.warnings : []),
  ];
  if (warnings.length > 0) finished.warnings = warnings;
  const moduleDetails = { module: module.key, moduleVersion: module.version, moduleSource: source };
  const events: AuditEventInput[] = [
    recordEvent(lab, "job.queued", {
      type: "job",
      record: queued,
      details: {
        ...moduleDetails,
        inputHash: queued.inputHash,
        retryOf: queued.retryOf,
        ...(plan.step === undefined ? {} : { step: plan.step }),
      },
    }),
    recordEvent(lab, "job.started", { type: "job", record: running, details: moduleDetails }),
  ];

  let dataset: Dataset | null = null;
  if (outcome.status === "succeeded" && datasetId) {
    dataset = {
      schemaVersion: RECORD_SCHEMA_VERSION,
      id: datasetId,
      createdAt: outcome.finishedAt,
      updatedAt: outcome.finishedAt,
      createdBy: lab.actor,
      title: `${module.title} (${jobId})`,
      kind: "module-output",
      experimentId: plan.experimentId,
      parentIds: plan.inputDatasetIds,
      provenance: {
        jobId,
        module: module.key,
        moduleVersion: module.version,
        moduleSource: source,
        inputHash: queued.inputHash,
        labosVersion: VERSION,
      },
      output: outcome.output,
      outputHash: outcome.outputHash,
    };
    events.push(
      recordEvent(lab, "job.succeeded", {
        type: "job",
        record: finished,
        details: {
          ...moduleDetails,
          outputHash: outcome.outputHash,
          durationMs: outcome.durationMs,
        },
      }),
      recordEvent(lab, "dataset.created", {
        type: "dataset",
        record: dataset,
        details: {
          kind: dataset.kind,
          jobId,
          parentIds: dataset.parentIds,
          outputHash: outcome.outputHash,
        },
      }),
    );
    tx.create("dataset", dataset);
  } else if (outcome.status === "failed") {
    events.push(
      recordEvent(lab, "job.failed", {
        type: "job",
        record: finished,
        details: { ...moduleDetails, error: outcome.error.message },
      }),
    );
  }
  tx.create("job", finished);

  if (experiment) {
    let updated: Experiment = {
      ...experiment,
      jobIds: [...experiment.jobIds, jobId],
      datasetIds: datasetId ? [...experiment.datasetIds, datasetId] : experiment.datasetIds,
      updatedAt: timestamp(lab),
    };
    if (experiment.status === "draft") {
      updated = { ...updated, status: "running" };
      events.push(
        recordEvent(lab, "experiment.transitioned", {
          type: "experiment",
          record: updated,
          reason: `Job ${jobId} started`,
          details: {
            from: "draft",
            to: "running",
            before: { status: experiment.status, updatedAt: experiment.updatedAt },
            after: { status: updated.status, updatedAt: updated.updatedAt },
          },
        }),
      );
    }
    events.push(
      recordEvent(lab, "experiment.linked", {
        type: "experiment",
        record: updated,
        details: {
          jobId,
          datasetId,
          before: { jobIds: experiment.jobIds, datasetIds: experiment.datasetIds },
          after: { jobIds: updated.jobIds, datasetIds: updated.datasetIds },
        },
      }),
    );
    tx.put("experiment", updated);
  }
  for (const event of events) tx.audit(event);
  return {
    job: finished,
    dataset,
    output: outcome.status === "succeeded" ? outcome.output : null,
  };
}

/** Runs a module once: validate, run, record. */
export async function runModule(lab: LabContext, request: RunRequest): Promise<RunResult> {
  return await commitRun(lab, await planRun(lab, request));
}

/** Runs a failed (or any) job again as a new job linked by `retryOf`. */
export async function retryJob(lab: LabContext, jobId: string): Promise<RunResult> {
  await requireReady(lab);
  const job = await lab.storage.get("job", jobId);
  if (job.inputOmitted) {
    throw new LabosError(
      "conflict",
      `Cannot retry job ${quote(job.id)}: it failed, so its ${
        mib(job.inputOmitted.bytes)
      } input was kept only by hash (sha256 ${job.inputHash}); run the module again with that input`,
    );
  }
  const registered = (await lab.modules()).get(job.module);
  const prepared = prepareRun(registered, job.input, { recorded: true });
  if (job.experimentId) checkRunnable(await lab.storage.get("experiment", job.experimentId));
  return await commitRun(lab, {
    prepared,
    experimentId: job.experimentId,
    inputDatasetIds: job.inputDatasetIds,
    retryOf: job.id,
    conversions: job.conversions ?? [],
    ...(job.mapping ? { mapping: job.mapping } : {}),
    ...(job.step === undefined ? {} : { step: job.step }),
    // The input was converted when the job was planned; its warnings stay on that job.
    warnings: [],
  });
}

/** Reruns a job's stored input and compares the output hash, recording the check in the audit log. */
export async function checkRerun(lab: LabContext, jobId: string): Promise<RerunCheck> {
  await requireReady(lab);
  const job = await lab.storage.get("job", jobId);
  const registered = (await lab.modules()).get(job.module);
  let check: RerunCheck;
  if (job.status !== "succeeded") {
    throw new LabosError(
      "conflict",
      `Cannot check job ${quote(job.id)}: it is ${
        quote(job.status)
      }; only succeeded jobs have an output to compare`,
    );
  }
  if (registered.module.version !== job.moduleVersion) {
    check = {
      job,
      matches: false,
      expectedHash: job.outputHash,
      actualHash: null,
      message: `Module ${
        quote(job.module)
      } is now version ${registered.module.version}; the job used ${job.moduleVersion}`,
    };
  } else {
    const outcome = await executeRun(prepareRun(registered, job.input, { recorded: true }));
    const actualHash = outcome.status === "succeeded" ? outcome.outputHash : null;
    const matches = actualHash !== null && actualHash === job.outputHash;
    check = {
      job,
      matches,
      expectedHash: job.outputHash,
      actualHash,
      message: matches
        ? `Output is byte-identical (sha256 ${actualHash})`
        : outcome.status === "failed"
        ? `The rerun failed: ${outcome.error.message}`
        : `Output differs: expected sha256 ${job.outputHash}, got ${actualHash}`,
    };
  }
  await lab.storage.transaction((tx) => {
    tx.audit({
      actor: lab.actor,
      action: "job.rerun-checked",
      target: { type: "job", id: job.id },
      reason: null,
      details: {
        matches: check.matches,
        expectedHash: check.expectedHash,
        actualHash: check.actualHash,
        moduleVersion: registered.module.version,
      },
    });
    return Promise.resolve();
  });
  return check;
}

/** Progress of a batch run, reported after each job. */
export interface BatchProgress {
  /** How many jobs are done. */
  done: number;
  /** How many there are. */
  total: number;
  /** The job just finished. */
  job: Job;
}

/**
 * Runs one job per input. Every input is validated first, so a bad line
 * stops the batch before anything is written; the error names the line.
 */
export async function runBatch(
  lab: LabContext,
  request: { module: string; inputs: Array<Record<string, unknown>>; experimentId?: string },
  options: { onProgress?: (progress: BatchProgress) => void } = {},
): Promise<RunResult[]> {
  const plans: PlannedRun[] = [];
  for (const [index, input] of request.inputs.entries()) {
    try {
      plans.push(
        await planRun(lab, {
          module: request.module,
          input,
          experimentId: request.experimentId,
        }),
      );
    } catch (error) {
      if (error instanceof LabosError && error.kind === "invalid") {
        throw new LabosError("invalid", `Batch line ${index + 1}: ${error.message}`, {
          issues: error.issues.map((issue) => ({ ...issue, path: `${index + 1}.${issue.path}` })),
        });
      }
      throw error;
    }
  }
  const results: RunResult[] = [];
  for (const plan of plans) {
    const result = await commitRun(lab, plan);
    results.push(result);
    options.onProgress?.({ done: results.length, total: plans.length, job: result.job });
  }
  return results;
}

/** The plot of a succeeded job, or undefined when the module draws none. */
export async function plotJob(lab: LabContext, jobId: string): Promise<PlotSpec | undefined> {
  const job = await lab.storage.get("job", jobId);
  if (job.status !== "succeeded" || !job.outputDatasetId) return undefined;
  const dataset = await lab.storage.get("dataset", job.outputDatasetId);
  const registered: RegisteredModule = (await lab.modules()).get(job.module);
  return plotOf(registered, job.input, dataset.output);
}

/** Filters for `Lab.listJobs`. */
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

/** Lists jobs, newest first. */
export async function listJobs(lab: LabContext, filter: JobFilter): Promise<Page<Job>> {
  await requireReady(lab);
  const { status, module, experimentId, limit, offset } = parseFilter(JobFilterSchema(), filter);
  return await lab.storage.list("job", {
    limit: limit as number | undefined,
    offset: offset as number | undefined,
    where: (job) =>
      (status === undefined || job.status === status) &&
      (module === undefined || job.module === module) &&
      (experimentId === undefined || job.experimentId === experimentId),
  });
}

/**
 * Voids a job: it stays, shown struck through, but counts for no plan step
 * and no grade. The reason is required and audited (`job.voided`).
 */
export async function voidJob(lab: LabContext, id: string, request: unknown): Promise<Job> {
  await requireReady(lab);
  const { reason } = parseOrThrow(VoidJobRequest(), request ?? {}, "Invalid void request");
  const why = requireReason(reason);
  checkId("job", id);
  return await lab.storage.transaction(async (tx) => {
    const before = await tx.get("job", id);
    if (before.voided) {
      throw new LabosError(
        "conflict",
        `Job ${quote(id)} is already voided: ${
          quote(before.voided.reason)
        } (by ${before.voided.by})`,
      );
    }
    const at = timestamp(lab);
    const after: Job = { ...before, voided: { at, by: lab.actor, reason: why }, updatedAt: at };
    validateRecord("job", after);
    tx.put("job", after);
    tx.audit(recordEvent(lab, "job.voided", {
      type: "job",
      record: after,
      reason: why,
      details: {
        experimentId: after.experimentId,
        ...(after.step === undefined ? {} : { step: after.step }),
        before: { updatedAt: before.updatedAt },
        after: { voided: after.voided, updatedAt: at },
      },
    }));
    return after;
  });
}
