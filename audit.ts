/**
 * The audit log format v1, for third-party verifiers: {@linkcode verifyLogFile}
 * checks any `log.jsonl` and head file of the published format, and the
 * constants and types describe a line. Writing goes through `Lab` only.
 *
 * @example Verify an exported log
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyLogFile } from "@labos/labos/audit";
 * const result = await verifyLogFile("/nonexistent/export.jsonl", {
 *   headFile: "/nonexistent/export.jsonl.head.json",
 * });
 * assert.ok(result.ok && result.events === 0);
 * ```
 *
 * @module
 */
export {
  EVENT_OFFSET,
  formatHead,
  FRAME_TAIL,
  GENESIS_HASH,
  HASH_KEY,
  HEAD_FILE,
  LINE_PREFIX,
  LOG_FILE,
  parseHead,
} from "./src/audit/mod.ts";
export { verifyLogFile, type VerifyOptions } from "./src/audit/mod.ts";
export type {
  AuditDamageKind,
  AuditEvent,
  AuditEventInput,
  AuditFilter,
  AuditHead,
  AuditPage,
  AuditTarget,
  VerifyResult,
} from "./src/audit/mod.ts";
