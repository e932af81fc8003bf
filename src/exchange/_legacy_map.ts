/**
 * Maps legacy (Python) LabOS records to the current schema. Every status
 * is mapped explicitly (the tables below, documented in the README); the
 * original value of every field that was changed, and every field with no
 * counterpart, is kept under the record's `legacy`.
 *
 * @module
 */
import type {
  Dataset,
  Experiment,
  ExperimentStatus,
  Job,
  JobStatus,
  RecordType,
} from "../records/mod.ts";
import { hashJson, RECORD_SCHEMA_VERSION } from "../records/mod.ts";

/** Legacy experiment statuses (both shapes) and their LabOS status. */
export const EXPERIMENT_STATUS_MAP: Readonly<Record<string, ExperimentStatus>> = {
  draft: "draft",
  active: "running",
  running: "running",
  completed: "completed",
  done: "completed",
  failed: "failed",
  archived: "archived",
};

/** Legacy job statuses (both shapes) and their LabOS status. */
export const JOB_STATUS_MAP: Readonly<Record<string, JobStatus>> = {
  pending: "queued",
  queued: "queued",
  running: "running",
  succeeded: "succeeded",
  done: "succeeded",
  failed: "failed",
  error: "failed",
  cancelled: "failed",
};

/** The two legacy record shapes. */
export type LegacyShape = "chemlearn" | "demo";

/** A mapped record before ids of other records are resolved. */
export interface MappedRecord {
  /** Its LabOS type. */
  type: RecordType;
  /** Its legacy id. */
  legacyId: string;
  /** The shape it was read as. */
  shape: LegacyShape;
  /** The LabOS record; references still hold legacy ids (resolved later). */
  record: Experiment | Dataset | Job;
  /** The legacy id of the experiment it belongs to (jobs, datasets). */
  experimentLegacyId?: string;
  /** Legacy ids of jobs a demo experiment lists. */
  jobLegacyIds?: string[];
  /** Notes on lossy mappings, for the report. */
  notes: string[];
}

/** Where the record came from and how it verified; stored under `legacy`. */
export interface LegacyProvenance {
  /** Its path relative to the legacy root. */
  source: string;
  /** SHA-256 of the file's bytes. */
  sha256: string;
  /** Where its byte-for-byte copy is, relative to the data folder. */
  copy: string;
  /** Sidecar check: true, false, or null without a sidecar. */
  checksumVerified: boolean | null;
  /** Legacy audit chain check of its events: true, false, or null when no event names it. */
  chainVerified: boolean | null;
}

const TAG = /^[\p{L}\p{N}][\p{L}\p{N}._:-]*$/u;

/** Maps one parsed legacy record; throws an Error with a one-line reason when it cannot. */
export function mapLegacyRecord(
  type: RecordType,
  raw: Record<string, unknown>,
  options: { provenance: LegacyProvenance; newId: () => string },
): MappedRecord {
  const shape: LegacyShape = "record_id" in raw ? "chemlearn" : "demo";
  const legacyIdValue = shape === "chemlearn" ? raw.record_id : raw.id;
  if (
    typeof legacyIdValue !== "string" || legacyIdValue.length === 0 || legacyIdValue.length > 200
  ) {
    throw new Error(
      `"${shape === "chemlearn" ? "record_id" : "id"}" must be a string of 1 to 200 characters`,
    );
  }
  const legacyId = legacyIdValue;
  const fields: Record<string, unknown> = {};
  const used = new Set<string>([shape === "chemlearn" ? "record_id" : "id"]);
  const notes: string[] = [];
  const take = (name: string): unknown => {
    used.add(name);
    return raw[name];
  };
  const keep = (name: string): void => {
    if (name in raw) fields[name] = raw[name];
  };

  const createdRaw = take("created_at") ?? raw.updated_at;
  const createdAt = timestamp(createdRaw, "created_at");
  const updatedAt = raw.updated_at === undefined
    ? createdAt
    : timestamp(take("updated_at"), "updated_at");
  if (createdRaw !== createdAt) keep("created_at");
  if (raw.updated_at !== undefined && raw.updated_at !== updatedAt) keep("updated_at");
  const base = {
    schemaVersion: RECORD_SCHEMA_VERSION,
    id: options.newId(),
    createdAt,
    updatedAt: updatedAt < createdAt ? createdAt : updatedAt,
    legacyId,
  } as const;
  const text = (value: unknown): string | undefined =>
    typeof value === "string" && value.trim() !== "" ? value : undefined;
  const legacy = () => {
    for (const [name, value] of Object.entries(raw)) if (!used.has(name)) fields[name] = value;
    return { ...options.provenance, shape, fields };
  };

  if (type === "experiment") {
    const statusRaw = take("status");
    const status = EXPERIMENT_STATUS_MAP[String(statusRaw)];
    if (typeof statusRaw !== "string" || !status) {
      throw new Error(
        `unknown experiment status ${JSON.stringify(statusRaw)}: expected one of ${
          Object.keys(EXPERIMENT_STATUS_MAP).join(", ")
        }`,
      );
    }
    if (status !== statusRaw) keep("status");
    const titleRaw = shape === "chemlearn" ? take("title") : take("name");
    let title = text(titleRaw)?.trim() ?? `Legacy experiment ${legacyId}`;
    if (title.length > 200) title = `${title.slice(0, 199)}…`;
    if (title !== titleRaw) keep(shape === "chemlearn" ? "title" : "name");
    const purposeRaw = take("purpose");
    let purpose = typeof purposeRaw === "string" ? purposeRaw : "";
    if (purpose.length > 5000) purpose = `${purpose.slice(0, 4999)}…`;
    if (purpose !== purposeRaw && purposeRaw !== undefined) keep("purpose");
    const ownerRaw = shape === "chemlearn" ? take("user_id") : take("owner");
    const owner = text(ownerRaw)?.slice(0, 200) ?? "legacy";
    if (owner !== ownerRaw) keep(shape === "chemlearn" ? "user_id" : "owner");
    const tagsRaw = take("tags");
    const tags = cleanTags(tagsRaw);
    if (JSON.stringify(tags) !== JSON.stringify(tagsRaw ?? [])) {
      keep("tags");
      if (tagsRaw !== undefined) notes.push("tags were normalised; the originals are kept");
    }
    const jobLegacyIds = shape === "demo" && Array.isArray(raw.jobs)
      ? (take("jobs") as unknown[]).filter((id): id is string => typeof id === "string")
      : undefined;
    if (jobLegacyIds) keep("jobs");
    const record: Experiment = {
      ...base,
      createdBy: owner,
      title,
      purpose,
      owner,
      status,
      tags,
      jobIds: [],
      datasetIds: [],
      legacy: legacy(),
    };
    return { type, legacyId, shape, record, jobLegacyIds, notes };
  }

  if (type === "dataset") {
    const metadata =
      (raw.metadata && typeof raw.metadata === "object" ? raw.metadata : {}) as Record<
        string,
        unknown
      >;
    const uri = typeof raw.uri === "string" ? raw.uri : undefined;
    let title = text(metadata.title) ?? text(raw.name) ?? text(raw.label) ??
      text(uri?.split(/[\\/]/).pop()) ?? `Legacy dataset ${legacyId}`;
    used.add("name");
    if (title.length > 200) title = `${title.slice(0, 199)}…`;
    const ownerRaw = take("owner");
    const experimentLegacyId = text(take("experiment_id")) ?? text(metadata.experiment_id);
    const record: Dataset = {
      ...base,
      createdBy: text(ownerRaw)?.slice(0, 200) ?? "legacy",
      title,
      kind: "imported",
      experimentId: null,
      parentIds: [],
      legacy: legacy(),
    };
    return { type, legacyId, shape, record, experimentLegacyId, notes };
  }

  const statusRaw = take("status");
  const status = JOB_STATUS_MAP[String(statusRaw)];
  if (typeof statusRaw !== "string" || !status) {
    throw new Error(
      `unknown job status ${JSON.stringify(statusRaw)}: expected one of ${
        Object.keys(JOB_STATUS_MAP).join(", ")
      }`,
    );
  }
  if (status !== statusRaw) keep("status");
  const moduleRaw = shape === "chemlearn" ? take("module_id") : take("kind");
  const module = text(moduleRaw) ?? "legacy.unknown";
  if (module !== moduleRaw) keep(shape === "chemlearn" ? "module_id" : "kind");
  const parametersRaw = shape === "chemlearn" ? take("parameters") : take("params");
  const input = parametersRaw ?? {};
  const startedAt = optionalTimestamp(take("started_at"), "started_at");
  const finishedAt = optionalTimestamp(take("completed_at"), "completed_at");
  for (const [name, value] of [["started_at", startedAt], ["completed_at", finishedAt]] as const) {
    if (raw[name] !== undefined && raw[name] !== value) keep(name);
  }
  const errorRaw = take("error");
  const error = errorRaw !== undefined && errorRaw !== null && errorRaw !== ""
    ? { message: typeof errorRaw === "string" ? errorRaw : JSON.stringify(errorRaw) }
    : statusRaw === "cancelled"
    ? { message: "Cancelled in the legacy LabOS" }
    : null;
  if (error && typeof errorRaw !== "string" && errorRaw !== undefined && errorRaw !== null) {
    keep("error");
  }
  const actorRaw = take("actor");
  const experimentLegacyId = text(take("experiment_id"));
  const durationMs = startedAt && finishedAt
    ? Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt))
    : null;
  const record: Job = {
    ...base,
    createdBy: text(actorRaw)?.slice(0, 200) ?? "legacy",
    module,
    moduleVersion: "legacy",
    moduleSource: "legacy",
    status,
    input,
    inputHash: hashJson(input),
    experimentId: null,
    inputDatasetIds: [],
    outputDatasetId: null,
    outputHash: null,
    retryOf: null,
    labosVersion: "legacy",
    queuedAt: createdAt,
    startedAt,
    finishedAt,
    durationMs,
    error,
    legacy: legacy(),
  };
  return { type, legacyId, shape, record, experimentLegacyId, notes };
}

function cleanTags(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const tags = new Set<string>();
  for (const item of value) {
    if (typeof item !== "string") continue;
    const tag = item.trim().replace(/\s+/g, "-").replace(/[^\p{L}\p{N}._:-]/gu, "").replace(
      /^[._:-]+/,
      "",
    ).slice(0, 64);
    if (TAG.test(tag)) tags.add(tag);
  }
  return [...tags].slice(0, 50);
}

const TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}:?\d{2})?$/;

/**
 * Normalises a legacy timestamp to RFC 3339 UTC with milliseconds: ISO 8601
 * with or without an offset (none means UTC, as Python's `utcnow()` wrote),
 * fractions truncated to milliseconds, or a number of seconds since 1970.
 */
export function timestamp(value: unknown, field: string): string {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0 && value < 1e11) {
    return new Date(Math.floor(value * 1000)).toISOString();
  }
  const match = typeof value === "string" ? TIME.exec(value.trim()) : null;
  if (!match) {
    throw new Error(`"${field}" ${JSON.stringify(value)} is not an ISO 8601 time`);
  }
  const [, y, mo, d, h, mi, s = "00", fraction = "", zone = "Z"] = match;
  const ms = Number(fraction.padEnd(3, "0").slice(0, 3));
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)),
  );
  if (
    check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) || check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s) || Number(y) < 1970
  ) {
    throw new Error(`"${field}" ${JSON.stringify(value)} is not a valid date and time`);
  }
  if (zone !== "Z" && zone !== "z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    time -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(time).toISOString();
}

function optionalTimestamp(value: unknown, field: string): string | null {
  return value === undefined || value === null || value === "" ? null : timestamp(value, field);
}
