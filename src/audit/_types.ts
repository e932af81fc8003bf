/**
 * The data types of the audit log, in their own file so that internal files
 * can share them without importing `mod.ts`.
 *
 * @module
 */

/** The record an audit event is about. */
export interface AuditTarget {
  /** The record type, such as `experiment`. */
  type: string;
  /** The record id, such as `exp_01J…`. */
  id: string;
}

/** What a caller provides to record an event. */
export interface AuditEventInput {
  /** Who did it: a user name or a service name. */
  actor: string;
  /** What was done, `record.verb`, such as `experiment.created`. */
  action: string;
  /** The record acted on. */
  target: AuditTarget;
  /** Why, when the action requires a reason; otherwise null. */
  reason: string | null;
  /** Action-specific data; must survive a JSON round trip. */
  details: Record<string, unknown>;
}

/** An event as stored in the log (format v1). */
export interface AuditEvent extends AuditEventInput {
  /** The format version. */
  v: 1;
  /** Position in the log, consecutive from 1. */
  seq: number;
  /** The event id, `evt_…`. */
  id: string;
  /** When it was recorded: RFC 3339 UTC with milliseconds; never decreases along the log. */
  ts: string;
  /** The hash of the previous line, or 64 zeros for seq 1. */
  prev: string;
}

/** The last event of the log, as recorded in `head.json`. */
export interface AuditHead {
  /** Its seq, or 0 for an empty log. */
  seq: number;
  /** Its hash, or 64 zeros for an empty log. */
  hash: string;
}

/**
 * The kinds of damage `verify` tells apart.
 *
 * - `edited`: a line's event does not match its hash.
 * - `missing`: events are absent from the middle of the log.
 * - `reordered`: an event appears out of order.
 * - `duplicated`: an event appears twice.
 * - `truncated`: the log is shorter than its head says, or the head is missing.
 * - `forged`: the hashes are consistent line by line, but the chain or the head says the log was rewritten.
 * - `malformed`: a line (or the head) is not in the v1 format.
 * - `torn`: the last line has no trailing newline (an interrupted append).
 */
export type AuditDamageKind =
  | "edited"
  | "missing"
  | "reordered"
  | "duplicated"
  | "truncated"
  | "forged"
  | "malformed"
  | "torn";

/**
 * The outcome of a verification. When damaged, `seq` is the first sequence
 * number that cannot be trusted and `events` counts the good events before it.
 */
export type VerifyResult =
  | { ok: true; events: number; head: string; warnings: string[] }
  | { ok: false; events: number; seq: number; kind: AuditDamageKind; message: string };

/** Which events `list` returns; all given criteria must match. */
export interface AuditFilter {
  /** Exact actor. */
  actor?: string;
  /** Exact action, such as `experiment.created`. */
  action?: string;
  /** Exact target type. */
  targetType?: string;
  /** Exact target id. */
  targetId?: string;
  /** Only events at or after this ISO 8601 time. */
  since?: string;
  /** Page size, 1 to 1000. Default: 50. */
  limit?: number;
  /** Matching events to skip, newest first. Default: 0. */
  offset?: number;
}

/** One page of events, newest first. */
export interface AuditPage {
  /** The matching events, newest first. */
  events: AuditEvent[];
  /** Whether more matching events follow this page. */
  hasMore: boolean;
}

/** A verification and the events of some actions, found in the same pass over the log. */
export interface VerifiedSelection {
  /** The verification. */
  result: VerifyResult;
  /** The events of the selected actions, oldest first; none unless the log verified. */
  events: AsyncIterable<AuditEvent>;
}
