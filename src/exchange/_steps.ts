/**
 * The versioned upgrade steps of the data folder. Each step is a pure
 * function from the records of one `schemaVersion` to the next; a record
 * already at the step's target version is left alone, so every step is
 * idempotent. The v0 layout is described in `docs/data-v0.md`.
 *
 * @module
 */
import type { RawRecord, RawRecords } from "../storage/mod.ts";

export type { RawRecord, RawRecords };

/** One upgrade step, from `from` to `from + 1`. */
export interface UpgradeStep {
  /** The version it upgrades from. */
  from: number;
  /** The version it produces. */
  to: number;
  /** One line on what it changes. */
  summary: string;
  /** Returns upgraded copies of the records; never mutates its input. */
  upgrade(records: RawRecords): RawRecords;
}

const MODULE_SOURCE = "builtin";

/** Adds milliseconds to an RFC 3339 UTC timestamp written without them. */
function withMilliseconds(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(value);
  if (!match) return value;
  return `${match[1]}.${(match[2] ?? "").padEnd(3, "0").slice(0, 3)}Z`;
}

function renamed(record: RawRecord, renames: Record<string, string>): RawRecord {
  const out: RawRecord = {};
  for (const [key, value] of Object.entries(record)) out[renames[key] ?? key] = value;
  return out;
}

function timestamps(record: RawRecord, fields: string[]): RawRecord {
  const out = { ...record };
  for (const field of fields) if (field in out) out[field] = withMilliseconds(out[field]);
  return out;
}

function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** v0 → v1: see `docs/data-v0.md`. */
const V0_TO_V1: UpgradeStep = {
  from: 0,
  to: 1,
  summary:
    "experiments: name→title, state→status, jobIds/datasetIds derived; datasets: name→title; jobs: state→status, moduleSource and retryOf added; timestamps with milliseconds",
  upgrade(records) {
    const at0 = (record: RawRecord) => record.schemaVersion === 0;
    const jobsOf = new Map<string, string[]>();
    const datasetsOf = new Map<string, string[]>();
    const link = (map: Map<string, string[]>, experimentId: unknown, id: string): void => {
      if (typeof experimentId !== "string") return;
      map.set(experimentId, [...(map.get(experimentId) ?? []), id]);
    };
    for (const [id, job] of records.job) link(jobsOf, job.experimentId, id);
    for (const [id, dataset] of records.dataset) link(datasetsOf, dataset.experimentId, id);

    const experiments = new Map<string, RawRecord>();
    for (const [id, record] of records.experiment) {
      if (!at0(record)) {
        experiments.set(id, record);
        continue;
      }
      const out = timestamps(renamed(record, { name: "title", state: "status" }), [
        "createdAt",
        "updatedAt",
      ]);
      out.schemaVersion = 1;
      out.jobIds = (jobsOf.get(id) ?? []).sort(byId);
      out.datasetIds = (datasetsOf.get(id) ?? []).sort(byId);
      experiments.set(id, out);
    }
    const datasets = new Map<string, RawRecord>();
    for (const [id, record] of records.dataset) {
      if (!at0(record)) {
        datasets.set(id, record);
        continue;
      }
      const out = timestamps(renamed(record, { name: "title" }), ["createdAt", "updatedAt"]);
      out.schemaVersion = 1;
      if (out.provenance && typeof out.provenance === "object") {
        const provenance = out.provenance as RawRecord;
        out.provenance = {
          jobId: provenance.jobId,
          module: provenance.module,
          moduleVersion: provenance.moduleVersion,
          moduleSource: provenance.moduleSource ?? MODULE_SOURCE,
          inputHash: provenance.inputHash,
          labosVersion: provenance.labosVersion,
        };
      }
      datasets.set(id, out);
    }
    const jobs = new Map<string, RawRecord>();
    for (const [id, record] of records.job) {
      if (!at0(record)) {
        jobs.set(id, record);
        continue;
      }
      const out = timestamps(renamed(record, { state: "status" }), [
        "createdAt",
        "updatedAt",
        "queuedAt",
        "startedAt",
        "finishedAt",
      ]);
      out.schemaVersion = 1;
      out.moduleSource ??= MODULE_SOURCE;
      out.retryOf ??= null;
      jobs.set(id, out);
    }
    return { ...records, experiment: experiments, dataset: datasets, job: jobs };
  },
};

/** A v1 table (`rows`, one object per row) column by column: `rowCount` and `values`. */
function columnWise(table: RawRecord): RawRecord {
  if (!Array.isArray(table.rows) || !Array.isArray(table.columns)) return table;
  const rows = table.rows as RawRecord[];
  const names = (table.columns as RawRecord[]).map((column) => String(column.name));
  const { columns, delimiter, rows: _rows, ...rest } = table;
  return {
    columns,
    rowCount: rows.length,
    values: names.map((name) => rows.map((row) => Object.hasOwn(row, name) ? row[name] : null)),
    delimiter,
    ...rest,
  };
}

/** v1 → v2: tables stored column by column, blanks as null. */
const V1_TO_V2: UpgradeStep = {
  from: 1,
  to: 2,
  summary:
    "datasets: table rows (one object per row) → rowCount and values (one array per column, null for blanks); every record's schemaVersion 2",
  upgrade(records) {
    const upgrade = (map: Map<string, RawRecord>, table: boolean) => {
      const out = new Map<string, RawRecord>();
      for (const [id, record] of map) {
        if (record.schemaVersion !== 1) {
          out.set(id, record);
          continue;
        }
        const next: RawRecord = { ...record, schemaVersion: 2 };
        if (table && next.table && typeof next.table === "object") {
          next.table = columnWise(next.table as RawRecord);
        }
        out.set(id, next);
      }
      return out;
    };
    return {
      ...records,
      experiment: upgrade(records.experiment, false),
      dataset: upgrade(records.dataset, true),
      job: upgrade(records.job, false),
    };
  },
};

/** Every upgrade step, oldest first. */
export const UPGRADE_STEPS: readonly UpgradeStep[] = [V0_TO_V1, V1_TO_V2];

/** The steps from `from` up to `to`, or undefined when there is no path. */
export function stepsBetween(from: number, to: number): UpgradeStep[] | undefined {
  const steps: UpgradeStep[] = [];
  for (let version = from; version < to; version++) {
    const step = UPGRADE_STEPS.find((candidate) => candidate.from === version);
    if (!step) return undefined;
    steps.push(step);
  }
  return steps;
}
