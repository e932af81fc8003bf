import * as z from "zod";
import type { Schema } from "../modules/contract.ts";
import { lazy } from "../validation.ts";
import { ID_PATTERN } from "./ids.ts";

/** The record schema version written by this release. */
export const RECORD_SCHEMA_VERSION = 2;

// Every schema is built on first use (see lazy): a command validates one or two record types.
const timestamp = lazy(() =>
  z.iso.datetime({ offset: false, precision: 3 }).describe(
    "RFC 3339 UTC timestamp with milliseconds",
  )
);

function idOf(prefix: "exp" | "ds" | "job" | "usr" | "ses" | "sig" | "att"): z.ZodString {
  return z.string().regex(new RegExp(`^${prefix}_`), `must start with "${prefix}_"`).regex(
    ID_PATTERN,
    "must be a LabOS id",
  );
}

const ids = lazy(() => ({
  experiment: idOf("exp"),
  dataset: idOf("ds"),
  job: idOf("job"),
  signature: idOf("sig"),
  user: idOf("usr"),
  session: idOf("ses"),
  attachment: idOf("att"),
}));

const base = lazy(() => ({
  schemaVersion: z.literal(RECORD_SCHEMA_VERSION),
  createdAt: timestamp(),
  updatedAt: timestamp(),
  createdBy: z.string().min(1).max(200),
  legacyId: z.string().min(1).max(200).optional(),
  legacy: z.record(z.string(), z.unknown()).optional(),
}));

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

const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._:-]*$/u;

const tag = lazy(() =>
  z.string().min(1).max(64).regex(
    TAG_PATTERN,
    'must hold only letters, digits, ".", "_", ":" and "-", starting with a letter or digit',
  )
);

/** Fields every record carries. */
export interface RecordBase {
  /** The record schema version, {@linkcode RECORD_SCHEMA_VERSION}. */
  schemaVersion: 2;
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
  /** Who is responsible: a username for an experiment assigned to or made by a user. */
  owner: string;
  /** The usernames it is shared with: they see and change it like its owner. */
  sharedWith?: string[];
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
  /** Its attached files, oldest first. */
  attachmentIds?: string[];
  /** Where it came from, when imported from another notebook. */
  source?: ExperimentSource;
}

/** Where an imported experiment came from: an `.eln` file (ELN Consortium, RO-Crate). */
export interface ExperimentSource {
  /** The exchange format. */
  format: "eln";
  /** Lowercase hex SHA-256 of the imported file. */
  fileSha256: string;
  /** The crate's `sdPublisher`, when given. */
  publisher?: string;
  /** The experiment's `@id` in the crate. */
  originalId: string;
  /** Its authors' names. */
  authors?: string[];
  /** Its `dateCreated` in the crate. */
  dateCreated?: string;
  /** Its `dateModified` in the crate. */
  dateModified?: string;
}

const sha256Hex = lazy(() => z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256"));

const experimentSourceObject = lazy(() =>
  z.strictObject({
    format: z.literal("eln"),
    fileSha256: sha256Hex(),
    publisher: z.string().min(1).max(500).optional(),
    originalId: z.string().min(1).max(2000),
    authors: z.array(z.string().min(1).max(500)).max(1000).optional(),
    dateCreated: z.string().min(1).max(100).optional(),
    dateModified: z.string().min(1).max(100).optional(),
  })
);

const experimentObject = lazy(() =>
  z.strictObject({
    ...base(),
    id: ids().experiment,
    title: z.string().trim().min(1).max(200),
    purpose: z.string().max(5000),
    owner: z.string().min(1).max(200),
    sharedWith: z.array(z.string().regex(USERNAME_PATTERN, "must be a username")).max(
      200,
    ).optional(),
    status: z.enum(EXPERIMENT_STATUSES),
    tags: z.array(tag()).max(50),
    template: z.string().min(1).max(200).optional(),
    jobIds: z.array(ids().job),
    datasetIds: z.array(ids().dataset),
    attachmentIds: z.array(ids().attachment).optional(),
    source: experimentSourceObject().optional(),
  })
);

// The days of each month; February's 29th is checked apart.
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * What zod's `z.iso.datetime({ offset: false, precision: 3 })` accepts,
 * `YYYY-MM-DDTHH:MM:SS.sssZ` with a real date, checked without its pattern,
 * which costs more to compile than a listing spends checking.
 */
function isTimestamp(value: unknown): boolean {
  if (typeof value !== "string" || value.length !== 24) return false;
  for (let i = 0; i < 23; i++) {
    const code = value.charCodeAt(i);
    const separator = TIMESTAMP_SEPARATORS[i];
    if (separator === undefined ? code < 48 || code > 57 : code !== separator) return false;
  }
  if (value.charCodeAt(23) !== 90) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= MONTH_DAYS[month - 1] &&
    (month !== 2 || day < 29 || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) &&
    Number(value.slice(11, 13)) <= 23 && Number(value.slice(14, 16)) <= 59 &&
    Number(value.slice(17, 19)) <= 59;
}

// The separators of a timestamp by position ("-", "-", "T", ":", ":", "."); digits elsewhere.
const TIMESTAMP_SEPARATORS: Readonly<Record<number, number>> = {
  4: 45,
  7: 45,
  10: 84,
  13: 58,
  16: 58,
  19: 46,
};

// The fields of experimentObject in its order, which is the order zod writes them in;
// an experiment with "legacy" or "source" is left to zod.
const EXPERIMENT_FIELDS: ReadonlySet<string> = new Set([
  "schemaVersion",
  "createdAt",
  "updatedAt",
  "createdBy",
  "legacyId",
  "id",
  "title",
  "purpose",
  "owner",
  "sharedWith",
  "status",
  "tags",
  "template",
  "jobIds",
  "datasetIds",
  "attachmentIds",
]);

function text(value: unknown, min: number, max: number): boolean {
  return typeof value === "string" && value.length >= min && value.length <= max;
}

function idOfKind(value: unknown, prefix: string): boolean {
  return typeof value === "string" && value.startsWith(prefix) && ID_PATTERN.test(value);
}

function listOf(value: unknown, max: number, item: (value: unknown) => boolean): boolean {
  if (!Array.isArray(value) || value.length > max) return false;
  for (let i = 0; i < value.length; i++) if (!item(value[i])) return false;
  return true;
}

/**
 * The experiment that experimentObject's safeParse returns for `value`,
 * without building that schema (which costs a short command more than
 * reading its records): undefined unless `value` is a plain, well-formed
 * experiment whose title needs no trimming, and then zod decides (and words
 * any error). It must accept nothing zod rejects; a test compares the two.
 */
function fastExperiment(value: unknown): Experiment | undefined {
  if (
    typeof value !== "object" || value === null || Object.getPrototypeOf(value) !== Object.prototype
  ) {
    return undefined;
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!EXPERIMENT_FIELDS.has(key) || v[key] === undefined) return undefined;
  }
  const ok = v.schemaVersion === RECORD_SCHEMA_VERSION &&
    isTimestamp(v.createdAt) && isTimestamp(v.updatedAt) &&
    text(v.createdBy, 1, 200) &&
    (!("legacyId" in v) || text(v.legacyId, 1, 200)) &&
    idOfKind(v.id, "exp_") &&
    text(v.title, 1, 200) && (v.title as string).trim() === v.title &&
    text(v.purpose, 0, 5000) &&
    text(v.owner, 1, 200) &&
    (!("sharedWith" in v) ||
      listOf(
        v.sharedWith,
        200,
        (name) => typeof name === "string" && USERNAME_PATTERN.test(name),
      )) &&
    (EXPERIMENT_STATUSES as readonly unknown[]).includes(v.status) &&
    listOf(v.tags, 50, (tag) => text(tag, 1, 64) && TAG_PATTERN.test(tag as string)) &&
    (!("template" in v) || text(v.template, 1, 200)) &&
    listOf(v.jobIds, Infinity, (id) => idOfKind(id, "job_")) &&
    listOf(v.datasetIds, Infinity, (id) => idOfKind(id, "ds_")) &&
    (!("attachmentIds" in v) || listOf(v.attachmentIds, Infinity, (id) => idOfKind(id, "att_")));
  if (!ok) return undefined;
  const out: Record<string, unknown> = {};
  for (const key of EXPERIMENT_FIELDS) {
    if (key in v) out[key] = Array.isArray(v[key]) ? (v[key] as unknown[]).slice() : v[key];
  }
  return out as unknown as Experiment;
}

/** Where an imported dataset came from. */
const SourceFileSchema = lazy(() =>
  z.strictObject({
    fileName: z.string().min(1),
    sizeBytes: z.int().nonnegative(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    eln: z.strictObject({
      format: z.literal("eln"),
      fileSha256: sha256Hex(),
      publisher: z.string().min(1).max(500).optional(),
      originalId: z.string().min(1).max(2000),
    }).optional(),
  })
);

/** A column of an imported table. */
const ColumnSchema = lazy(() =>
  z.strictObject({
    name: z.string().min(1),
    type: z.enum(["number", "integer", "boolean", "date", "string"]),
    unit: z.string().min(1).optional(),
    header: z.string().min(1).optional(),
  })
);

/** A column of an imported table. */
export interface DatasetColumn {
  /** The header. */
  name: string;
  /** The inferred type. */
  type: "number" | "integer" | "boolean" | "date" | "string";
  /** The unit, when given. */
  unit?: string;
  /** The header as written, when the unit was taken from its end (`time (min)`). */
  header?: string;
}

/** A table cell: a number, a boolean, a string, or `null` for a blank. */
export type Cell = number | boolean | string | null;

/**
 * An imported table, stored column by column: `values[i]` holds the
 * `rowCount` cells of `columns[i]`. Column names appear only in `columns`,
 * so no object is ever keyed by one.
 */
export interface DatasetTable {
  /** The columns, in file order. */
  columns: DatasetColumn[];
  /** The number of data rows. */
  rowCount: number;
  /** One array of cells per column, in the order of `columns`. */
  values: Cell[][];
  /** The delimiter of the imported file. */
  delimiter: string;
  /**
   * Where data rows stop following the header line by line in the file
   * (blank lines, quoted line breaks): `[row, line]` pairs, each saying that
   * row `row` (from 0) is on CSV line `line` and the rows after it follow.
   * Absent when row `r` is on line `r + 2`.
   */
  lineJumps?: Array<[number, number]>;
}

/** A table without its values: what lists show. */
export type DatasetTableSummary = Omit<DatasetTable, "values">;

/** One field a collected table took from every job: a column. */
export interface CollectedField {
  /** The path in each job: into its output, or into its input with the `input.` prefix. */
  path: string;
  /** The column it became. */
  column: string;
}

/** One job a collected table took a row from, in row order. */
export interface CollectedJob {
  /** The job. */
  jobId: string;
  /** Its output dataset: one of the table's parents. */
  datasetId: string;
  /** The job's module. */
  module: string;
  /** The module's version. */
  moduleVersion: string;
  /** SHA-256 of the job's output, as it was collected. */
  outputHash: string;
}

/** How a collected table was made: which fields of which jobs. */
export interface DatasetCollection {
  /** The fields, one per column. */
  fields: CollectedField[];
  /** The jobs, one per row. */
  jobs: CollectedJob[];
}

/** A dataset record: an imported table, a module output, or a table collected from jobs. */
export interface Dataset extends RecordBase {
  /** A short title. */
  title: string;
  /** Where the data came from. */
  kind: "imported" | "module-output" | "collected";
  /** The experiment it belongs to. */
  experimentId: string | null;
  /** The datasets it was computed from. */
  parentIds: string[];
  /** The imported file: name, size and SHA-256; `eln` when it came from an `.eln` crate. */
  source?: { fileName: string; sizeBytes: number; sha256: string; eln?: AttachmentSource };
  /** The imported table. */
  table?: DatasetTable;
  /** How a module output was made. */
  provenance?: {
    jobId: string;
    module: string;
    moduleVersion: string;
    moduleSource: string;
    inputHash: string;
    labosVersion: string;
  };
  /** How a collected table was made: the fields and the jobs, one per row. */
  collection?: DatasetCollection;
  /** The module output. */
  output?: unknown;
  /** SHA-256 of the output's canonical JSON. */
  outputHash?: string;
}

/** A dataset without its table's values, as lists return it (see `LabStorage.listSummaries`). */
export type DatasetSummary = Omit<Dataset, "table"> & { table?: DatasetTableSummary };

const cell = lazy(() => z.union([z.number(), z.boolean(), z.string(), z.null()]));

const tableSummaryShape = lazy(() => ({
  columns: z.array(ColumnSchema()),
  rowCount: z.int().nonnegative(),
  delimiter: z.string(),
  lineJumps: z.array(z.tuple([z.int().nonnegative(), z.int().positive()])).optional(),
}));

function isCell(value: unknown): boolean {
  return value === null || typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}

// A table holds millions of cells: one loop checks them, not a zod schema per cell.
const cellColumns = lazy(() =>
  z.custom<Cell[][]>(
    (value) =>
      Array.isArray(value) &&
      value.every((column) => Array.isArray(column) && column.every(isCell)),
    "must be an array of columns, each an array of numbers, booleans, strings and nulls",
  )
);

function checkTableShape(
  table: { columns: unknown[]; rowCount: number; values: unknown[][] },
  context: z.RefinementCtx,
): void {
  if (table.values.length !== table.columns.length) {
    context.addIssue({
      code: "custom",
      path: ["values"],
      message:
        `must hold one array per column (${table.columns.length}), found ${table.values.length}`,
    });
    return;
  }
  const index = table.values.findIndex((column) => column.length !== table.rowCount);
  if (index !== -1) {
    context.addIssue({
      code: "custom",
      path: ["values", index],
      message: `must hold "rowCount" (${table.rowCount}) cells, found ${
        table.values[index].length
      }`,
    });
  }
}

/** The dataset kinds. */
export const DATASET_KINDS: readonly ["imported", "module-output", "collected"] = [
  "imported",
  "module-output",
  "collected",
];

const datasetShape = lazy(() => ({
  ...base(),
  id: ids().dataset,
  title: z.string().min(1).max(200),
  kind: z.enum(DATASET_KINDS),
  experimentId: ids().experiment.nullable(),
  parentIds: z.array(ids().dataset),
  source: SourceFileSchema().optional(),
}));

const datasetTail = lazy(() => ({
  provenance: z.strictObject({
    jobId: ids().job,
    module: z.string().min(1),
    moduleVersion: z.string().min(1),
    moduleSource: z.string().min(1),
    inputHash: z.string().regex(/^[0-9a-f]{64}$/),
    labosVersion: z.string().min(1),
  }).optional(),
  collection: z.strictObject({
    fields: z.array(z.strictObject({ path: z.string().min(1), column: z.string().min(1) })),
    jobs: z.array(z.strictObject({
      jobId: ids().job,
      datasetId: ids().dataset,
      module: z.string().min(1),
      moduleVersion: z.string().min(1),
      outputHash: z.string().regex(/^[0-9a-f]{64}$/),
    })),
  }).optional(),
  output: z.unknown().optional(),
  outputHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
}));

// The JSON Schema shape: every cell described.
const datasetObject = lazy(() =>
  z.strictObject({
    ...datasetShape(),
    table: z.strictObject({ ...tableSummaryShape(), values: z.array(z.array(cell())) })
      .superRefine(checkTableShape).optional(),
    ...datasetTail(),
  })
);

// The same record, with the cells checked by one loop.
const datasetParser = lazy(() =>
  z.strictObject({
    ...datasetShape(),
    table: z.strictObject({ ...tableSummaryShape(), values: cellColumns() })
      .superRefine(checkTableShape).optional(),
    ...datasetTail(),
  })
);

const datasetSummaryObject = lazy(() =>
  z.strictObject({
    ...datasetShape(),
    table: z.strictObject(tableSummaryShape()).optional(),
    ...datasetTail(),
  })
);

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
  /** The unit conversions applied to the input; absent when there were none. */
  conversions?: InputConversion[];
  /**
   * Warnings, one line each; absent when none: about the input (a mapped
   * column without a unit), then the cautions the module returned with a
   * successful result.
   */
  warnings?: string[];
  /**
   * How a dataset's table fed the input, when `--skip-blank-rows` was given:
   * the CSV lines skipped because a mapped cell was blank.
   */
  mapping?: JobMapping;
  /** The template step of its experiment it was run for (`labos run --step`). */
  step?: string;
  /** Set when it was voided: it then counts for no plan step and no grade. */
  voided?: JobVoid;
}

/** Who voided a job, when and why. */
export interface JobVoid {
  /** When (RFC 3339 UTC, milliseconds). */
  at: string;
  /** The actor who voided it. */
  by: string;
  /** Why. */
  reason: string;
}

/** How a dataset's table fed a job's input. */
export interface JobMapping {
  /** The CSV lines skipped for a blank mapped cell, in file order. */
  skippedLines: number[];
}

/**
 * A unit conversion applied to a job's input: `to = from × factor + offset`,
 * for a mapped dataset column or a value written with a unit.
 */
export interface InputConversion {
  /** The input field converted. */
  field: string;
  /** The dataset column it came from; absent for a value written with a unit. */
  column?: string;
  /** The unit converted from, as a UCUM code. */
  from: string;
  /** The field's unit, as a UCUM code. */
  to: string;
  /** The scale factor. */
  factor: number;
  /** The offset added after scaling (Cel → K for an absolute temperature); absent when 0. */
  offset?: number;
}

const InputConversionSchema = lazy(() =>
  z.strictObject({
    field: z.string().min(1),
    column: z.string().min(1).optional(),
    from: z.string().min(1),
    to: z.string().min(1),
    factor: z.number(),
    offset: z.number().optional(),
  })
);

const jobObject = lazy(() =>
  z.strictObject({
    ...base(),
    id: ids().job,
    module: z.string().min(1),
    moduleVersion: z.string().min(1),
    moduleSource: z.string().min(1),
    status: z.enum(JOB_STATUSES),
    input: z.unknown(),
    inputHash: z.string().regex(/^[0-9a-f]{64}$/),
    experimentId: ids().experiment.nullable(),
    inputDatasetIds: z.array(ids().dataset),
    outputDatasetId: ids().dataset.nullable(),
    outputHash: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
    retryOf: ids().job.nullable(),
    labosVersion: z.string().min(1),
    queuedAt: timestamp(),
    startedAt: timestamp().nullable(),
    finishedAt: timestamp().nullable(),
    durationMs: z.number().nonnegative().nullable(),
    inputOmitted: z.strictObject({ bytes: z.int().nonnegative() }).optional(),
    error: z.strictObject({
      message: z.string(),
      detail: z.string().optional(),
      stack: z.string().optional(),
    }).nullable(),
    conversions: z.array(InputConversionSchema()).optional(),
    warnings: z.array(z.string()).optional(),
    mapping: z.strictObject({ skippedLines: z.array(z.int().positive()) }).optional(),
    step: z.string().min(1).max(100).optional(),
    voided: z.strictObject({
      at: timestamp(),
      by: z.string().min(1).max(200),
      reason: z.string().min(1).max(2000),
    }).optional(),
  })
);

/** What a signer means by signing (21 CFR Part 11 §11.50(a)(3)). */
export type SignatureMeaning = "authored" | "reviewed" | "approved";

/** The signature meanings. */
export const SIGNATURE_MEANINGS: readonly ["authored", "reviewed", "approved"] = [
  "authored",
  "reviewed",
  "approved",
];

/** The record types that can be signed. */
export type SignableType = "experiment" | "dataset" | "job";

/**
 * An electronic signature of a record: the canonical JSON `payload` that was
 * signed, and the Ed25519 signature over its exact UTF-8 bytes. The other
 * fields repeat the payload's, for lists and filters.
 */
export interface Signature extends RecordBase {
  /** The signed record's type. */
  recordType: SignableType;
  /** The signed record's id. */
  recordId: string;
  /** The signer's username. */
  signer: string;
  /** The signer's display name at signing. */
  displayName: string;
  /** What the signature means. */
  meaning: SignatureMeaning;
  /** Why the signer signed. */
  reason: string;
  /** When it was signed (RFC 3339 UTC, milliseconds). */
  time: string;
  /** Lowercase hex SHA-256 of the record's canonical JSON as signed. */
  recordSha256: string;
  /** The audit head's seq when it was signed. */
  auditSeq: number;
  /** The signed canonical JSON text. */
  payload: string;
  /** Base64 of the 64 signature bytes. */
  signature: string;
  /** Base64 of the signer's raw 32-byte Ed25519 public key. */
  publicKey: string;
}

const base64 = lazy(() => z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, "must be base64"));

const signatureObject = lazy(() =>
  z.strictObject({
    ...base(),
    id: ids().signature,
    recordType: z.enum(["experiment", "dataset", "job"]),
    recordId: z.string().regex(ID_PATTERN, "must be a LabOS id"),
    signer: z.string().min(1).max(200),
    displayName: z.string().max(200),
    meaning: z.enum(SIGNATURE_MEANINGS),
    reason: z.string().trim().min(1).max(1000),
    time: timestamp(),
    recordSha256: z.string().regex(/^[0-9a-f]{64}$/),
    auditSeq: z.int().nonnegative(),
    payload: z.string().min(2).max(10_000),
    signature: base64().length(88),
    publicKey: base64().length(44),
  })
);

/** A user's role in the lab. */
export type Role = "admin" | "instructor" | "ta" | "student";

/** The roles, from most to least privileged. */
export const ROLES: readonly ["admin", "instructor", "ta", "student"] = [
  "admin",
  "instructor",
  "ta",
  "student",
];

/** The pattern of a username: lowercase, 2 to 32 characters, starting with a letter. */
export const USERNAME_PATTERN: RegExp = /^[a-z][a-z0-9._-]{1,31}$/;

/** The parameters of a scrypt derivation, stored beside its result. */
export interface ScryptParams {
  /** The CPU/memory cost (a power of 2). */
  N: number;
  /** The block size. */
  r: number;
  /** The parallelisation. */
  p: number;
  /** The random salt, base64. */
  salt: string;
}

/** A password verifier: scrypt of the password; the password itself is never stored. */
export interface PasswordVerifier extends ScryptParams {
  /** Always `scrypt`. */
  algorithm: "scrypt";
  /** The derived bytes, base64. */
  hash: string;
}

/** A private key encrypted under a key derived from the password. */
export interface EncryptedKey {
  /** Always `aes-256-gcm`. */
  cipher: "aes-256-gcm";
  /** How the encryption key is derived from the password (its own salt). */
  kdf: ScryptParams;
  /** The 12-byte nonce, base64. */
  iv: string;
  /** The 16-byte authentication tag, base64. */
  tag: string;
  /** The encrypted PKCS #8 DER private key, base64. */
  data: string;
}

/** A personal API token, stored only as its SHA-256. */
export interface StoredToken {
  /** A short id naming the token. */
  id: string;
  /** Lowercase hex SHA-256 of the token. */
  sha256: string;
  /** When it was made. */
  createdAt: string;
}

/** A user account. The id is derived from the username (see `keyedId`). */
export interface User extends RecordBase {
  /** The unique, immutable login name. */
  username: string;
  /** The name shown to people. */
  displayName: string;
  /** The role. */
  role: Role;
  /** Whether the account is disabled: no login, no token, no session. */
  disabled: boolean;
  /** Why it was disabled. */
  disabledReason?: string;
  /** When it was disabled. */
  disabledAt?: string;
  /** The password verifier. */
  password: PasswordVerifier;
  /** Bumped when the password changes or the account is disabled: older sessions end. */
  credentialVersion: number;
  /** The personal API tokens, as hashes. */
  tokens: StoredToken[];
  /** The Ed25519 public key, base64 of the raw 32 bytes. */
  publicKey: string;
  /** The Ed25519 private key, encrypted under the password. */
  privateKey: EncryptedKey;
  /** Consecutive failed logins since the last success. */
  failedLogins: number;
  /** When the last login failed. */
  lastFailureAt: string | null;
}

const scryptShape = lazy(() => ({
  N: z.int().min(2).max(2 ** 24),
  r: z.int().min(1).max(64),
  p: z.int().min(1).max(64),
  salt: base64().min(1),
}));

const userObject = lazy(() =>
  z.strictObject({
    ...base(),
    id: ids().user,
    username: z.string().regex(USERNAME_PATTERN),
    displayName: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    disabled: z.boolean(),
    disabledReason: z.string().min(1).max(2000).optional(),
    disabledAt: timestamp().optional(),
    password: z.strictObject({
      algorithm: z.literal("scrypt"),
      ...scryptShape(),
      hash: base64().min(1),
    }),
    credentialVersion: z.int().nonnegative(),
    tokens: z.array(z.strictObject({
      id: z.string().regex(/^[0-9a-f]{8,32}$/),
      sha256: sha256Hex(),
      createdAt: timestamp(),
    })),
    publicKey: base64().length(44),
    privateKey: z.strictObject({
      cipher: z.literal("aes-256-gcm"),
      kdf: z.strictObject(scryptShape()),
      iv: base64().min(1),
      tag: base64().min(1),
      data: base64().min(1),
    }),
    failedLogins: z.int().nonnegative(),
    lastFailureAt: timestamp().nullable(),
  })
);

/** A login session, stored only as the SHA-256 of its token. The id is derived from that hash. */
export interface Session extends RecordBase {
  /** Whose session it is. */
  username: string;
  /** Lowercase hex SHA-256 of the session token. */
  tokenSha256: string;
  /** The user's `credentialVersion` at login: a later change ends the session. */
  credentialVersion: number;
  /** When it expires. */
  expiresAt: string;
  /** When it was ended by logout, or null. */
  endedAt: string | null;
}

const sessionObject = lazy(() =>
  z.strictObject({
    ...base(),
    id: ids().session,
    username: z.string().regex(USERNAME_PATTERN),
    tokenSha256: sha256Hex(),
    credentialVersion: z.int().nonnegative(),
    expiresAt: timestamp(),
    endedAt: timestamp().nullable(),
  })
);

/** Where an attachment came from, when imported from an `.eln` file. */
export interface AttachmentSource {
  /** The exchange format. */
  format: "eln";
  /** Lowercase hex SHA-256 of the imported file. */
  fileSha256: string;
  /** The crate's `sdPublisher`, when given. */
  publisher?: string;
  /** The file's `@id` in the crate. */
  originalId: string;
}

/**
 * A file attached to an experiment. Its bytes are a blob, stored once by
 * their SHA-256 (`LabStorage.putBlob`); the record names it.
 */
export interface Attachment extends RecordBase {
  /** The experiment it is attached to. */
  experimentId: string;
  /** The file name: no "/", "\\", control characters; 1 to 200 characters. */
  fileName: string;
  /** A short title. */
  title?: string;
  /** The media type, guessed from the extension; `application/octet-stream` when unknown. */
  mediaType: string;
  /** The size in bytes. */
  size: number;
  /** Lowercase hex SHA-256 of the bytes: the blob. */
  sha256: string;
  /** Where it came from, when imported. */
  source?: AttachmentSource;
}

/** The pattern of a safe file name: no path separator, no control character. */
// deno-lint-ignore no-control-regex
export const SAFE_FILE_NAME: RegExp = /^[^/\\\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,200}$/u;

const attachmentObject = lazy(() =>
  z.strictObject({
    ...base(),
    id: ids().attachment,
    experimentId: ids().experiment,
    fileName: z.string().regex(
      SAFE_FILE_NAME,
      'must be 1 to 200 characters without "/", "\\" or control characters',
    ).refine((name) => name !== "." && name !== "..", 'must not be "." or ".."'),
    title: z.string().trim().min(1).max(200).optional(),
    mediaType: z.string().regex(
      /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/,
      "must be a media type such as application/pdf",
    ),
    size: z.int().nonnegative(),
    sha256: sha256Hex(),
    source: z.strictObject({
      format: z.literal("eln"),
      fileSha256: sha256Hex(),
      publisher: z.string().min(1).max(500).optional(),
      originalId: z.string().min(1).max(2000),
    }).optional(),
  })
);

// Compile-time proof that the hand-written interfaces match the schemas.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchInterfaces: [
  Same<z.infer<ReturnType<typeof experimentObject>>, Experiment>,
  Same<z.infer<ReturnType<typeof datasetObject>>, Dataset>,
  Same<z.infer<ReturnType<typeof datasetParser>>, Dataset>,
  Same<z.infer<ReturnType<typeof datasetSummaryObject>>, DatasetSummary>,
  Same<z.infer<ReturnType<typeof jobObject>>, Job>,
  Same<z.infer<ReturnType<typeof signatureObject>>, Signature>,
  Same<z.infer<ReturnType<typeof userObject>>, User>,
  Same<z.infer<ReturnType<typeof sessionObject>>, Session>,
  Same<z.infer<ReturnType<typeof attachmentObject>>, Attachment>,
] = [true, true, true, true, true, true, true, true, true];
void schemasMatchInterfaces;

/** A record type name. */
export type RecordType =
  | "experiment"
  | "dataset"
  | "job"
  | "user"
  | "session"
  | "signature"
  | "attachment";

/** Every record type, in the order checks and exports visit them. */
export const RECORD_TYPES: readonly [
  "experiment",
  "dataset",
  "job",
  "user",
  "session",
  "signature",
  "attachment",
] = [
  "experiment",
  "dataset",
  "job",
  "user",
  "session",
  "signature",
  "attachment",
];

/** The schema of each record type. */
export const RECORD_SCHEMAS: {
  readonly experiment: Schema<Experiment>;
  readonly dataset: Schema<Dataset>;
  readonly job: Schema<Job>;
  readonly signature: Schema<Signature>;
  readonly user: Schema<User>;
  readonly session: Schema<Session>;
  readonly attachment: Schema<Attachment>;
} = {
  get experiment() {
    return experimentObject();
  },
  get dataset() {
    return datasetParser();
  },
  get job() {
    return jobObject();
  },
  get signature() {
    return signatureObject();
  },
  get user() {
    return userObject();
  },
  get session() {
    return sessionObject();
  },
  get attachment() {
    return attachmentObject();
  },
};

/** The zod schemas behind {@linkcode RECORD_SCHEMAS}, for JSON Schema generation. */
export const RECORD_ZOD_SCHEMAS: Readonly<Record<RecordType, z.ZodType>> = {
  get experiment() {
    return experimentObject();
  },
  get dataset() {
    return datasetObject();
  },
  get job() {
    return jobObject();
  },
  get signature() {
    return signatureObject();
  },
  get user() {
    return userObject();
  },
  get session() {
    return sessionObject();
  },
  get attachment() {
    return attachmentObject();
  },
};

/**
 * Validates a record as read from storage, with the record type's zod
 * schema (`jitless` spares compiling it when few records are read). With
 * `summary`, a dataset is checked as a {@linkcode DatasetSummary}.
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
  options: { jitless?: boolean; summary?: boolean } = {},
): { success: true; data: RecordOf[K] } | { success: false; error: z.ZodError } {
  if (type === "experiment") {
    const experiment = fastExperiment(value);
    if (experiment) return { success: true, data: experiment as RecordOf[K] };
  }
  const schema: z.ZodType = options.summary && type === "dataset"
    ? datasetSummaryObject()
    : RECORD_SCHEMAS[type] as z.ZodType;
  const result = schema.safeParse(value, options.jitless ? { jitless: true } : undefined);
  if (!result.success) return { success: false, error: result.error };
  return { success: true, data: result.data as RecordOf[K] };
}

/** The shape lists return for each record type: a dataset without its table's values. */
export interface SummaryOf {
  /** An experiment, whole. */
  experiment: Experiment;
  /** A dataset without `table.values`. */
  dataset: DatasetSummary;
  /** A job, whole. */
  job: Job;
  /** A signature, whole. */
  signature: Signature;
  /** A user, whole. */
  user: User;
  /** A session, whole. */
  session: Session;
  /** An attachment, whole. */
  attachment: Attachment;
}

/** The record shape for each record type. */
export interface RecordOf {
  /** An experiment. */
  experiment: Experiment;
  /** A dataset. */
  dataset: Dataset;
  /** A job. */
  job: Job;
  /** A signature. */
  signature: Signature;
  /** A user. */
  user: User;
  /** A session. */
  session: Session;
  /** An attachment. */
  attachment: Attachment;
}

/** The folder of each record type inside the data folder. */
export const RECORD_FOLDERS: Readonly<Record<RecordType, string>> = {
  experiment: "experiments",
  dataset: "datasets",
  job: "jobs",
  signature: "signatures",
  user: "users",
  session: "sessions",
  attachment: "attachments",
};
