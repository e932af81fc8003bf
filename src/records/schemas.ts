import * as z from "zod";
import type { Schema } from "../modules/contract.ts";
import { ID_PATTERN } from "./ids.ts";

/** The record schema version written by this release. */
export const RECORD_SCHEMA_VERSION = 1;

const timestamp = z.iso.datetime({ offset: false, precision: 3 }).describe(
  "RFC 3339 UTC timestamp with milliseconds",
);

function idOf(prefix: "exp" | "ds" | "job"): z.ZodString {
  return z.string().regex(new RegExp(`^${prefix}_`), `must start with "${prefix}_"`).regex(
    ID_PATTERN,
    "must be a LabOS id",
  );
}

/** Experiment id schema (`exp_…`). */
export const ExperimentId: z.ZodString = idOf("exp");
/** Dataset id schema (`ds_…`). */
export const DatasetId: z.ZodString = idOf("ds");
/** Job id schema (`job_…`). */
export const JobId: z.ZodString = idOf("job");

const base = {
  schemaVersion: z.literal(RECORD_SCHEMA_VERSION),
  createdAt: timestamp,
  updatedAt: timestamp,
  createdBy: z.string().min(1).max(200),
  legacyId: z.string().min(1).max(200).optional(),
  legacy: z.record(z.string(), z.unknown()).optional(),
};

/** An experiment lifecycle state. */
export type ExperimentStatus = "draft" | "running" | "completed" | "failed" | "archived";

/** The experiment lifecycle states. */
export const EXPERIMENT_STATUSES: readonly ["draft", "running", "completed", "failed", "archived"] =
  [
    "draft",
    "running",
    "completed",
    "failed",
    "archived",
  ];

/** The allowed lifecycle transitions, from each state to its targets. */
export const EXPERIMENT_TRANSITIONS: Readonly<
  Record<ExperimentStatus, readonly ExperimentStatus[]>
> = {
  draft: ["running", "archived"],
  running: ["completed", "failed", "archived"],
  completed: ["archived"],
  failed: ["draft", "archived"],
  archived: [],
};

const tag = z.string().min(1).max(64).regex(
  /^[\p{L}\p{N}][\p{L}\p{N}._:-]*$/u,
  'must hold only letters, digits, ".", "_", ":" and "-", starting with a letter or digit',
);

/** Fields every record carries. */
export interface RecordBase {
  /** The record schema version, {@linkcode RECORD_SCHEMA_VERSION}. */
  schemaVersion: 1;
  /** Time-sortable, type-prefixed id. */
  id: string;
  /** When the record was created (RFC 3339 UTC, milliseconds). */
  createdAt: string;
  /** When it last changed. */
  updatedAt: string;
  /** The actor who created it. */
  createdBy: string;
  /** The record's id in the earlier (Python) LabOS it was imported from. */
  legacyId?: string;
  /** What the import could not map: original values and unknown fields (see the README). */
  legacy?: Record<string, unknown>;
}

/** An experiment record. */
export interface Experiment extends RecordBase {
  /** A short title. */
  title: string;
  /** What the experiment sets out to show. */
  purpose: string;
  /** Who is responsible. */
  owner: string;
  /** Its lifecycle state. */
  status: ExperimentStatus;
  /** Free-form tags. */
  tags: string[];
  /** The template it was created from. */
  template?: string;
  /** Its jobs, oldest first. */
  jobIds: string[];
  /** Its datasets, oldest first. */
  datasetIds: string[];
}

const experimentObject = z.strictObject({
  ...base,
  id: ExperimentId,
  title: z.string().trim().min(1).max(200),
  purpose: z.string().max(5000),
  owner: z.string().min(1).max(200),
  status: z.enum(EXPERIMENT_STATUSES),
  tags: z.array(tag).max(50),
  template: z.string().min(1).max(200).optional(),
  jobIds: z.array(JobId),
  datasetIds: z.array(DatasetId),
});

/** Schema of an experiment record. */
export const ExperimentSchema: Schema<Experiment> = experimentObject;

/** Where an imported dataset came from. */
const SourceFileSchema = z.strictObject({
  fileName: z.string().min(1),
  sizeBytes: z.int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/** A column of an imported table. */
const ColumnSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(["number", "integer", "boolean", "date", "string"]),
  unit: z.string().min(1).optional(),
});

/** A column of an imported table. */
export interface DatasetColumn {
  /** The header. */
  name: string;
  /** The inferred type. */
  type: "number" | "integer" | "boolean" | "date" | "string";
  /** The unit, when given. */
  unit?: string;
}

/** A dataset record: an imported table or a module output. */
export interface Dataset extends RecordBase {
  /** A short title. */
  title: string;
  /** Where the data came from. */
  kind: "imported" | "module-output";
  /** The experiment it belongs to. */
  experimentId: string | null;
  /** The datasets it was computed from. */
  parentIds: string[];
  /** The imported file: name, size and SHA-256. */
  source?: { fileName: string; sizeBytes: number; sha256: string };
  /** The imported table. */
  table?: {
    columns: DatasetColumn[];
    rows: Array<Record<string, number | boolean | string | null>>;
    delimiter: string;
  };
  /** How a module output was made. */
  provenance?: {
    jobId: string;
    module: string;
    moduleVersion: string;
    moduleSource: string;
    inputHash: string;
    labosVersion: string;
  };
  /** The module output. */
  output?: unknown;
  /** SHA-256 of the output's canonical JSON. */
  outputHash?: string;
}

const datasetObject = z.strictObject({
  ...base,
  id: DatasetId,
  title: z.string().min(1).max(200),
  kind: z.enum(["imported", "module-output"]),
  experimentId: ExperimentId.nullable(),
  parentIds: z.array(DatasetId),
  source: SourceFileSchema.optional(),
  table: z.strictObject({
    columns: z.array(ColumnSchema),
    rows: z.array(z.record(z.string(), z.union([z.number(), z.boolean(), z.string(), z.null()]))),
    delimiter: z.string(),
  }).optional(),
  provenance: z.strictObject({
    jobId: JobId,
    module: z.string().min(1),
    moduleVersion: z.string().min(1),
    moduleSource: z.string().min(1),
    inputHash: z.string().regex(/^[0-9a-f]{64}$/),
    labosVersion: z.string().min(1),
  }).optional(),
  output: z.unknown().optional(),
  outputHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

/**
 * zod rebuilds a record's object with plain assignment, which drops a key
 * named `__proto__`; a table's rows are keyed by column names, which may be
 * anything, so the validated dataset keeps the rows it was given, as own
 * properties.
 */
function keepRows(value: unknown, dataset: Dataset): Dataset {
  const rows = (value as { table?: { rows?: unknown } }).table?.rows;
  if (dataset.table && Array.isArray(rows)) {
    dataset.table.rows = rows.map((row: Record<string, Cell>) =>
      Object.fromEntries(Object.entries(row))
    );
  }
  return dataset;
}

type Cell = number | boolean | string | null;

/** Schema of a dataset record. Column names such as `__proto__` survive validation. */
export const DatasetSchema: Schema<Dataset> = {
  parse: (value) => keepRows(value, datasetObject.parse(value)),
  safeParse(value) {
    const result = datasetObject.safeParse(value);
    return result.success ? { success: true, data: keepRows(value, result.data) } : result;
  },
};

/** A job state. */
export type JobStatus = "queued" | "running" | "succeeded" | "failed";

/** The job states. */
export const JOB_STATUSES: readonly ["queued", "running", "succeeded", "failed"] = [
  "queued",
  "running",
  "succeeded",
  "failed",
];

/** A job record: one module run. */
export interface Job extends RecordBase {
  /** The module key. */
  module: string;
  /** The module version that ran. */
  moduleVersion: string;
  /** `builtin`, or the plugin that provided the module. */
  moduleSource: string;
  /** Its state. */
  status: JobStatus;
  /** The validated input. */
  input: unknown;
  /** SHA-256 of the input's canonical JSON. */
  inputHash: string;
  /** The experiment it belongs to. */
  experimentId: string | null;
  /** The datasets its input came from. */
  inputDatasetIds: string[];
  /** The output dataset, on success. */
  outputDatasetId: string | null;
  /** SHA-256 of the output's canonical JSON, on success. */
  outputHash: string | null;
  /** The job this one retries. */
  retryOf: string | null;
  /** The LabOS version that ran it. */
  labosVersion: string;
  /** When it was queued. */
  queuedAt: string;
  /** When it started. */
  startedAt: string | null;
  /** When it ended. */
  finishedAt: string | null;
  /** How long the computation took, in ms. */
  durationMs: number | null;
  /**
   * Set when the input is not stored inline (a failed job's input larger
   * than 1 MiB): `input` is then null, and `inputHash` and `bytes` (of its
   * canonical JSON) identify it.
   */
  inputOmitted?: { bytes: number };
  /**
   * Why it failed: a one-line `message`, the `detail` (the rest of a
   * multi-line message, a plugin's stderr; at most 8 KiB), and a `stack`
   * trace only when run with `LABOS_DEBUG=1`.
   */
  error: { message: string; detail?: string; stack?: string } | null;
}

const jobObject = z.strictObject({
  ...base,
  id: JobId,
  module: z.string().min(1),
  moduleVersion: z.string().min(1),
  moduleSource: z.string().min(1),
  status: z.enum(JOB_STATUSES),
  input: z.unknown(),
  inputHash: z.string().regex(/^[0-9a-f]{64}$/),
  experimentId: ExperimentId.nullable(),
  inputDatasetIds: z.array(DatasetId),
  outputDatasetId: DatasetId.nullable(),
  outputHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  retryOf: JobId.nullable(),
  labosVersion: z.string().min(1),
  queuedAt: timestamp,
  startedAt: timestamp.nullable(),
  finishedAt: timestamp.nullable(),
  durationMs: z.number().nonnegative().nullable(),
  inputOmitted: z.strictObject({ bytes: z.int().nonnegative() }).optional(),
  error: z.strictObject({
    message: z.string(),
    detail: z.string().optional(),
    stack: z.string().optional(),
  }).nullable(),
});

/** Schema of a job record. */
export const JobSchema: Schema<Job> = jobObject;

// Compile-time proof that the hand-written interfaces match the schemas.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchInterfaces: [
  Same<z.infer<typeof experimentObject>, Experiment>,
  Same<z.infer<typeof datasetObject>, Dataset>,
  Same<z.infer<typeof jobObject>, Job>,
] = [true, true, true];
void schemasMatchInterfaces;

/** A record type name. */
export type RecordType = "experiment" | "dataset" | "job";

/** The schema of each record type. */
export const RECORD_SCHEMAS: {
  readonly experiment: Schema<Experiment>;
  readonly dataset: Schema<Dataset>;
  readonly job: Schema<Job>;
} = {
  experiment: ExperimentSchema,
  dataset: DatasetSchema,
  job: JobSchema,
};

/** The zod schemas behind {@linkcode RECORD_SCHEMAS}, for JSON Schema generation. */
export const RECORD_ZOD_SCHEMAS: Readonly<Record<RecordType, z.ZodType>> = {
  experiment: experimentObject,
  dataset: datasetObject,
  job: jobObject,
};

/**
 * Validates a record as read from storage, with the record type's zod
 * schema (`jitless` spares compiling it when few records are read) and, for
 * a dataset, its rows kept as given, so that a column such as `__proto__`
 * survives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeParseRecord } from "./schemas.ts";
 * assert.equal(safeParseRecord("job", {}, { jitless: true }).success, false);
 * ```
 */
export function safeParseRecord<K extends RecordType>(
  type: K,
  value: unknown,
  options: { jitless?: boolean } = {},
): { success: true; data: RecordOf[K] } | { success: false; error: z.ZodError } {
  const result = RECORD_ZOD_SCHEMAS[type].safeParse(
    value,
    options.jitless ? { jitless: true } : undefined,
  );
  if (!result.success) return { success: false, error: result.error };
  const data = type === "dataset" ? keepRows(value, result.data as Dataset) : result.data;
  return { success: true, data: data as RecordOf[K] };
}

/** The record shape for each record type. */
export interface RecordOf {
  /** An experiment. */
  experiment: Experiment;
  /** A dataset. */
  dataset: Dataset;
  /** A job. */
  job: Job;
}

/** The folder of each record type inside the data folder. */
export const RECORD_FOLDERS: Readonly<Record<RecordType, string>> = {
  experiment: "experiments",
  dataset: "datasets",
  job: "jobs",
};
