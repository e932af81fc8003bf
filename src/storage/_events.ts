import type { AuditEventInput } from "../audit/mod.ts";
import { hashJson, type RecordType } from "../records/mod.ts";

/** A change to one record, as {@linkcode recordEvent} audits it. */
export interface RecordChange {
  /** The record's type. */
  type: RecordType;
  /** The record after the change. */
  record: { id: string };
  /** Why, when the action needs a reason. */
  reason?: string | null;
  /** More about the change, such as the before and after values. */
  details?: Record<string, unknown>;
}

/**
 * The audit event of a record change, with the record's hash in
 * `details.recordHash`, so that doctor can spot later edits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordEvent } from "./_events.ts";
 * const event = recordEvent("ada", "job.started", { type: "job", record: { id: "job_1" } });
 * assert.deepEqual(event.target, { type: "job", id: "job_1" });
 * ```
 */
export function recordEvent(
  actor: string,
  action: string,
  change: RecordChange,
): AuditEventInput {
  return {
    actor,
    action,
    target: { type: change.type, id: change.record.id },
    reason: change.reason ?? null,
    details: { ...change.details, recordHash: hashJson(change.record) },
  };
}
