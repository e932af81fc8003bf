/**
 * Records as rows of `labos_record`: the body as `jsonb`, a dataset's
 * table values in their own column, so that a summary never reads them.
 *
 * @module
 */
import { excerpt, LabosError, quote } from "../../errors.ts";
import {
  checkRecordSize,
  type Dataset,
  type RecordOf,
  type RecordType,
  safeParseRecord,
} from "../../records/mod.ts";
import { formatIssues, toFieldIssues } from "../../validation.ts";

/** A record split into its row's columns, as JSON text. */
export interface RecordRow {
  /** The record without a table's values. */
  body: string;
  /** A dataset table's values, or null. */
  values: string | null;
}

/** Splits a (validated) record into the text of its row's columns; refuses one too large to store. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toRow } from "./_records.ts";
 * const row = toRow("job", { id: "job_1" } as never);
 * assert.deepEqual(row, { body: '{"id":"job_1"}', values: null });
 * ```
 */
export function toRow<K extends RecordType>(type: K, record: RecordOf[K]): RecordRow {
  checkRecordSize(record, `Cannot store ${type} ${quote(String(record.id))}`);
  const table = type === "dataset" ? (record as Dataset).table : undefined;
  if (!table) return { body: JSON.stringify(record), values: null };
  const { values, ...rest } = table;
  return {
    body: JSON.stringify({ ...record, table: rest }),
    values: JSON.stringify(values),
  };
}

/** A row's record as stored, unvalidated: the body with a table's values put back. *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rawRecord } from "./_records.ts";
 * const record = rawRecord({ id: "ds_1", table: { columns: [], rowCount: 0, delimiter: "," } }, []);
 * assert.deepEqual(record.table, { columns: [], rowCount: 0, values: [], delimiter: "," });
 * ```
 */
export function rawRecord(body: unknown, values: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return body as Record<string, unknown>;
  }
  const record = body as Record<string, unknown>;
  const table = record.table;
  if (values === null || values === undefined) return record;
  if (table === null || typeof table !== "object" || Array.isArray(table)) return record;
  const { columns, rowCount, delimiter, ...rest } = table as Record<string, unknown>;
  return { ...record, table: { columns, rowCount, values, delimiter, ...rest } };
}

/**
 * Validates a row's record (or, with `summary`, a dataset without its
 * values); `invalid` naming `where` when it does not match its schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRecord } from "./_records.ts";
 * assert.throws(
 *   () => decodeRecord("job", "job_1", {}, { where: "postgres://db/lab#job/job_1", jitless: true }),
 *   /Corrupt job record/,
 * );
 * ```
 */
export function decodeRecord<K extends RecordType>(
  type: K,
  id: string,
  value: unknown,
  options: { where: string; summary?: boolean; jitless: boolean },
): RecordOf[K] {
  const result = safeParseRecord(type, value, {
    jitless: options.jitless,
    summary: options.summary,
  });
  if (!result.success) {
    throw new LabosError(
      "invalid",
      `Corrupt ${type} record ${options.where}: ${formatIssues(toFieldIssues(result.error))}`,
    );
  }
  const record = result.data as RecordOf[K];
  if (record.id !== id) {
    throw new LabosError(
      "invalid",
      `Corrupt ${type} record ${options.where}: "id" is ${excerpt(record.id)} but the row is for ${
        quote(id)
      }`,
    );
  }
  return record;
}
