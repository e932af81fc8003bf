import type { AuditEvent } from "../audit/mod.ts";
import { hashJson, isId, RECORD_TYPES, type RecordType } from "../records/mod.ts";
import type { StorageCheck } from "./types.ts";

/** A record that disagrees with the audit log (see {@linkcode compareWithAudit}). */
export interface AuditMismatch {
  /**
   * `unaudited`: no audit event carries the record's hash; `edited`: it
   * differs from its last audited state; `missing`: audited, but its file is gone.
   */
  kind: "unaudited" | "edited" | "missing";
  /** The record's type. */
  type: RecordType;
  /** The record's id. */
  id: string;
  /** The seq of its last audited state, or null when it has none. */
  seq: number | null;
}

/**
 * Compares every record with its last audited state: the `details.recordHash`
 * of the last audit event naming it. Doctor reports the mismatches; a restore
 * refuses them. Corrupt records (files that exist but do not load) are left
 * to the storage's own checks.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compareWithAudit } from "./_audited.ts";
 * async function* none() {}
 * const records = {
 *   experiment: new Map(),
 *   dataset: new Map(),
 *   job: new Map(),
 *   user: new Map(),
 *   session: new Map(),
 *   signature: new Map(),
 *   attachment: new Map(),
 * };
 * const found = await compareWithAudit(none(), { records, exists: () => Promise.resolve(false) });
 * assert.deepEqual(found, []);
 * ```
 */
export async function compareWithAudit(
  events: AsyncIterable<AuditEvent>,
  check: Pick<StorageCheck, "records" | "exists">,
): Promise<AuditMismatch[]> {
  const lastHash = new Map<string, { hash: string; seq: number }>();
  for await (const event of events) {
    const recordHash = event.details.recordHash;
    if (typeof recordHash === "string") {
      lastHash.set(`${event.target.type}:${event.target.id}`, { hash: recordHash, seq: event.seq });
    }
  }
  const found: AuditMismatch[] = [];
  for (const type of RECORD_TYPES) {
    for (const [id, record] of check.records[type]) {
      const audited = lastHash.get(`${type}:${id}`);
      if (!audited) found.push({ kind: "unaudited", type, id, seq: null });
      else if (audited.hash !== hashJson(record)) {
        found.push({ kind: "edited", type, id, seq: audited.seq });
      }
      lastHash.delete(`${type}:${id}`);
    }
  }
  for (const [key, audited] of lastHash) {
    const [type, id] = key.split(":") as [RecordType, string];
    if (!(type in check.records) || !isId(id, type)) continue;
    if (await check.exists(type, id)) continue; // corrupt: the storage reports it
    found.push({ kind: "missing", type, id, seq: audited.seq });
  }
  return found;
}
