import type { AuditEventInput } from "../audit/mod.ts";
import { hashJson, type RecordType } from "../records/mod.ts";

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
  change: {
    type: RecordType;
    record: { id: string };
    reason?: string | null;
    details?: Record<string, unknown>;
  },
): AuditEventInput {
  return {
    actor,
    action,
    target: { type: change.type, id: change.record.id },
    reason: change.reason ?? null,
    details: { ...change.details, recordHash: hashJson(change.record) },
  };
}
