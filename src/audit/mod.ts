/**
 * The hash-chained audit log: an append-only `log.jsonl` in which every line
 * carries the SHA-256 of its event and every event the hash of the line
 * before it, plus a `head.json` naming the last event, so that edits,
 * deletions, reordering and truncation are all detectable. See the format
 * v1 section of the README.
 *
 * This is also the `@labos/labos/audit` entry for third-party verifiers:
 * {@linkcode verifyLogFile} checks any log and head file of the published
 * format, and the format types and constants describe it.
 *
 * @example Record an event and check the log
 * ```ts
 * import { AuditLog } from "./mod.ts";
 * import { mkdtemp } from "node:fs/promises";
 * import assert from "node:assert/strict";
 * const dir = await mkdtemp("/tmp/labos-audit-");
 * const audit = new AuditLog(`${dir}/audit`);
 * await audit.append({
 *   actor: "ada", action: "experiment.created",
 *   target: { type: "experiment", id: "exp_01JAAAAAAAAAAAAAAAAAAAAAAA" },
 *   reason: null, details: { title: "Caffeine melting point" },
 * });
 * assert.ok((await audit.verify()).ok);
 * ```
 *
 * @example Verify an exported log as a third party
 * ```ts
 * import { verifyLogFile } from "./mod.ts";
 * import assert from "node:assert/strict";
 * const result = await verifyLogFile("/nonexistent/export.jsonl", {
 *   headFile: "/nonexistent/export.jsonl.head.json",
 * });
 * assert.ok(result.ok && result.events === 0);
 * ```
 *
 * @module
 */
export {
  type AuditExport,
  AuditLog,
  type AuditLogOptions,
  type EncodedEvents,
  encodeEvents,
  type StagedAppend,
} from "./_log.ts";
export {
  encodeEvent,
  EVENT_OFFSET,
  formatHead,
  FRAME_TAIL,
  GENESIS_HASH,
  HASH_KEY,
  HEAD_FILE,
  LINE_PREFIX,
  LOG_FILE,
  parseHead,
} from "./_format.ts";
export { verifyLogFile, type VerifyOptions } from "./_verify.ts";
export type { ScanOptions } from "./_read.ts";
export type {
  AuditDamageKind,
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  AuditPage,
  AuditTarget,
  VerifiedSelection,
  VerifyResult,
} from "./_types.ts";
